/* main.c: tiendo-collector: options, sockets, and the single-threaded serve loop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "clock.h"
#include "codec.h"
#include "config.h"
#include "exporter.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"
#include "notify.h"
#include "query.h"
#include "registry.h"
#include "store.h"
#include "verify.h"
#include "zap.h"
#include "atomic_file.h"
#include "signals.h"

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
    char *endpoint_file;
    char *metrics_bind;
    long long batch_max;
    long long batch_ms;
    long long map_size_mb;
    long long map_max_mb;
    long long zmq_heartbeat_ms;
    long long stats_interval_s;
    long long retention_superseded_days;
    long long retention_rejections_days;
    long long now_ms;
    int dry_run;
    int force;
} s_config;

#define OPT(name, type, field, def, min, max, help)                                                \
    {                                                                                              \
        name, type, offsetof(s_config, field), def, min, max, help                                 \
    }

static const td_config_option s_options[] = {
    OPT("state-dir", TD_OPT_STRING, state_dir, "/var/lib/tiendo/collector", 0, 1024,
        "Folder of the LMDB store (created 0700 if missing)"),
    OPT("bind", TD_OPT_STRING, bind, "tcp://*:7420", 0, 256,
        "Endpoint agents connect to (tcp://127.0.0.1:* picks a free port)"),
    OPT("query-bind", TD_OPT_STRING, query_bind, "tcp://*:7421", 0, 256,
        "Endpoint the tiendo command connects to"),
    OPT("secret-key", TD_OPT_STRING, secret_key, "/etc/tiendo/collector.key", 0, 1024,
        "The collector's CURVE secret key file (mode 0600; make one with keygen)"),
    OPT("authorized-keys", TD_OPT_STRING, authorized_keys, "/etc/tiendo/authorized-keys", 1, 1024,
        "Keys allowed to connect, with role and scope (docs/security.md); SIGHUP rereads it"),
    OPT("role", TD_OPT_STRING, role, "agent", 1, 16,
        "enrol: agent (submits reports in its scope) or query (reads everything)"),
    OPT("scope", TD_OPT_STRING, scope, NULL, 0, 512,
        "enrol: units an agent may report for: 01, 01/* (with all under it), *, or a list"),
    OPT("name", TD_OPT_STRING, name, NULL, 0, 127,
        "enrol: who holds the key, e.g. \"Hanoi DoC office\" (shown in logs)"),
    OPT("data-dir", TD_OPT_STRING, data_dir, TIENDO_DEFAULT_DATA_DIR, 0, 1024,
        "Folder of the unit registry and indicator catalogue (units.csv ...)"),
    OPT("log-level", TD_OPT_STRING, log_level, "info", 0, 16, "debug, info, warn or error"),
    OPT("endpoint-file", TD_OPT_STRING, endpoint_file, NULL, 0, 1024,
        "After binding, write the bound endpoints here (agents=..., query=..., metrics=...)"),
    OPT("metrics-bind", TD_OPT_STRING, metrics_bind, "", 0, 256,
        "Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9420 "
        "(port 0 picks one; empty: off; docs/operations.md, Metrics)"),
    OPT("batch-max", TD_OPT_INT, batch_max, "1024", 1, 65536,
        "Most envelopes stored in one transaction (group commit)"),
    OPT("batch-ms", TD_OPT_INT, batch_ms, "5", 0, 1000,
        "Most milliseconds spent gathering one batch"),
    OPT("map-size-mb", TD_OPT_INT, map_size_mb, "64", 1, 1048576,
        "Initial LMDB map size in MiB (it grows when full)"),
    OPT("map-max-mb", TD_OPT_INT, map_max_mb, "1048576", 1, 16777216,
        "Largest LMDB map size in MiB; past it reports get RETRY_LATER"),
    OPT("zmq-heartbeat-ms", TD_OPT_INT, zmq_heartbeat_ms, "1000", 0, 600000,
        "ZMTP heartbeat interval towards peers (0: off); timeout is 3x"),
    OPT("stats-interval-s", TD_OPT_INT, stats_interval_s, "60", 1, 86400,
        "Seconds between log lines with ingest counters"),
    OPT("retention-superseded-days", TD_OPT_INT, retention_superseded_days, "0", 0, 36500,
        "Prune the body of a revision superseded this many days ago (audit kept; 0: never)"),
    OPT("retention-rejections-days", TD_OPT_INT, retention_rejections_days, "0", 0, 36500,
        "Drop rejection reasons this old once the agent moved past them (0: never)"),
    OPT("now-ms", TD_OPT_INT, now_ms, "0", 0, 4102444800000LL,
        "prune: take this Unix ms as now (tests and what-if dry runs; 0: the clock)"),
    OPT("dry-run", TD_OPT_BOOL, dry_run, "false", 0, 1,
        "prune: count what would go, change nothing"),
    OPT("force", TD_OPT_BOOL, force, "false", 0, 1,
        "restore: replace the store in --state-dir (kept as data.mdb.before-restore-*)"),
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_reload = 0;

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: tiendo-collector [run] [OPTIONS]\n"
                 "       tiendo-collector keygen PREFIX\n"
                 "       tiendo-collector enrol PUBLIC-KEY --scope SCOPE [--role agent|query]\n"
                 "                              [--name TEXT] [--authorized-keys FILE]\n"
                 "       tiendo-collector revoke PUBLIC-KEY [--authorized-keys FILE]\n"
                 "       tiendo-collector check [--state-dir DIR]\n"
                 "       tiendo-collector backup DEST [--state-dir DIR]\n"
                 "       tiendo-collector restore BACKUP-DIR --state-dir DIR [--force]\n"
                 "       tiendo-collector prune [--dry-run] [--state-dir DIR]\n"
                 "\n"
                 "The central collector of tiendo: receives progress reports on Resolution\n"
                 "06-NQ/TW from agents over ZeroMQ (CURVE-encrypted), stores them durably in\n"
                 "LMDB, acknowledges each one, and answers the `tiendo` command's queries.\n"
                 "\n"
                 "Commands:\n"
                 "  run            serve (the default). SIGTERM/SIGINT: finish the batch in\n"
                 "                 hand, acknowledge it, exit 0. SIGHUP: reread the\n"
                 "                 authorised keys (connected agents still enrolled stay).\n"
                 "  keygen PREFIX  make a CURVE key pair: PREFIX.key (secret, 0600) and\n"
                 "                 PREFIX.pub (give it to agents and CLI users).\n"
                 "  enrol KEY      allow a public key (a .pub file or its 40 characters) to\n"
                 "                 connect: --role agent --scope 01/* lets a province office\n"
                 "                 report for 01 and every unit under it; --role query\n"
                 "                 --scope '*' lets central staff read. Enrolling a key\n"
                 "                 again replaces its line. Then reload the collector.\n"
                 "  revoke KEY     remove a key; after the reload it can neither connect\n"
                 "                 nor deliver.\n"
                 "  check          verify the store: every revision decodes, no report is\n"
                 "                 stored twice, revisions follow each agent's order.\n"
                 "                 Prints JSON (docs/operations.md); exit 0 clean, 1 not.\n"
                 "  backup DEST    hot, compacted copy of the store into the folder DEST\n"
                 "                 (beside a running collector), then `check` of the copy.\n"
                 "  restore DIR    verify the backup in DIR and copy it into --state-dir\n"
                 "                 (stopped collector; an existing store needs --force).\n"
                 "  prune          apply retention-superseded-days / -rejections-days now,\n"
                 "                 in short write transactions (beside a running collector).\n"
                 "\n"
                 "Options (also as `name = value` lines in --config FILE, or TIENDO_NAME\n"
                 "environment variables; flags win over both):\n");
    td_config_print_help(out, s_options);
    fprintf(out, "\nExit status: 0 stopped cleanly, 1 could not start, 2 bad usage or options.\n"
                 "Docs: docs/operations.md, docs/protocol.md.\n");
}

/* Write "agents=...\nquery=...\n" (and "metrics=URL\n" when metrics is not NULL)
 * atomically so a watcher never reads half a file. */
static int s_write_endpoints(const char *path, void *router, void *query, const char *metrics)
{
    char agents[256], q[256], text[1024], err[512];
    size_t len = sizeof agents;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, agents, &len);
    len = sizeof q;
    zmq_getsockopt(query, ZMQ_LAST_ENDPOINT, q, &len);
    int n = snprintf(text, sizeof text, "agents=%s\nquery=%s\n%s%s%s", agents, q,
                     metrics != NULL ? "metrics=" : "", metrics != NULL ? metrics : "",
                     metrics != NULL ? "\n" : "");
    if (n < 0 || (size_t) n >= sizeof text ||
        td_file_replace(path, text, (size_t) n, 0644, NULL, err, sizeof err) != TD_OK)
        return -1;
    td_info("listening for agents on %s, queries on %s", agents, q);
    return 0;
}

static void *s_server_socket(void *ctx, const s_config *cfg, const char *secret, const char *domain,
                             const char *endpoint)
{
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    if (sock == NULL)
        return NULL;
    int one = 1, hwm = 100000;
    int64_t maxmsg = TD_MAX_WIRE_FRAME;
    int ivl = (int) cfg->zmq_heartbeat_ms;
    if (td_socket_basics(sock, ivl, ivl * 3, ivl * 3) != TD_OK ||
        zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
        td_socket_curve_server(sock, secret, domain) != TD_OK) {
        td_error("cannot set up the %s socket: %s", domain, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    if (zmq_bind(sock, endpoint) != 0) {
        td_error("cannot listen on %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

static void s_log_stats(const ingest_stats *st, const zap_stats *zs)
{
    td_info("ingest: %" PRIu64 " reports received, %" PRIu64 " stored, %" PRIu64
            " duplicates, %" PRIu64 " rejected (%" PRIu64 " out of scope, %" PRIu64
            " from revoked keys), %" PRIu64 " retry-later, %" PRIu64 " heartbeats, %" PRIu64
            " malformed, %" PRIu64 " batches, %" PRIu64 " acks dropped; connections: %" PRIu64
            " accepted, %" PRIu64 " refused",
            st->received, st->committed, st->duplicates, st->rejected, st->out_of_scope,
            st->not_enrolled, st->retry_later, st->heartbeats, st->malformed, st->batches,
            st->acks_dropped, zs->accepted, zs->refused);
}

static void s_log_auth(const auth_t *auth, const char *what)
{
    size_t agents = auth_count(auth, AUTH_ROLE_AGENT), queries = auth_count(auth, AUTH_ROLE_QUERY);
    td_info("authorised keys %s: %zu agent, %zu query", what, agents, queries);
    if (agents + queries == 0)
        td_warn("no key is enrolled: every agent and query client will be refused");
}

/* SIGHUP: read the file again; on any error keep serving with the keys in force. The
 * swap is safe because the loop is single-threaded and nothing keeps entries between
 * iterations. */
static void s_reload_auth(const s_config *cfg, const td_registry_t *registry, auth_t **auth,
                          zap_t *zap, ingest_t *ingest)
{
    char err[512] = "";
    auth_t *fresh = NULL;
    if (auth_load(&fresh, cfg->authorized_keys, registry, err, sizeof err) != TD_OK) {
        td_error("reload refused, the keys in force stay: %s", err);
        return;
    }
    zap_set_auth(zap, fresh);
    ingest_set_auth(ingest, fresh);
    auth_close(auth);
    *auth = fresh;
    s_log_auth(fresh, "reloaded");
}

/* --check-config also reads the files a start would read: the registry and the keys. */
static int s_check_keys(const s_config *cfg)
{
    char err[512] = "";
    td_registry_t *registry = NULL;
    auth_t *auth = NULL;
    int status = 1;
    if (td_registry_open(&registry, cfg->data_dir, err, sizeof err) != TD_OK)
        fprintf(stderr, "tiendo-collector: data-dir: %s\n", err);
    else if (auth_load(&auth, cfg->authorized_keys, registry, err, sizeof err) != TD_OK)
        fprintf(stderr, "tiendo-collector: authorized-keys: %s\n", err);
    else {
        printf("# authorised keys: %zu agent, %zu query\n", auth_count(auth, AUTH_ROLE_AGENT),
               auth_count(auth, AUTH_ROLE_QUERY));
        status = 0;
    }
    auth_close(&auth);
    td_registry_close(&registry);
    return status;
}

/* enrol / revoke: KEY is a .pub file or the 40 characters themselves. */
static int s_edit_keys(const s_config *cfg, const char *command, const char *key_arg)
{
    char err[512] = "", key[TD_Z85_KEY_LEN + 1];
    td_registry_t *registry = NULL;
    int status = 1;
    if (strlen(key_arg) == TD_Z85_KEY_LEN && access(key_arg, F_OK) != 0) {
        memcpy(key, key_arg, sizeof key);
    } else if (access(key_arg, F_OK) != 0) {
        fprintf(stderr,
                "tiendo-collector: '%s' is neither a public key file (.pub) nor a public "
                "key (40 characters)\n",
                key_arg);
        return 2;
    } else if (td_keys_load_public(key_arg, key, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", err);
        return 1;
    }
    if (td_registry_open(&registry, cfg->data_dir, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: cannot load the registry (--data-dir): %s\n", err);
        return 1;
    }
    if (strcmp(command, "enrol") == 0) {
        auth_role role = AUTH_ROLE_AGENT;
        int replaced = 0;
        if (strcmp(cfg->role, "query") == 0) {
            role = AUTH_ROLE_QUERY;
        } else if (strcmp(cfg->role, "agent") != 0) {
            fprintf(stderr, "tiendo-collector: --role must be agent or query\n");
            status = 2;
            goto done;
        }
        const char *scope = cfg->scope;
        if (scope == NULL && role == AUTH_ROLE_QUERY)
            scope = "*";
        if (scope == NULL || scope[0] == '\0') {
            fprintf(stderr, "tiendo-collector: enrol needs --scope: the unit this agent reports "
                            "for (01), a unit and all under it (01/*), or * for every unit\n");
            status = 2;
            goto done;
        }
        if (auth_file_enrol(cfg->authorized_keys, key, role, scope, cfg->name, registry, &replaced,
                            err, sizeof err) != TD_OK) {
            fprintf(stderr, "tiendo-collector: enrol: %s\n", err);
            goto done;
        }
        printf("%s %s key %s, scope %s, in %s\n", replaced ? "updated" : "enrolled",
               auth_role_name(role), key, scope, cfg->authorized_keys);
    } else {
        if (auth_file_revoke(cfg->authorized_keys, key, registry, err, sizeof err) != TD_OK) {
            fprintf(stderr, "tiendo-collector: revoke: %s\n", err);
            goto done;
        }
        printf("revoked key %s in %s\n", key, cfg->authorized_keys);
    }
    printf("reload a running collector to apply it: systemctl reload tiendo-collector, or "
           "kill -HUP <pid>\n");
    status = 0;
done:
    td_registry_close(&registry);
    return status;
}

static int s_check(const s_config *cfg)
{
    char err[512] = "";
    store_t *store = NULL;
    if (store_open_read_only(&store, cfg->state_dir, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: cannot open the store: %s\n", err);
        return 1;
    }
    verify_result result;
    td_err rc = verify_store(store, &result);
    store_close(&store);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo-collector: check failed: %s\n", td_strerror(rc));
        return 1;
    }
    verify_print_json(stdout, &result);
    int clean = verify_clean(&result);
    verify_free(&result);
    return clean ? 0 : 1;
}

/* ---- backup, restore, retention (docs/operations.md) ---- */

/* Open dir read-only and run `check` on it; prints the JSON to stderr when unclean. */
static td_err s_verify_dir(const char *dir, verify_result *result, char *err, size_t errlen)
{
    store_t *store = NULL;
    memset(result, 0, sizeof *result);
    td_err rc = store_open_read_only(&store, dir, err, errlen);
    if (rc != TD_OK)
        return rc;
    rc = verify_store(store, result);
    store_close(&store);
    if (rc != TD_OK) {
        snprintf(err, errlen, "%s: check failed: %s", dir, td_strerror(rc));
        return rc;
    }
    if (!verify_clean(result)) {
        verify_print_json(stderr, result);
        snprintf(err, errlen, "%s: the store does not pass check (JSON above)", dir);
        verify_free(result);
        return TD_ERR_STORE;
    }
    return TD_OK;
}

static long long s_file_bytes(const char *dir)
{
    char path[1100];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}

static int s_backup(const s_config *cfg, const char *dest)
{
    char err[512] = "";
    store_t *store = NULL;
    verify_result result;
    if (store_open_read_only(&store, cfg->state_dir, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: cannot open the store: %s\n", err);
        return 1;
    }
    size_t map_bytes, used_bytes, written = 0;
    store_map_use(store, &map_bytes, &used_bytes);
    long long file_bytes = s_file_bytes(cfg->state_dir);
    int64_t start = td_mono_ms();
    td_err rc = store_backup(store, dest, &written, err, sizeof err);
    int64_t copy_ms = td_mono_ms() - start;
    store_close(&store);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo-collector: backup failed: %s\n", err);
        return rc == TD_ERR_EXISTS ? 2 : 1;
    }
    start = td_mono_ms();
    rc = s_verify_dir(dest, &result, err, sizeof err);
    int64_t check_ms = td_mono_ms() - start;
    printf("wrote %s/data.mdb: %zu bytes in %.3f s (compacted: %.0f%% of the %zu bytes in use; "
           "store file %lld bytes)\n",
           dest, written, (double) copy_ms / 1000.0,
           used_bytes ? 100.0 * (double) written / (double) used_bytes : 0.0, used_bytes,
           file_bytes);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo-collector: the copy is NOT usable: %s\n", err);
        return 1;
    }
    printf("revisions: %" PRIu64 "\nreports (latest): %" PRIu64 "\nagent epochs: %zu\n"
           "recorded gaps: %" PRIu64 "\npruned bodies: %" PRIu64 "\n",
           result.revisions, result.latest, result.norigins, result.gaps, result.pruned);
    printf("check of the copy: OK (%.3f s)\n", (double) check_ms / 1000.0);
    verify_free(&result);
    return 0;
}

/* Copy src_dir/data.mdb to dst_dir/data.mdb through a temporary name, fsync'd. */
static int s_copy_store_file(const char *src_dir, const char *dst_dir, char *err, size_t errlen)
{
    char src[TD_PATH_MAX], dst[TD_PATH_MAX], buf[1 << 16];
    snprintf(src, sizeof src, "%s/data.mdb", src_dir);
    snprintf(dst, sizeof dst, "%s/data.mdb", dst_dir);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, errlen, "%.400s: %s", src, strerror(errno));
        return -1;
    }
    td_atomic_file f;
    td_err rc = td_atomic_open(&f, dst, 0600, NULL, err, errlen);
    while (rc == TD_OK) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            rc = td_fail(TD_ERR_IO, err, errlen, "%.400s: %s", src, strerror(errno));
            break;
        }
        rc = td_atomic_write(&f, buf, (size_t) n, err, errlen);
    }
    close(in);
    if (rc != TD_OK) {
        td_atomic_abort(&f);
        return -1;
    }
    return td_atomic_commit(&f, err, errlen) == TD_OK ? 0 : -1;
}

static int s_restore(const s_config *cfg, const char *backup)
{
    char err[512] = "";
    verify_result result;
    const char *dir = cfg->state_dir;
    if (s_verify_dir(backup, &result, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: the backup cannot be restored: %s\n", err);
        return 1;
    }
    verify_free(&result);
    int in_use = store_in_use(dir);
    if (in_use != 0) {
        fprintf(stderr,
                in_use > 0 ? "tiendo-collector: %s: the store there is open in another process "
                             "(a running collector?); stop it first\n"
                           : "tiendo-collector: %s: cannot check whether it is in use\n",
                dir);
        return 1;
    }
    DIR *d = opendir(dir);
    int entries = 0, has_store = 0;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            entries++;
            has_store |= strcmp(e->d_name, "data.mdb") == 0;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        fprintf(stderr, "tiendo-collector: %s: %s\n", dir, strerror(errno));
        return 1;
    } else if (mkdir(dir, 0700) != 0) {
        fprintf(stderr, "tiendo-collector: %s: cannot create: %s\n", dir, strerror(errno));
        return 1;
    }
    if (entries > 0 && !cfg->force) {
        fprintf(stderr,
                "tiendo-collector: %s is not empty%s; move it aside, or pass --force to "
                "replace the store (the old data.mdb is kept beside it)\n",
                dir, has_store ? " (it holds a store)" : "");
        return 1;
    }
    char path[1100], aside[1200];
    if (has_store) {
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        snprintf(aside, sizeof aside, "%s/data.mdb.before-restore-%" PRId64, dir, td_now_ms());
        if (rename(path, aside) != 0) {
            fprintf(stderr, "tiendo-collector: cannot move %s aside: %s\n", path, strerror(errno));
            return 1;
        }
        printf("kept the replaced store as %s\n", aside);
    }
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path); /* the old lock file describes the old store's readers */
    if (s_copy_store_file(backup, dir, err, sizeof err) != 0) {
        fprintf(stderr, "tiendo-collector: restore failed: %s\n", err);
        return 1;
    }
    if (s_verify_dir(dir, &result, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-collector: the restored store does not pass check: %s\n", err);
        return 1;
    }
    printf("restored %s into %s: %" PRIu64 " revisions, %" PRIu64 " reports, %" PRIu64
           " recorded gaps; start the collector with --state-dir %s\n",
           backup, dir, result.revisions, result.latest, result.gaps, dir);
    verify_free(&result);
    return 0;
}

static int64_t s_cutoff(long long days, int64_t now_ms)
{
    return days > 0 ? now_ms - (int64_t) days * 86400000 : INT64_MIN;
}

/* Run a whole prune; store is open for writing (or read-only for a dry run). */
static td_err s_prune_all(store_t *store, store_prune_t *prune)
{
    int done = 0;
    while (!done && !s_stop) {
        td_err rc = store_prune_step(store, prune, &done);
        if (rc == TD_ERR_MAPFULL)
            rc = store_grow(store);
        if (rc != TD_OK)
            return rc;
    }
    return s_stop ? TD_ERR_INTERRUPTED : TD_OK;
}

static void s_print_prune(FILE *out, const store_prune_stats *st, int dry_run)
{
    fprintf(out,
            "%s: %" PRIu64 " of %" PRIu64 " revisions lose their report body (%" PRIu64
            " bytes; %" PRIu64 " pruned before), %" PRIu64 " of %" PRIu64
            " rejection reasons dropped (%" PRIu64 " kept: the agent may still resend them), "
            "%" PRIu64 " write transactions\n",
            dry_run ? "dry run, nothing changed" : "pruned", st->revisions_pruned,
            st->revisions_seen, st->body_bytes_freed, st->already_pruned, st->rejections_pruned,
            st->rejections_seen, st->rejections_kept_unsettled, st->transactions);
}

static int s_prune(const s_config *cfg)
{
    char err[512] = "";
    int64_t now = cfg->now_ms > 0 ? (int64_t) cfg->now_ms : td_now_ms();
    store_prune_config pc = {s_cutoff(cfg->retention_superseded_days, now),
                             s_cutoff(cfg->retention_rejections_days, now), cfg->dry_run, 0};
    if (pc.superseded_cutoff_ms == INT64_MIN && pc.rejections_cutoff_ms == INT64_MIN) {
        printf("retention is off (retention-superseded-days and retention-rejections-days are "
               "0): nothing to prune\n");
        return 0;
    }
    store_t *store = NULL;
    store_prune_t *prune = NULL;
    td_err rc = cfg->dry_run ? store_open_read_only(&store, cfg->state_dir, err, sizeof err)
                             : store_open(&store, cfg->state_dir, (size_t) cfg->map_size_mb << 20,
                                          (size_t) cfg->map_max_mb << 20, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo-collector: cannot open the store: %s\n", err);
        return 1;
    }
    rc = store_prune_open(&prune, &pc);
    if (rc == TD_OK)
        rc = s_prune_all(store, prune);
    if (prune != NULL)
        s_print_prune(stdout, store_prune_get_stats(prune), cfg->dry_run);
    store_prune_close(&prune);
    store_close(&store);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo-collector: prune stopped: %s\n", td_strerror(rc));
        return 1;
    }
    return 0;
}

/* Retention from the serve loop: a pass every 24 h (the first a minute after start), one
 * short write transaction per loop round so ingest never waits long. */
static void s_serve_retention(const s_config *cfg, store_t *store, store_prune_t **prune,
                              int64_t *next_pass, int64_t now)
{
    if (cfg->retention_superseded_days == 0 && cfg->retention_rejections_days == 0)
        return;
    if (*prune == NULL) {
        if (*next_pass == 0)
            *next_pass = now + 60000;
        if (now < *next_pass)
            return;
        int64_t wall = td_now_ms();
        store_prune_config pc = {s_cutoff(cfg->retention_superseded_days, wall),
                                 s_cutoff(cfg->retention_rejections_days, wall), 0, 0};
        if (store_prune_open(prune, &pc) != TD_OK)
            return;
    }
    int done = 0;
    td_err rc = store_prune_step(store, *prune, &done);
    if (rc == TD_ERR_MAPFULL && store_grow(store) == TD_OK)
        return; /* the next round tries the step again */
    if (rc != TD_OK || done) {
        if (rc != TD_OK)
            td_error("retention pass stopped: %s (next pass in 24 h)", td_strerror(rc));
        else {
            char line[512];
            FILE *mem = fmemopen(line, sizeof line, "w");
            if (mem != NULL) {
                s_print_prune(mem, store_prune_get_stats(*prune), 0);
                fclose(mem);
                line[sizeof line - 1] = '\0';
                line[strcspn(line, "\n")] = '\0';
                td_info("retention: %s", line);
            }
        }
        store_prune_close(prune);
        *next_pass = now + 86400000;
    }
}

static int s_serve(const s_config *cfg)
{
    char err[512] = "";
    char secret[TD_Z85_KEY_LEN + 1], public_key[TD_Z85_KEY_LEN + 1];
    int status = 1;
    td_registry_t *registry = NULL;
    td_calendar_t *calendar = NULL;
    store_t *store = NULL;
    ingest_t *ingest = NULL;
    store_prune_t *prune = NULL; /* a retention pass in progress */
    int64_t next_prune = 0;
    query_t *query = NULL;
    zap_t *zap = NULL;
    auth_t *auth = NULL;
    exporter_t *exporter = NULL;
    void *ctx = NULL, *router = NULL, *qsock = NULL;

    if (td_keys_load_secret(cfg->secret_key, secret, public_key, err, sizeof err) != TD_OK) {
        td_error("%s", err);
        goto cleanup;
    }
    if (td_registry_open(&registry, cfg->data_dir, err, sizeof err) != TD_OK) {
        td_error("cannot load the registry: %s", err);
        goto cleanup;
    }
    if (td_calendar_open(&calendar, cfg->data_dir, err, sizeof err) != TD_OK) {
        td_error("cannot load the reporting calendar: %s", err);
        goto cleanup;
    }
    if (auth_load(&auth, cfg->authorized_keys, registry, err, sizeof err) != TD_OK) {
        td_error("cannot load the authorised keys: %s (enrol keys with `tiendo-collector "
                 "enrol`; docs/security.md)",
                 err);
        goto cleanup;
    }
    s_log_auth(auth, "loaded");
    if (store_open(&store, cfg->state_dir, (size_t) cfg->map_size_mb << 20,
                   (size_t) cfg->map_max_mb << 20, err, sizeof err) != TD_OK) {
        td_error("cannot open the store: %s", err);
        goto cleanup;
    }
    ingest_config icfg = {(int) cfg->batch_max, (int) cfg->batch_ms};
    if (ingest_open(&ingest, store, registry, calendar, &icfg) != TD_OK ||
        query_open(&query, store, registry, calendar) != TD_OK) {
        td_error("out of memory");
        goto cleanup;
    }
    ingest_set_auth(ingest, auth);
    ctx = zmq_ctx_new();
    if (ctx == NULL || zap_open(&zap, ctx) != TD_OK)
        goto cleanup;
    zap_set_auth(zap, auth);
    router = s_server_socket(ctx, cfg, secret, ZAP_DOMAIN_AGENTS, cfg->bind);
    qsock = router != NULL ? s_server_socket(ctx, cfg, secret, ZAP_DOMAIN_QUERY, cfg->query_bind)
                           : NULL;
    memset(secret, 0, sizeof secret);
    if (router == NULL || qsock == NULL)
        goto cleanup;
    if (cfg->metrics_bind != NULL && cfg->metrics_bind[0] != '\0') {
        if (exporter_open(&exporter, cfg->metrics_bind, ctx, router, store, err, sizeof err) !=
            TD_OK) {
            td_error("%s (--metrics-bind)", err);
            goto cleanup;
        }
        td_info("serving metrics on %s", exporter_url(exporter));
        exporter_publish(exporter, ingest_get_stats(ingest), zap_get_stats(zap), auth, td_mono_ms(),
                         1);
    }
    if (cfg->endpoint_file != NULL &&
        s_write_endpoints(cfg->endpoint_file, router, qsock,
                          exporter != NULL ? exporter_url(exporter) : NULL) != 0) {
        td_error("cannot write %s: %s", cfg->endpoint_file, strerror(errno));
        goto cleanup;
    }
    td_info("collector %s ready; public key %s; store %s", TIENDO_VERSION, public_key,
            cfg->state_dir);
    char status_line[256];
    snprintf(status_line, sizeof status_line, "serving; %zu agent and %zu query keys enrolled",
             auth_count(auth, AUTH_ROLE_AGENT), auth_count(auth, AUTH_ROLE_QUERY));
    td_notify_ready(status_line);
    int64_t watchdog_ms = td_notify_watchdog_ms(), next_watchdog = 0;

    int64_t next_stats = td_mono_ms() + cfg->stats_interval_s * 1000;
    int64_t next_reader_check = td_mono_ms() + 60000;
    uint64_t logged_activity = 0;
    while (!s_stop) {
        zmq_pollitem_t items[] = {
            {zap_socket(zap), 0, ZMQ_POLLIN, 0},
            {router, 0, ZMQ_POLLIN, 0},
            {qsock, 0, ZMQ_POLLIN, 0},
            {exporter_monitor_socket(exporter), 0, ZMQ_POLLIN, 0},
        };
        int64_t metrics_due = exporter_due_ms(exporter, td_mono_ms());
        if (zmq_poll(items, items[3].socket != NULL ? 4 : 3,
                     metrics_due < 1000 ? (long) metrics_due : 1000) < 0) {
            if (zmq_errno() == EINTR)
                continue; /* the loop condition sees the stop flag */
            td_error("poll failed: %s", zmq_strerror(zmq_errno()));
            break;
        }
        if (s_reload) {
            s_reload = 0;
            td_notify_reloading();
            s_reload_auth(cfg, registry, &auth, zap, ingest);
            snprintf(status_line, sizeof status_line,
                     "serving; %zu agent and %zu query keys enrolled (reloaded)",
                     auth_count(auth, AUTH_ROLE_AGENT), auth_count(auth, AUTH_ROLE_QUERY));
            td_notify_ready(status_line);
        }
        if (items[0].revents & ZMQ_POLLIN)
            zap_handle(zap);
        if (items[1].revents & ZMQ_POLLIN)
            ingest_drain(ingest, router);
        if (items[2].revents & ZMQ_POLLIN)
            query_handle(query, qsock);
        if (items[3].revents & ZMQ_POLLIN)
            exporter_on_monitor(exporter);
        int64_t now = td_mono_ms();
        /* between batches: one consistent snapshot, at most ten a second */
        exporter_publish(exporter, ingest_get_stats(ingest), zap_get_stats(zap), auth, now, 0);
        if (now >= next_stats) {
            const ingest_stats *st = ingest_get_stats(ingest);
            const zap_stats *zs = zap_get_stats(zap);
            /* a line only when something happened, bad input and connections included */
            uint64_t activity =
                st->batches + st->malformed + zs->accepted + zs->refused + st->acks_dropped;
            if (activity != logged_activity) {
                s_log_stats(st, zs);
                snprintf(status_line, sizeof status_line,
                         "serving; %" PRIu64 " reports stored, %" PRIu64 " rejected, %" PRIu64
                         " connections refused",
                         st->committed, st->rejected, zs->refused);
                td_notify_status(status_line);
            }
            logged_activity = activity;
            next_stats = now + cfg->stats_interval_s * 1000;
        }
        if (watchdog_ms > 0 && now >= next_watchdog) {
            td_notify_watchdog(); /* the loop is alive: it polls at least once a second */
            next_watchdog = now + watchdog_ms;
        }
        if (now >= next_reader_check) {
            int cleared = store_clear_stale_readers(store);
            if (cleared > 0)
                td_warn("cleared %d stale LMDB reader slot(s)", cleared);
            next_reader_check = now + 60000;
        }
        s_serve_retention(cfg, store, &prune, &next_prune, now);
    }
    td_notify_stopping();
    s_log_stats(ingest_get_stats(ingest), zap_get_stats(zap));
    td_info("stopping: every stored report has been acknowledged");
    status = 0;
cleanup:
    exporter_close(&exporter); /* its monitor socket goes before the context ends */
    if (router != NULL)
        zmq_close(router);
    if (qsock != NULL)
        zmq_close(qsock);
    zap_close(&zap);
    if (ctx != NULL)
        zmq_ctx_term(ctx);
    auth_close(&auth);
    query_close(&query);
    store_prune_close(&prune);
    ingest_close(&ingest);
    store_close(&store);
    td_calendar_close(&calendar);
    td_registry_close(&registry);
    return status;
}

int main(int argc, char **argv)
{
    s_config cfg;
    td_config_args args = {0, 0, 0, NULL};
    char err[512] = "";
    memset(&cfg, 0, sizeof cfg);
    td_log_init("tiendo-collector", TD_LOG_INFO);

    const char *command = "run";
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        command = argv[1];
        first = 2;
    }
    if (td_config_parse(s_options, &cfg, argc - first, argv + first, &args, err, sizeof err) !=
        TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", err);
        td_config_free(s_options, &cfg);
        return 2;
    }
    int status = 0;
    td_log_level level;
    if (args.help) {
        s_usage(stdout);
    } else if (td_log_level_parse(cfg.log_level, &level) != 0) {
        fprintf(stderr, "tiendo-collector: --log-level: must be debug, info, warn or error\n");
        status = 2;
    } else if (strcmp(command, "keygen") == 0) {
        if (args.npositional != 1) {
            fprintf(stderr, "tiendo-collector: keygen needs one PREFIX, e.g. "
                            "`tiendo-collector keygen /etc/tiendo/collector`\n");
            status = 2;
        } else if (td_keys_generate(args.positional[0], err, sizeof err) != TD_OK) {
            fprintf(stderr, "tiendo-collector: %s\n", err);
            status = 1;
        } else {
            printf("wrote %s.key (secret, keep it here) and %s.pub (give it to agents and "
                   "CLI users)\n",
                   args.positional[0], args.positional[0]);
        }
    } else if (strcmp(command, "enrol") == 0 || strcmp(command, "revoke") == 0) {
        if (args.npositional != 1) {
            fprintf(stderr,
                    "tiendo-collector: %s needs one PUBLIC-KEY (a .pub file or its 40 "
                    "characters)\n",
                    command);
            status = 2;
        } else {
            status = s_edit_keys(&cfg, command, args.positional[0]);
        }
    } else if (strcmp(command, "backup") == 0 || strcmp(command, "restore") == 0) {
        if (args.npositional != 1) {
            fprintf(stderr, "tiendo-collector: %s needs one folder: %s\n", command,
                    command[0] == 'b' ? "where to write the copy (backup DEST)"
                                      : "the backup to restore (restore BACKUP-DIR "
                                        "--state-dir DIR)");
            status = 2;
        } else {
            status = command[0] == 'b' ? s_backup(&cfg, args.positional[0])
                                       : s_restore(&cfg, args.positional[0]);
        }
    } else if (strcmp(command, "prune") == 0 && args.npositional == 0) {
        status = s_prune(&cfg);
    } else if (strcmp(command, "check") == 0 && args.npositional == 0) {
        status = s_check(&cfg);
    } else if (strcmp(command, "run") != 0 || args.npositional != 0) {
        fprintf(stderr, "tiendo-collector: unknown command '%s' (see --help)\n",
                args.npositional ? args.positional[0] : command);
        status = 2;
    } else if (args.check_config) {
        td_config_dump(stdout, s_options, &cfg);
        status = s_check_keys(&cfg);
    } else {
        td_log_set_level(level);
        td_signals_install(&s_stop, &s_reload);
        status = s_serve(&cfg);
    }
    td_config_free(s_options, &cfg);
    td_config_args_free(&args);
    return status;
}
