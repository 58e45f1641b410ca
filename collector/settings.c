/* settings.c: the collector's option table (file, environment and flags share it). */
#include "settings.h"

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "i18n.h"

#define OPT(name, type, field, def, min, max, help)                                                \
    {                                                                                              \
        name, type, offsetof(collector_settings, field), def, min, max, help                       \
    }

const td_config_option settings_table[] = {
    OPT("state-dir", TD_OPT_STRING, state_dir, "/var/lib/tiendo/collector", 0, 1024,
        N_("Folder of the LMDB store (created 0700 if missing)")),
    OPT("bind", TD_OPT_STRING, bind, "tcp://*:7420", 0, 256,
        N_("Endpoint agents connect to (tcp://127.0.0.1:* picks a free port)")),
    OPT("query-bind", TD_OPT_STRING, query_bind, "tcp://*:7421", 0, 256,
        N_("Endpoint the tiendo command connects to")),
    OPT("secret-key", TD_OPT_STRING, secret_key, "/etc/tiendo/collector.key", 0, 1024,
        N_("The collector's CURVE secret key file (mode 0600; make one with keygen)")),
    OPT("authorized-keys", TD_OPT_STRING, authorized_keys, "/etc/tiendo/authorized-keys", 1, 1024,
        N_("Keys allowed to connect, with role and scope (docs/security.md); SIGHUP rereads it")),
    OPT("role", TD_OPT_STRING, role, "agent", 1, 16,
        N_("enrol: agent (submits reports in its scope) or query (reads everything)")),
    OPT("scope", TD_OPT_STRING, scope, NULL, 0, 512,
        N_("enrol: units an agent may report for: 01, 01/* (with all under it), *, or a list")),
    OPT("name", TD_OPT_STRING, name, NULL, 0, 127,
        N_("enrol: who holds the key, e.g. \"Hanoi DoC office\" (shown in logs)")),
    OPT("data-dir", TD_OPT_STRING, data_dir, TIENDO_DEFAULT_DATA_DIR, 0, 1024,
        N_("Folder of the unit registry and indicator catalogue (units.csv ...)")),
    OPT("log-level", TD_OPT_STRING, log_level, "info", 0, 16, N_("debug, info, warn or error")),
    OPT("lang", TD_OPT_STRING, lang, NULL, 0, 8,
        N_("Language of the commands' messages (enrol, revoke, check, backup, restore, prune): "
           "vi or en; default: from the locale. Log lines stay English")),
    OPT("endpoint-file", TD_OPT_STRING, endpoint_file, NULL, 0, 1024,
        N_("After binding, write the bound endpoints here (agents=..., query=..., metrics=...)")),
    OPT("metrics-bind", TD_OPT_STRING, metrics_bind, "", 0, 256,
        N_("Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9420 "
           "(port 0 picks one; empty: off; docs/operations.md, Metrics)")),
    OPT("batch-max", TD_OPT_INT, batch_max, "1024", 1, 65536,
        N_("Most envelopes stored in one transaction (group commit)")),
    OPT("batch-ms", TD_OPT_INT, batch_ms, "5", 0, 1000,
        N_("Most milliseconds spent gathering one batch")),
    OPT("map-size-mb", TD_OPT_INT, map_size_mb, "64", 1, 1048576,
        N_("Initial LMDB map size in MiB (it grows when full)")),
    OPT("map-max-mb", TD_OPT_INT, map_max_mb, "1048576", 1, 16777216,
        N_("Largest LMDB map size in MiB; past it reports get RETRY_LATER")),
    OPT("zmq-heartbeat-ms", TD_OPT_INT, zmq_heartbeat_ms, "1000", 0, 600000,
        N_("ZMTP heartbeat interval towards peers (0: off); timeout is 3x")),
    OPT("stats-interval-s", TD_OPT_INT, stats_interval_s, "60", 1, 86400,
        N_("Seconds between log lines with ingest counters")),
    OPT("silent-after-s", TD_OPT_INT, silent_after_s, "300", 10, 86400,
        N_("An enrolled office whose agent sent nothing (report or heartbeat) for longer is "
           "\"silent\" in `tiendo agents`, status and the office metrics")),
    OPT("retention-superseded-days", TD_OPT_INT, retention_superseded_days, "0", 0, 36500,
        N_("Prune the body of a revision superseded this many days ago (audit kept; 0: never)")),
    OPT("retention-rejections-days", TD_OPT_INT, retention_rejections_days, "0", 0, 36500,
        N_("Drop rejection reasons this old once the agent moved past them (0: never)")),
    OPT("now-ms", TD_OPT_INT, now_ms, "0", 0, 4102444800000LL,
        N_("prune: take this Unix ms as now (tests and what-if dry runs; 0: the clock)")),
    OPT("dry-run", TD_OPT_BOOL, dry_run, "false", 0, 1,
        N_("prune: count what would go, change nothing")),
    OPT("force", TD_OPT_BOOL, force, "false", 0, 1,
        N_("restore: replace the store in --state-dir (kept as data.mdb.before-restore-*)")),
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

int settings_check(const collector_settings *settings, td_log_level *level, char *err,
                   size_t errlen)
{
    if (td_log_level_parse(settings->log_level, level) != 0) {
        td_msg(err, errlen, "--log-level: must be debug, info, warn or error");
        return -1;
    }
    return 0;
}
