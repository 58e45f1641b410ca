/* serve.c: `tiendo-collector run`: the sockets and the single-threaded serve loop. */
#include "serve.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "atomic_file.h"
#include "auth.h"
#include "clock.h"
#include "codec.h"
#include "exporter.h"
#include "i18n.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"
#include "notify.h"
#include "query.h"
#include "registry.h"
#include "retention.h"
#include "settings.h"
#include "signals.h"
#include "store.h"
#include "zap.h"

static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_reload = 0;

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

static void *s_server_socket(void *ctx, const collector_settings *cfg, const char *secret,
                             const char *domain, const char *endpoint)
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
static void s_reload_auth(const collector_settings *cfg, const td_registry_t *registry,
                          auth_t **auth, zap_t *zap, ingest_t *ingest, query_t *query)
{
    char err[512] = "";
    auth_t *fresh = NULL;
    if (auth_load(&fresh, cfg->authorized_keys, registry, err, sizeof err) != TD_OK) {
        td_error("reload refused, the keys in force stay: %s", err);
        return;
    }
    zap_set_auth(zap, fresh);
    ingest_set_auth(ingest, fresh);
    query_set_auth(query, fresh);
    auth_close(auth);
    *auth = fresh;
    s_log_auth(fresh, "reloaded");
}

/* --check-config also reads the files a start would read: the registry and the keys. */
static int s_check_keys(const collector_settings *cfg)
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

static int s_serve(const collector_settings *cfg)
{
    char err[512] = "";
    char secret[TD_Z85_KEY_LEN + 1], public_key[TD_Z85_KEY_LEN + 1];
    int status = 1;
    td_registry_t *registry = NULL;
    td_calendar_t *calendar = NULL;
    store_t *store = NULL;
    ingest_t *ingest = NULL;
    retention_daily retention;
    retention_daily_init(&retention, cfg->retention_superseded_days,
                         cfg->retention_rejections_days);
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
        query_open(&query, store, registry, calendar, cfg->silent_after_s * 1000) != TD_OK) {
        td_error("out of memory");
        goto cleanup;
    }
    ingest_set_auth(ingest, auth);
    query_set_auth(query, auth);
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
        if (exporter_open(&exporter, cfg->metrics_bind, ctx, router, store,
                          cfg->silent_after_s * 1000, err, sizeof err) != TD_OK) {
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
            s_reload_auth(cfg, registry, &auth, zap, ingest, query);
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
        retention_daily_round(&retention, store, now);
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
    retention_daily_close(&retention);
    ingest_close(&ingest);
    store_close(&store);
    td_calendar_close(&calendar);
    td_registry_close(&registry);
    return status;
}

int serve_run(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    if (noperands != 0) {
        /* TRANSLATORS: %1$s the program, %2$s the word given, %3$s the program again */
        fprintf(stderr, _("%1$s: unknown command '%2$s' (see %3$s --help)\n"), COLLECTOR_PROGRAM,
                operands[0], COLLECTOR_PROGRAM);
        return COLLECTOR_EXIT_USAGE;
    }
    /* From here the daemon speaks English whatever the locale or `lang` says: operators
     * read its log, and the reasons it sends are English text beside their parts, which
     * the reader translates (docs/protocol.md, "Reasons"). */
    td_i18n_init(TD_LANG_EN);
    if (cfg->check_config) {
        td_config_dump(stdout, settings_table, cfg);
        return s_check_keys(cfg);
    }
    td_signals_install(&s_stop, &s_reload);
    return s_serve(cfg);
}
