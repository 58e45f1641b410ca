/* cmd.c: helpers the tiendo-agent commands share (see cmd.h). */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "i18n.h"

void agent_fail_text(const char *what, const char *text)
{
    if (what != NULL)
        fprintf(stderr, "%s: %s: %s\n", AGENT_PROGRAM, what, text);
    else
        fprintf(stderr, "%s: %s\n", AGENT_PROGRAM, text);
}

void agent_fail(const char *what, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, _(fmt), ap);
    va_end(ap);
    agent_fail_text(what, msg);
}

td_err agent_open_outbox(const agent_config *cfg, outbox_t **ob)
{
    char err[512];
    td_err e = outbox_open(ob, cfg->state_dir, (size_t) cfg->map_size_mb << 20, err, sizeof err);
    if (e != TD_OK)
        agent_fail_text(cfg->state_dir, err[0] != '\0' ? err : _(td_strerror(e)));
    return e;
}

int agent_outbox_exists(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return access(path, F_OK) == 0;
}

int agent_sender_running(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run.lock", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return running;
}

int agent_open_registry(const agent_config *cfg, td_registry_t **reg)
{
    char err[512];
    if (td_registry_open(reg, cfg->data_dir, err, sizeof err) != TD_OK) {
        agent_fail(NULL, "cannot load the unit registry from %s: %s", cfg->data_dir, err);
        return -1;
    }
    return 0;
}
