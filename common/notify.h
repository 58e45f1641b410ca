/* notify.h: tells the service manager (systemd, Type=notify) what a daemon is doing. */
#ifndef TIENDO_NOTIFY_H
#define TIENDO_NOTIFY_H

#include <stdint.h>

/* Each is a no-op when not started by systemd ($NOTIFY_SOCKET unset). */
void td_notify_ready(const char *status);  /* READY=1 and a STATUS= line */
void td_notify_reloading(void);            /* RELOADING=1 (follow with td_notify_ready) */
void td_notify_stopping(void);             /* STOPPING=1 */
void td_notify_status(const char *status); /* STATUS=... shown by systemctl status */

/* The watchdog interval systemd asks for (WatchdogSec=), halved, in ms; 0 when off. */
int64_t td_notify_watchdog_ms(void);
void td_notify_watchdog(void); /* WATCHDOG=1: "the main loop is alive" */

#endif
