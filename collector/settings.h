/* settings.h: the collector's options: one table of names, types, bounds, defaults and help. */
#ifndef TIENDO_COLLECTOR_SETTINGS_H
#define TIENDO_COLLECTOR_SETTINGS_H

#include <stddef.h>

#include "config.h"
#include "log.h"

#define COLLECTOR_PROGRAM    "tiendo-collector"
#define COLLECTOR_EXIT_OK    0 /* done; run: stopped cleanly */
#define COLLECTOR_EXIT_ERROR 1 /* failed (the message says why); check: the store did not pass */
#define COLLECTOR_EXIT_USAGE 2 /* bad command line or options */

/* What settings_table fills (td_config_parse; td_config_free releases the strings). Every
 * command gets the same struct, read only, on the one thread that runs it. */
typedef struct {
    char *state_dir;
    char *bind;
    char *query_bind;
    char *secret_key;
    char *authorized_keys;
    char *role;
    char *scope;
    char *name;
    char *data_dir;
    char *log_level;
    char *lang; /* vi, en; NULL: from the locale */
    char *endpoint_file;
    char *metrics_bind;
    long long batch_max;
    long long batch_ms;
    long long map_size_mb;
    long long map_max_mb;
    long long zmq_heartbeat_ms;
    long long stats_interval_s;
    long long silent_after_s;
    long long retention_superseded_days;
    long long retention_rejections_days;
    long long now_ms;
    int dry_run;
    int force;
    int check_config; /* not an option: --check-config was given (td_config_args) */
} collector_settings;

/* Every option, ended by a row whose name is NULL. */
extern const td_config_option settings_table[];

/* The checks the table cannot express (--log-level). 0 with *level set, or -1 with err
 * naming the option. */
int settings_check(const collector_settings *settings, td_log_level *level, char *err,
                   size_t errlen);

#endif
