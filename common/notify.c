/* notify.c: sd_notify(3) through libsystemd for Type=notify services. */
#include "notify.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>

void td_notify_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status != NULL ? status : "ready");
}

void td_notify_reloading(void)
{
    sd_notify(0, "RELOADING=1\nSTATUS=reloading");
}

void td_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void td_notify_status(const char *status)
{
    sd_notifyf(0, "STATUS=%s", status);
}

int64_t td_notify_watchdog_ms(void)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return 0;
    return (int64_t) (usec / 2000); /* ping twice per interval */
}

void td_notify_watchdog(void)
{
    sd_notify(0, "WATCHDOG=1");
}
