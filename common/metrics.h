/* metrics.h: a small Prometheus exporter (text format 0.0.4 over HTTP, libmicrohttpd). */
#ifndef TIENDO_METRICS_H
#define TIENDO_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- the text format ----
 *
 * A growing text buffer and helpers that write metric families in the Prometheus text
 * exposition format 0.0.4: "# HELP name text", "# TYPE name type", then samples
 * "name{label=\"value\"} number". Label values are escaped (backslash, double quote,
 * newline), HELP text too (backslash, newline). Names are written as given: use
 * [a-zA-Z_:][a-zA-Z0-9_:]*. Out of memory is sticky: the buffer's failed flag is set and
 * later writes do nothing. Not thread-safe (one buffer per rendering). */

typedef struct {
    char *data; /* NUL-terminated; owned (free with td_metrics_text_free) */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed: the text is incomplete */
} td_metrics_text;

typedef struct {
    const char *name;
    const char *value; /* escaped when written */
} td_metrics_label;

void td_metrics_text_free(td_metrics_text *t); /* frees data, zeroes the struct */

/* "# HELP name help\n# TYPE name type\n"; type is "counter", "gauge" or "histogram". */
void td_metrics_family(td_metrics_text *t, const char *name, const char *type, const char *help);

/* One sample line: name{labels...} value. nlabels may be 0 (labels NULL). Integral
 * values are written without a fraction; NaN and infinities as NaN, +Inf, -Inf. */
void td_metrics_sample(td_metrics_text *t, const char *name, const td_metrics_label *labels,
                       size_t nlabels, double value);

/* A family with one unlabelled sample. Counter values are exact up to 2^64-1. */
void td_metrics_counter(td_metrics_text *t, const char *name, const char *help, uint64_t value);
void td_metrics_gauge(td_metrics_text *t, const char *name, const char *help, double value);

/* ---- histograms ----
 *
 * Fixed upper bounds chosen at init (ascending, at most TD_HISTOGRAM_MAX_BOUNDS; +Inf
 * is implicit). A plain struct so that it can be copied into a snapshot with memcpy. */

#define TD_HISTOGRAM_MAX_BOUNDS 24

typedef struct {
    size_t nbounds;
    double bounds[TD_HISTOGRAM_MAX_BOUNDS];
    uint64_t counts[TD_HISTOGRAM_MAX_BOUNDS + 1]; /* per bucket, not cumulative; the last
                                                     one counts values above every bound */
    double sum;
    uint64_t count;
} td_histogram;

/* bounds must ascend; more than TD_HISTOGRAM_MAX_BOUNDS are cut to that many. */
void td_histogram_init(td_histogram *h, const double *bounds, size_t nbounds);
/* Count value in the first bucket whose bound is >= value (Prometheus "le"). */
void td_histogram_observe(td_histogram *h, double value);

/* The family: name_bucket{le="..."} cumulative counts ending with le="+Inf" (= count),
 * then name_sum and name_count. */
void td_metrics_histogram(td_metrics_text *t, const char *name, const char *help,
                          const td_histogram *h);

/* ---- the exporter ----
 *
 * An HTTP server on its own thread (MHD_USE_INTERNAL_POLLING_THREAD) answering
 * GET /metrics with text/plain; version=0.0.4 and 404 to every other path, with at most
 * 16 connections and a 10 s idle timeout.
 *
 * The daemon that owns it is single-threaded, so it never renders on the exporter's
 * thread from live state: it publishes a snapshot (a plain struct, copied) from its loop
 * with td_metrics_publish; for each scrape the exporter copies the latest snapshot under
 * its mutex and calls render on the copy, so every scrape shows one consistent moment. */

typedef struct td_metrics td_metrics_t;

/* Called on the exporter's thread, one scrape at a time. snapshot/len: a private copy of
 * what was last published (NULL and 0 before the first publish). Write the page into out
 * with the helpers above. */
typedef void (*td_metrics_render_fn)(void *ctx, const void *snapshot, size_t len,
                                     td_metrics_text *out);

/* Start serving on bind, "HOST:PORT": an IPv4 literal, [IPv6 literal], or a name such as
 * localhost (the first address it resolves to); "*" listens on every IPv4 address. Port 0
 * picks a free port (see td_metrics_port). ctx is borrowed and passed to render. Signals
 * are blocked on the exporter's thread. Errors: TD_ERR_CONFIG (bad bind text, cannot
 * resolve), TD_ERR_IO (cannot listen, e.g. the port is taken), TD_ERR_NOMEM; err says
 * why. */
td_err td_metrics_open(td_metrics_t **out, const char *bind, td_metrics_render_fn render, void *ctx,
                       char *err, size_t errlen);

/* Stop the server (waits for a scrape in progress) and NULL *m; accepts NULL. */
void td_metrics_close(td_metrics_t **m);

/* The port listened on, and the scrape URL "http://HOST:PORT/metrics" (IPv6 hosts in
 * brackets; borrowed, valid until close). */
uint16_t td_metrics_port(const td_metrics_t *m);
const char *td_metrics_url(const td_metrics_t *m);

/* Replace the published snapshot with a copy of len bytes at snapshot. Takes the mutex
 * for one memcpy (the buffer grows when len does). Thread-safe against scrapes; call
 * from one thread. TD_ERR_NOMEM keeps the previous snapshot. */
td_err td_metrics_publish(td_metrics_t *m, const void *snapshot, size_t len);

/* Scrapes answered so far (for logs and tests). */
uint64_t td_metrics_scrapes(td_metrics_t *m);

#endif
