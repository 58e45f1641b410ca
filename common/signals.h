/* signals.h: the one signal setup of the daemons: handlers only set flags (STYLE.md, 9). */
#ifndef TIENDO_SIGNALS_H
#define TIENDO_SIGNALS_H

#include <signal.h>

/* SIGTERM and SIGINT set *stop to 1; SIGHUP sets *reload to 1 (or *stop when reload is
 * NULL: a program without a reload stops on a hang-up); SIGPIPE is ignored (a closed pipe
 * or socket is an error return, never a death). No SA_RESTART, so zmq_poll and other
 * waits return EINTR and the loop sees the flag at once. Call once, from the main thread,
 * before other threads start; the flags must live for the whole process. */
void td_signals_install(volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

#endif
