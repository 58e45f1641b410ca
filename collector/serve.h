/* serve.h: the `run` command: bind the sockets, serve until SIGTERM (the collector's daemon). */
#ifndef TIENDO_COLLECTOR_SERVE_H
#define TIENDO_COLLECTOR_SERVE_H

/* The handler of `run` in main.c's command table (td_command.run; ctx is the
 * collector_settings of settings.h, read only; no operands). With check_config set it
 * prints the effective configuration, reads the registry and the authorised keys as a
 * start would, and returns. Otherwise it installs the signal handlers (SIGTERM/SIGINT:
 * stop after the batch in hand; SIGHUP: reread the authorised keys), serves on the
 * calling thread (the one thread that uses the store, the sockets and the ZAP handler),
 * and returns COLLECTOR_EXIT_OK after a clean stop, COLLECTOR_EXIT_ERROR when it could not
 * start, COLLECTOR_EXIT_USAGE for an operand. Call it once per process. */
int serve_run(void *ctx, int noperands, char **operands);

#endif
