/* metrics.c: Prometheus text format helpers and the libmicrohttpd exporter (metrics.h). */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "log.h"

#define S_CONNECTION_LIMIT 16
#define S_TIMEOUT_S        10
#define S_CONTENT_TYPE     "text/plain; version=0.0.4; charset=utf-8"

/* ======================= text ======================= */

static int s_reserve(td_metrics_text *t, size_t more)
{
    if (t->failed)
        return -1;
    if (t->len + more + 1 <= t->cap)
        return 0;
    size_t cap = t->cap > 0 ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *p = realloc(t->data, cap);
    if (p == NULL) {
        t->failed = 1;
        return -1;
    }
    t->data = p;
    t->cap = cap;
    return 0;
}

static void s_append(td_metrics_text *t, const char *s, size_t n)
{
    if (s_reserve(t, n) != 0)
        return;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void s_puts(td_metrics_text *t, const char *s)
{
    s_append(t, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void s_printf(td_metrics_text *t, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t) n < sizeof buf) {
        s_append(t, buf, (size_t) n);
        return;
    }
    if (s_reserve(t, (size_t) n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(t->data + t->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t) n;
}

/* Label values escape \ " and newline; HELP text escapes \ and newline only. */
static void s_escaped(td_metrics_text *t, const char *s, int quote)
{
    const char *run = s;
    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        if (*s == '\\')
            rep = "\\\\";
        else if (*s == '\n')
            rep = "\\n";
        else if (*s == '"' && quote)
            rep = "\\\"";
        if (rep == NULL)
            continue;
        s_append(t, run, (size_t) (s - run));
        s_puts(t, rep);
        run = s + 1;
    }
    s_append(t, run, (size_t) (s - run));
}

static void s_number(td_metrics_text *t, double v)
{
    if (isnan(v))
        s_puts(t, "NaN");
    else if (isinf(v))
        s_puts(t, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        s_printf(t, "%.0f", v);
    else {
        /* the shortest of 15 or 17 digits that reads back as the same double */
        char buf[32];
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
        s_puts(t, buf);
    }
}

void td_metrics_text_free(td_metrics_text *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

void td_metrics_family(td_metrics_text *t, const char *name, const char *type, const char *help)
{
    s_puts(t, "# HELP ");
    s_puts(t, name);
    s_puts(t, " ");
    s_escaped(t, help, 0);
    s_puts(t, "\n# TYPE ");
    s_puts(t, name);
    s_puts(t, " ");
    s_puts(t, type);
    s_puts(t, "\n");
}

static void s_labels(td_metrics_text *t, const td_metrics_label *labels, size_t nlabels)
{
    if (nlabels == 0)
        return;
    s_puts(t, "{");
    for (size_t i = 0; i < nlabels; i++) {
        if (i > 0)
            s_puts(t, ",");
        s_puts(t, labels[i].name);
        s_puts(t, "=\"");
        s_escaped(t, labels[i].value != NULL ? labels[i].value : "", 1);
        s_puts(t, "\"");
    }
    s_puts(t, "}");
}

void td_metrics_sample(td_metrics_text *t, const char *name, const td_metrics_label *labels,
                       size_t nlabels, double value)
{
    s_puts(t, name);
    s_labels(t, labels, nlabels);
    s_puts(t, " ");
    s_number(t, value);
    s_puts(t, "\n");
}

void td_metrics_counter(td_metrics_text *t, const char *name, const char *help, uint64_t value)
{
    td_metrics_family(t, name, "counter", help);
    s_printf(t, "%s %llu\n", name, (unsigned long long) value);
}

void td_metrics_gauge(td_metrics_text *t, const char *name, const char *help, double value)
{
    td_metrics_family(t, name, "gauge", help);
    td_metrics_sample(t, name, NULL, 0, value);
}

void td_histogram_init(td_histogram *h, const double *bounds, size_t nbounds)
{
    memset(h, 0, sizeof *h);
    if (nbounds > TD_HISTOGRAM_MAX_BOUNDS)
        nbounds = TD_HISTOGRAM_MAX_BOUNDS;
    memcpy(h->bounds, bounds, nbounds * sizeof *bounds);
    h->nbounds = nbounds;
}

void td_histogram_observe(td_histogram *h, double value)
{
    size_t i = 0;
    while (i < h->nbounds && value > h->bounds[i])
        i++;
    h->counts[i]++;
    h->sum += value;
    h->count++;
}

void td_metrics_histogram(td_metrics_text *t, const char *name, const char *help,
                          const td_histogram *h)
{
    td_metrics_family(t, name, "histogram", help);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h->nbounds; i++) {
        cumulative += h->counts[i];
        s_printf(t, "%s_bucket{le=\"%.15g\"} %llu\n", name, h->bounds[i],
                 (unsigned long long) cumulative);
    }
    s_printf(t, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long) h->count);
    s_puts(t, name);
    s_puts(t, "_sum ");
    s_number(t, h->sum);
    s_printf(t, "\n%s_count %llu\n", name, (unsigned long long) h->count);
}

/* ======================= the exporter ======================= */

struct td_metrics {
    struct MHD_Daemon *daemon;
    td_metrics_render_fn render;
    void *ctx;
    uint16_t port;
    char url[128];
    pthread_mutex_t lock; /* guards snapshot, snapshot_len, snapshot_cap, scrapes */
    void *snapshot;
    size_t snapshot_len;
    size_t snapshot_cap;
    uint64_t scrapes;
};

static enum MHD_Result s_queue_text(struct MHD_Connection *conn, unsigned status, char *body,
                                    size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
    if (resp == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, S_CONTENT_TYPE);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Copy the snapshot under the lock; render outside it so publishing never waits long. */
static enum MHD_Result s_scrape(td_metrics_t *m, struct MHD_Connection *conn)
{
    void *copy = NULL;
    size_t len = 0;
    pthread_mutex_lock(&m->lock);
    if (m->snapshot_len > 0 && (copy = malloc(m->snapshot_len)) != NULL) {
        memcpy(copy, m->snapshot, m->snapshot_len);
        len = m->snapshot_len;
    }
    int lost = m->snapshot_len > 0 && copy == NULL;
    m->scrapes++;
    pthread_mutex_unlock(&m->lock);
    if (lost)
        return s_queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, (char *) "out of memory\n", 14,
                            MHD_RESPMEM_PERSISTENT);
    td_metrics_text text = {0};
    m->render(m->ctx, copy, len, &text);
    free(copy);
    if (text.failed || text.data == NULL) {
        int failed = text.failed;
        td_metrics_text_free(&text);
        if (failed)
            return s_queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, (char *) "out of memory\n", 14,
                                MHD_RESPMEM_PERSISTENT);
        return s_queue_text(conn, MHD_HTTP_OK, (char *) "", 0, MHD_RESPMEM_PERSISTENT);
    }
    /* the response takes the buffer and frees it */
    return s_queue_text(conn, MHD_HTTP_OK, text.data, text.len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
    (void) version;
    (void) upload_data;
    (void) con_cls;
    td_metrics_t *m = cls;
    /* A request body is never wanted: skip it. */
    if (upload_data_size != NULL)
        *upload_data_size = 0;
    if (strcmp(url, "/metrics") != 0)
        return s_queue_text(conn, MHD_HTTP_NOT_FOUND, (char *) "not found: try /metrics\n", 24,
                            MHD_RESPMEM_PERSISTENT);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_queue_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, (char *) "GET only\n", 9,
                            MHD_RESPMEM_PERSISTENT);
    return s_scrape(m, conn);
}

/* libmicrohttpd's log callback: fmt is its own printf format. */
static void s_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void) cls;
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    td_warn("metrics HTTP server: %s", line);
}

/* "HOST:PORT" -> host (brackets removed) and port text. */
static int s_split_bind(const char *bind, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;
    const char *h = bind;
    size_t hlen;
    if (bind[0] == '[') {
        const char *close = strchr(bind, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        h = bind + 1;
        hlen = (size_t) (close - h);
        colon = close + 1;
    } else {
        colon = strrchr(bind, ':');
        if (colon == NULL || memchr(bind, ':', (size_t) (colon - bind)) != NULL)
            return -1; /* none, or an IPv6 literal without brackets */
        hlen = (size_t) (colon - bind);
    }
    const char *p = colon + 1;
    size_t plen = strlen(p);
    if (hlen == 0 || hlen >= hostlen || plen == 0 || plen >= portlen ||
        strspn(p, "0123456789") != plen || plen > 5 || atol(p) > 65535)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return 0;
}

static td_err s_resolve(const char *bind, struct sockaddr_storage *addr, socklen_t *addrlen,
                        char *err, size_t errlen)
{
    char host[256], port[8];
    if (s_split_bind(bind, host, sizeof host, port, sizeof port) != 0) {
        snprintf(err, errlen,
                 "metrics address '%s' is not HOST:PORT (e.g. 127.0.0.1:9420, [::1]:9420, "
                 "localhost:9420, *:9420; port 0 picks a free one)",
                 bind);
        return TD_ERR_CONFIG;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int any = strcmp(host, "*") == 0;
    if (any)
        hints.ai_family = AF_INET;
    int rc = getaddrinfo(any ? NULL : host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errlen, "metrics address '%s': cannot resolve %s: %s", bind, host,
                 gai_strerror(rc));
        if (res != NULL)
            freeaddrinfo(res);
        return TD_ERR_CONFIG;
    }
    /* A name such as localhost may give ::1 first: take its IPv4 address when it has one,
     * so that the URL is the same on every host. */
    const struct addrinfo *pick = res;
    for (const struct addrinfo *a = res; a != NULL; a = a->ai_next)
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    memcpy(addr, pick->ai_addr, pick->ai_addrlen);
    *addrlen = pick->ai_addrlen;
    freeaddrinfo(res);
    return TD_OK;
}

td_err td_metrics_open(td_metrics_t **out, const char *bind, td_metrics_render_fn render, void *ctx,
                       char *err, size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage addr;
    socklen_t addrlen = 0;
    td_err rc = s_resolve(bind, &addr, &addrlen, err, errlen);
    if (rc != TD_OK)
        return rc;
    td_metrics_t *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return TD_ERR_NOMEM;
    }
    m->render = render;
    m->ctx = ctx;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        snprintf(err, errlen, "out of memory");
        return TD_ERR_NOMEM;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The exporter's thread inherits this mask: signals stay with the daemon's loop, whose
     * poll they must interrupt. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    errno = 0;
    m->daemon = MHD_start_daemon(flags, 0, NULL, NULL, s_handle, m, MHD_OPTION_EXTERNAL_LOGGER,
                                 s_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned) S_CONNECTION_LIMIT,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) S_TIMEOUT_S,
                                 MHD_OPTION_END); /* the logger first, as libmicrohttpd asks */
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (m->daemon == NULL) {
        snprintf(err, errlen, "cannot serve metrics on %s: %s", bind,
                 saved != 0 ? strerror(saved) : "the HTTP server did not start");
        pthread_mutex_destroy(&m->lock);
        free(m);
        return TD_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info != NULL ? info->port : 0;
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (addr.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &addr)->sin6_addr, host, sizeof host);
        snprintf(m->url, sizeof m->url, "http://[%s]:%u/metrics", host, (unsigned) m->port);
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *) &addr;
        /* every address: the URL names the loopback one, which is among them */
        if (in->sin_addr.s_addr != htonl(INADDR_ANY))
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(m->url, sizeof m->url, "http://%s:%u/metrics", host, (unsigned) m->port);
    }
    *out = m;
    return TD_OK;
}

void td_metrics_close(td_metrics_t **m)
{
    if (m == NULL || *m == NULL)
        return;
    MHD_stop_daemon((*m)->daemon);
    pthread_mutex_destroy(&(*m)->lock);
    free((*m)->snapshot);
    free(*m);
    *m = NULL;
}

uint16_t td_metrics_port(const td_metrics_t *m)
{
    return m->port;
}

const char *td_metrics_url(const td_metrics_t *m)
{
    return m->url;
}

td_err td_metrics_publish(td_metrics_t *m, const void *snapshot, size_t len)
{
    /* Grow outside the lock; only the publishing thread ever changes the buffer's size. */
    if (len > m->snapshot_cap) {
        void *bigger = malloc(len);
        if (bigger == NULL)
            return TD_ERR_NOMEM;
        pthread_mutex_lock(&m->lock);
        void *old = m->snapshot;
        m->snapshot = bigger;
        m->snapshot_cap = len;
        memcpy(m->snapshot, snapshot, len);
        m->snapshot_len = len;
        pthread_mutex_unlock(&m->lock);
        free(old);
        return TD_OK;
    }
    pthread_mutex_lock(&m->lock);
    if (len > 0)
        memcpy(m->snapshot, snapshot, len);
    m->snapshot_len = len;
    pthread_mutex_unlock(&m->lock);
    return TD_OK;
}

uint64_t td_metrics_scrapes(td_metrics_t *m)
{
    pthread_mutex_lock(&m->lock);
    uint64_t n = m->scrapes;
    pthread_mutex_unlock(&m->lock);
    return n;
}
