/* signals.c: flag-setting handlers for SIGTERM, SIGINT and SIGHUP. */
#include "signals.h"

#include <stddef.h>
#include <string.h>

static volatile sig_atomic_t *s_stop_flag;
static volatile sig_atomic_t *s_reload_flag;

static void s_on_signal(int sig)
{
    if (sig == SIGHUP && s_reload_flag != NULL)
        *s_reload_flag = 1;
    else if (s_stop_flag != NULL)
        *s_stop_flag = 1;
}

void td_signals_install(volatile sig_atomic_t *stop, volatile sig_atomic_t *reload)
{
    s_stop_flag = stop;
    s_reload_flag = reload;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: blocking waits return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
