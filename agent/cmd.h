/* cmd.h: what tiendo-agent's commands share: the configuration, exit codes, helpers, handlers. */
#ifndef TIENDO_AGENT_CMD_H
#define TIENDO_AGENT_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "outbox.h"
#include "registry.h"

#define AGENT_PROGRAM    "tiendo-agent"
#define AGENT_EXIT_OK    0
#define AGENT_EXIT_ERROR 1
#define AGENT_EXIT_USAGE 2

/* The parsed options (main.c's table fills it; td_config_free releases the strings). */
typedef struct {
    char *state_dir;
    char *collector;
    char *collector_public_key;
    char *secret_key;
    char *data_dir;
    char *unit;
    char *dataset;
    char *period;
    char *log_level;
    char *lang; /* vi, en; NULL: from the locale */
    char *metrics_bind;
    long long window;
    long long resend_timeout_ms;
    long long backoff_max_ms;
    long long heartbeat_ms;
    long long zmq_heartbeat_ms;
    long long reconnect_max_ms;
    long long map_size_mb;
    int exit_when_empty;
    int json;
} agent_config;

/* The command handlers of main.c's table (td_command.run): ctx is the agent_config, the
 * operands follow the command word (borrowed from argv). Each returns an AGENT_EXIT_*
 * code and reports its failures on stderr itself. Single-threaded. */
int cmd_keygen(void *ctx, int noperands, char **operands);       /* cmd_run.c */
int cmd_run(void *ctx, int noperands, char **operands);          /* cmd_run.c */
int cmd_template(void *ctx, int noperands, char **operands);     /* cmd_submit.c */
int cmd_submit(void *ctx, int noperands, char **operands);       /* cmd_submit.c */
int cmd_status(void *ctx, int noperands, char **operands);       /* cmd_status.c */
int cmd_dead_letters(void *ctx, int noperands, char **operands); /* cmd_status.c */

/* ---- helpers (cmd.c) ---- */

/* "tiendo-agent: WHAT: message" on stderr ("tiendo-agent: message" when what is NULL).
 * fmt is an English msgid, written in the reader's language (xgettext collects
 * agent_fail:2, po/CMakeLists.txt). */
void agent_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same for a message already made (and translated), e.g. a module's err text. */
void agent_fail_text(const char *what, const char *text);

/* Open the outbox of cfg->state_dir (creating it), with the failure on stderr. */
td_err agent_open_outbox(const agent_config *cfg, outbox_t **ob);

/* 1 when dir holds an outbox (data.mdb), without creating anything. */
int agent_outbox_exists(const char *dir);

/* 1 when a `run` holds dir's run.lock (flock). */
int agent_sender_running(const char *dir);

/* Open the unit registry of cfg->data_dir, with the failure on stderr: 0 or -1. */
int agent_open_registry(const agent_config *cfg, td_registry_t **reg);

#endif
