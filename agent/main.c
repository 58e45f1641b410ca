/* main.c: tiendo-agent command line: keygen, template, submit, run, status, dead-letters. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "codec.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "outbox.h"
#include "period.h"
#include "calendar.h"
#include "registry.h"
#include "report.h"
#include "sender.h"
#include "sender_metrics.h"
#include "signals.h"

#define S_EXIT_OK    0
#define S_EXIT_ERROR 1
#define S_EXIT_USAGE 2
#define S_LIST_MAX   50 /* rows of the text lists; --json lists everything */
#define S_PROGRAM    "tiendo-agent"

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
} s_config;

#define OPT(name, type, field, def, min, max, help)                                                \
    {                                                                                              \
        name, type, offsetof(s_config, field), def, min, max, help                                 \
    }

static const td_config_option s_options[] = {
    OPT("state-dir", TD_OPT_STRING, state_dir, "/var/lib/tiendo/agent", 1, 1024,
        "Folder of the outbox, where reports wait to be sent (created 0700)"),
    OPT("collector", TD_OPT_STRING, collector, "tcp://127.0.0.1:7420", 1, 256,
        "Address of the central collector (run)"),
    OPT("collector-public-key", TD_OPT_STRING, collector_public_key, "/etc/tiendo/collector.pub", 1,
        1024, "File with the collector's public key, from its operator (run)"),
    OPT("secret-key", TD_OPT_STRING, secret_key, "/etc/tiendo/agent.key", 1, 1024,
        "This office's secret key file, made by keygen, mode 0600 (run)"),
    OPT("data-dir", TD_OPT_STRING, data_dir, TIENDO_DEFAULT_DATA_DIR, 1, 1024,
        "Folder of the unit registry and indicator catalogue (template, submit)"),
    OPT("unit", TD_OPT_STRING, unit, NULL, 1, TD_CODE_MAX - 1,
        "This office's unit code, e.g. 01 for Ha Noi (template; submit checks reports "
        "are for it or a unit below it)"),
    OPT("dataset", TD_OPT_STRING, dataset, TD_DEFAULT_DATASET, 1, TD_DATASET_NAME_MAX,
        "Dataset of new templates"),
    OPT("period", TD_OPT_STRING, period, NULL, 1, TD_PERIOD_TEXT_MAX - 1,
        "Reporting period: 2026-Q4, 2026-M07, 2026-H2, 2026-9M or 2026 (template)"),
    OPT("log-level", TD_OPT_STRING, log_level, "info", 1, 16,
        "How much run logs: debug, info, warn or error"),
    OPT("window", TD_OPT_INT, window, "256", 1, 10000,
        "Reports sent ahead without an answer yet (run)"),
    OPT("resend-timeout-ms", TD_OPT_INT, resend_timeout_ms, "5000", 100, 3600000,
        "Resend a report not answered within this many ms; doubles each time (run)"),
    OPT("backoff-max-ms", TD_OPT_INT, backoff_max_ms, "60000", 100, 86400000,
        "Longest wait between resends (run)"),
    OPT("heartbeat-ms", TD_OPT_INT, heartbeat_ms, "5000", 100, 3600000,
        "Interval of the health messages sent to the collector (run)"),
    OPT("zmq-heartbeat-ms", TD_OPT_INT, zmq_heartbeat_ms, "1000", 0, 600000,
        "Connection check interval; a link silent 3x this long is dropped and redialled; "
        "0 turns it off (run)"),
    OPT("reconnect-max-ms", TD_OPT_INT, reconnect_max_ms, "30000", 100, 3600000,
        "Longest wait between reconnection attempts (run)"),
    OPT("map-size-mb", TD_OPT_INT, map_size_mb, "64", 1, 8192,
        "Initial size of the outbox file in MiB (it grows when full)"),
    OPT("metrics-bind", TD_OPT_STRING, metrics_bind, "", 0, 256,
        "Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9421; port 0 "
        "picks one (logged); empty: off (run)"),
    OPT("exit-when-empty", TD_OPT_BOOL, exit_when_empty, "false", 0, 0,
        "run: stop once every queued report has been answered"),
    OPT("json", TD_OPT_BOOL, json, "false", 0, 0,
        "status, dead-letters: print JSON (fields in docs/agent.md)"),
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

/* What follows the command besides options: files, numbers, a key prefix. */
typedef struct {
    char **v; /* borrowed from argv */
    int n;
} s_operands;

static volatile sig_atomic_t s_stop = 0;

/* ---- help ---- */

typedef struct {
    const char *name;
    const char *usage;
    const char *summary;
    const char *details;
} s_command_help;

static const s_command_help s_commands[] = {
    {"keygen", "keygen PREFIX", "make this office's key pair",
     "Makes a key pair for this office: PREFIX.key (secret, mode 0600: keep it on this\n"
     "machine, point --secret-key at it) and PREFIX.pub (public). Send the public key\n"
     "that is printed to the collector's operator: it enrols this office for its unit.\n"
     "Refuses to overwrite existing files.\n"
     "Example: tiendo-agent keygen /etc/tiendo/agent\n"},
    {"template", "template --period P [--unit U] [--dataset D]", "print a blank report to fill in",
     "Prints a report skeleton (JSON) for the period: the six task groups of Resolution\n"
     "06-NQ/TW, every data element of the indicator catalogue (value null) and an empty\n"
     "action plan. Fill it in and give it to `submit`. Without --period the current\n"
     "quarter is used. The format is described in docs/report-format.md.\n"
     "Example: tiendo-agent template --period 2026-Q4 --unit 01 > report.json\n"},
    {"submit", "submit FILE [FILE...]", "check reports and queue them",
     "Reads reports (JSON, at most 262144 bytes each; - reads standard input, once),\n"
     "checks them with the same rules as the collector (units, period, task groups, data\n"
     "elements), and stores them in the outbox with the next numbers, in the order given.\n"
     "When it prints \"queued\", the reports are safely on disk and `run` will deliver\n"
     "them, even if the line to the centre is down or the machine restarts.\n"
     "Every file is checked before anything is queued. A report with a mistake is refused\n"
     "with the place of the mistake, e.g.\n"
     "  tiendo-agent: report.json: task_groups[2].progress: must be a number 0..100\n"
     "and then NOTHING is queued (at most 20 such lines, then \"... and N more\"): fix the\n"
     "files and submit again. Otherwise all are queued in one step: one \"queued\" line per\n"
     "file, or one line for all when more than 10. At most 100000 files at once.\n"
     "Submitting a newer version of the same unit and period later is fine: the centre\n"
     "keeps the latest.\n"
     "Example: tiendo-agent submit report.json\n"
     "         tiendo-agent submit reports/*.json\n"},
    {"run", "run [--exit-when-empty]", "send queued reports to the collector (service)",
     "Sends the queued reports to the collector in order, waits for each answer, resends\n"
     "when no answer comes, and keeps trying for as long as the collector is unreachable:\n"
     "reports stay queued on disk meanwhile. A delivered report leaves the outbox; a\n"
     "report the collector rejects becomes a dead letter (see `dead-letters`). Normally\n"
     "started by systemd. Stops cleanly on Ctrl-C or SIGTERM. Needs --collector,\n"
     "--collector-public-key and --secret-key. Only one `run` per outbox at a time.\n"
     "--exit-when-empty: stop once nothing is left to send.\n"},
    {"status", "status [--json]", "show what is waiting to be sent",
     "Shows the outbox: how many reports wait to be sent and how old the oldest is, the\n"
     "next report number, whether the sender (`run`) is running, how many reports were\n"
     "rejected, and the list of waiting reports (number, unit, period, when queued).\n"},
    {"dead-letters", "dead-letters [list | resubmit N | discard N] [--json]",
     "reports the collector rejected",
     "list (the default): the rejected reports with the collector's reason.\n"
     "resubmit N: queue dead letter #N again, unchanged, under a new number (useful when\n"
     "  the problem was on the collector's side, e.g. this office was not enrolled yet).\n"
     "  If the report itself was wrong, fix the file and `submit` it instead.\n"
     "discard N: delete dead letter #N.\n"},
    {NULL, NULL, NULL, NULL},
};

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: tiendo-agent COMMAND [OPTIONS]\n"
                 "\n"
                 "Sends this office's progress reports on Resolution 06-NQ/TW to the central\n"
                 "collector. Reports are checked and stored here first, so nothing is lost\n"
                 "when the line to the centre is down: they are sent when it comes back.\n"
                 "\n"
                 "Commands:\n");
    for (const s_command_help *c = s_commands; c->name != NULL; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
    fprintf(out, "\n"
                 "`tiendo-agent COMMAND --help` explains a command.\n"
                 "\n"
                 "Options (anywhere after the command; also `name = value` lines in\n"
                 "--config FILE, or TIENDO_NAME environment variables; flags win):\n");
    td_config_print_help(out, s_options);
    fprintf(out, "\n"
                 "Exit status: 0 done, 1 failed (the message says why), 2 wrong command or\n"
                 "options. Guide: docs/agent.md.\n");
}

static void s_command_usage(FILE *out, const s_command_help *c)
{
    fprintf(out, "Usage: tiendo-agent %s [OPTIONS]\n\n%s\nOptions:\n", c->usage, c->details);
    td_config_print_help(out, s_options);
    fprintf(out, "\nExit status: 0 done, 1 failed, 2 wrong command or options.\n");
}

/* ---- small helpers ---- */

static void s_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "tiendo-agent: WHAT: message" on stderr. */
static void s_fail(const char *what, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (what != NULL)
        fprintf(stderr, "%s: %s: %s\n", S_PROGRAM, what, msg);
    else
        fprintf(stderr, "%s: %s\n", S_PROGRAM, msg);
}

/* Checks the table cannot express. */
static int s_check_config(const s_config *cfg, char *err, size_t errlen)
{
    td_log_level level;
    td_period p;
    if (td_log_level_parse(cfg->log_level, &level) != 0) {
        snprintf(err, errlen, "--log-level: must be debug, info, warn or error, not '%s'",
                 cfg->log_level);
        return -1;
    }
    if (cfg->backoff_max_ms < cfg->resend_timeout_ms) {
        snprintf(err, errlen, "--backoff-max-ms (%lld) must be at least --resend-timeout-ms (%lld)",
                 cfg->backoff_max_ms, cfg->resend_timeout_ms);
        return -1;
    }
    if (cfg->period != NULL && td_period_parse(cfg->period, &p) != TD_OK) {
        snprintf(err, errlen,
                 "--period: '%s' is not a period; write 2026-Q4, 2026-M07, 2026-H2, 2026-9M "
                 "or 2026",
                 cfg->period);
        return -1;
    }
    if (!td_dataset_name_valid(cfg->dataset)) {
        snprintf(err, errlen, "--dataset: '%s' must be 1..%d of a-z, 0-9 and _", cfg->dataset,
                 TD_DATASET_NAME_MAX);
        return -1;
    }
    return 0;
}

static size_t s_map_bytes(const s_config *cfg)
{
    return (size_t) cfg->map_size_mb << 20;
}

/* Local time for people ("2026-11-29 16:40"), ISO-8601 UTC for JSON. */
static void s_local_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (ms <= 0 || localtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "-");
}

static json_t *s_json_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    char buf[32];
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

/* "45 s", "12 min", "3 h 5 min", "2 days 4 h". */
static void s_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    int64_t s = ms / 1000;
    if (s < 60)
        snprintf(buf, len, "%" PRId64 " s", s);
    else if (s < 3600)
        snprintf(buf, len, "%" PRId64 " min", s / 60);
    else if (s < 86400)
        snprintf(buf, len, "%" PRId64 " h %" PRId64 " min", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%" PRId64 " day%s %" PRId64 " h", s / 86400, s / 86400 == 1 ? "" : "s",
                 (s % 86400) / 3600);
}

static int s_print_json(json_t *root)
{
    if (root == NULL) {
        s_fail(NULL, "out of memory");
        return S_EXIT_ERROR;
    }
    int rc = json_dumpf(root, stdout, JSON_INDENT(2));
    json_decref(root);
    fputc('\n', stdout);
    if (rc != 0 || fflush(stdout) != 0) {
        s_fail(NULL, "cannot write the output");
        return S_EXIT_ERROR;
    }
    return S_EXIT_OK;
}

/* json_object_set_new that ignores NULL values (out of memory is caught at the end). */
static void s_set(json_t *obj, const char *key, json_t *value)
{
    if (obj != NULL && value != NULL)
        json_object_set_new(obj, key, value);
}

static int s_outbox_exists(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return access(path, F_OK) == 0;
}

static td_err s_open_outbox(const s_config *cfg, outbox_t **ob)
{
    char err[512];
    td_err e = outbox_open(ob, cfg->state_dir, s_map_bytes(cfg), err, sizeof err);
    if (e != TD_OK)
        s_fail(cfg->state_dir, "%s", err[0] != '\0' ? err : td_strerror(e));
    return e;
}

/* Is a `run` holding the outbox lock? */
static int s_sender_running(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run.lock", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return running;
}

static int s_parse_seq(const char *text, uint64_t *seq)
{
    if (text == NULL || *text == '#')
        text = text != NULL ? text + 1 : NULL;
    if (text == NULL || *text < '0' || *text > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0)
        return -1;
    *seq = v;
    return 0;
}

/* ---- keygen ---- */

static int s_cmd_keygen(const s_config *cfg, const s_operands *ops)
{
    (void) cfg;
    if (ops->n != 1) {
        s_fail(NULL, "keygen needs one PREFIX, e.g. `tiendo-agent keygen /etc/tiendo/agent`");
        return S_EXIT_USAGE;
    }
    const char *prefix = ops->v[0];
    char err[512];
    if (td_keys_generate(prefix, err, sizeof err) != TD_OK) {
        s_fail(NULL, "%s", err);
        return S_EXIT_ERROR;
    }
    char pub_path[1100], public_key[TD_Z85_KEY_LEN + 1];
    snprintf(pub_path, sizeof pub_path, "%s.pub", prefix);
    if (td_keys_load_public(pub_path, public_key, err, sizeof err) != TD_OK) {
        s_fail(NULL, "%s", err);
        return S_EXIT_ERROR;
    }
    printf("secret key: %s.key (keep it on this machine; use it with --secret-key)\n", prefix);
    printf("public key file: %s\n", pub_path);
    printf("public key: %s\n", public_key);
    printf("Send the public key to the collector's operator to enrol this office.\n");
    return S_EXIT_OK;
}

/* ---- template ---- */

static int s_open_registry(const s_config *cfg, td_registry_t **reg)
{
    char err[512];
    if (td_registry_open(reg, cfg->data_dir, err, sizeof err) != TD_OK) {
        s_fail(NULL, "cannot load the unit registry from %s: %s", cfg->data_dir, err);
        return -1;
    }
    return 0;
}

static int s_cmd_template(const s_config *cfg, const s_operands *ops)
{
    if (ops->n != 0) {
        s_fail(NULL, "template takes no argument '%s' (did you mean --period %s?)", ops->v[0],
               ops->v[0]);
        return S_EXIT_USAGE;
    }
    td_registry_t *reg = NULL;
    if (s_open_registry(cfg, &reg) != 0)
        return S_EXIT_ERROR;
    int rc = S_EXIT_ERROR;
    if (cfg->unit != NULL && td_registry_find(reg, cfg->unit, NULL) == NULL) {
        s_fail(NULL, "--unit %s: no such unit in %s/units.csv", cfg->unit, cfg->data_dir);
        goto cleanup;
    }
    char *text = td_report_template(reg, cfg->unit, cfg->dataset, cfg->period);
    if (text == NULL) {
        s_fail(NULL, "out of memory");
        goto cleanup;
    }
    fputs(text, stdout);
    if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
        fputc('\n', stdout);
    free(text);
    rc = fflush(stdout) == 0 ? S_EXIT_OK : S_EXIT_ERROR;
cleanup:
    td_registry_close(&reg);
    return rc;
}

/* ---- submit ---- */

#define S_SUBMIT_MAX          OUTBOX_MAX_BATCH /* files per submit */
#define S_SUBMIT_ERRORS_SHOWN 20               /* failing files named; the rest are counted */
#define S_SUBMIT_LINES_MAX    10               /* up to this many files: one "queued" line each */

/* Read at most TD_MAX_REPORT_JSON bytes into buf (TD_MAX_REPORT_JSON + 1 bytes); a bigger
 * input is refused without reading on. On error returns -1 with a message in err. */
static int s_read_report(const char *path, char *buf, size_t *len, char *err, size_t errlen)
{
    *len = 0;
    int from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, TD_MAX_REPORT_JSON + 1, f);
    int failed = ferror(f);
    int saved = errno;
    if (!from_stdin)
        fclose(f);
    if (failed) {
        snprintf(err, errlen, "cannot read: %s", strerror(saved));
        return -1;
    }
    if (n > TD_MAX_REPORT_JSON) {
        snprintf(err, errlen,
                 "larger than %d bytes; a report must be smaller (shorten notes or "
                 "comments)",
                 TD_MAX_REPORT_JSON);
        return -1;
    }
    buf[n] = '\0';
    *len = n;
    return 0;
}

/* One file of a submit, checked and packed, waiting for the batch to be queued. */
typedef struct {
    outbox_prepared prepared;
    char unit[TD_CODE_MAX];
    char period[TD_PERIOD_TEXT_MAX];
} s_submit_item;

/* Read, parse and check one report and pack it into item. On error returns -1 with the
 * message (without the file name) in err. */
static int s_submit_check(const s_config *cfg, const td_registry_t *reg, const td_calendar_t *cal,
                          const char *path, char *buf, s_submit_item *item, char *err,
                          size_t errlen)
{
    size_t len = 0;
    Tiendo__Report *report = NULL;
    int rc = -1;
    if (s_read_report(path, buf, &len, err, errlen) != 0)
        goto cleanup;
    if (td_report_from_json(buf, len, &report, err, errlen) != TD_OK)
        goto cleanup;
    /* the collector's rules, including "the unit exists during the period" and the
     * dataset's calendar (no future or locked periods) */
    if (td_report_validate_at(report, reg, cal, (int64_t) time(NULL), err, errlen) != TD_OK)
        goto cleanup;
    if (cfg->unit != NULL && !td_registry_within(reg, report->unit, cfg->unit)) {
        snprintf(err, errlen,
                 "unit: the report is for unit %s, but this office (--unit %s) reports for %s, "
                 "the units below it and the units merged into it",
                 report->unit, cfg->unit, cfg->unit);
        goto cleanup;
    }
    /* nothing over the frame limit is ever sent: refuse it now, while a person is here */
    size_t bound = sender_envelope_bound(report);
    if (bound > TD_MAX_FRAME) {
        snprintf(err, errlen,
                 "too big to send: as a message it would be %zu bytes, the limit is %u; "
                 "shorten notes and comments or the action plan",
                 bound, TD_MAX_FRAME);
        goto cleanup;
    }
    char why[512];
    td_err e = outbox_prepare(report, &item->prepared, why, sizeof why);
    if (e != TD_OK) {
        snprintf(err, errlen, "not queued: %s", why[0] != '\0' ? why : td_strerror(e));
        goto cleanup;
    }
    snprintf(item->unit, sizeof item->unit, "%s", report->unit);
    snprintf(item->period, sizeof item->period, "%s", report->period);
    rc = 0;
cleanup:
    td_report_free(&report);
    return rc;
}

/* submit FILE [FILE...]: check every file first; queue all of them in one outbox
 * transaction, or none when any file has a mistake. */
static int s_cmd_submit(const s_config *cfg, const s_operands *ops)
{
    if (ops->n < 1) {
        s_fail(NULL, "submit needs a FILE (or - for standard input), e.g. "
                     "`tiendo-agent submit report.json`");
        return S_EXIT_USAGE;
    }
    if ((size_t) ops->n > S_SUBMIT_MAX) {
        s_fail(NULL, "submit takes at most %u files at once (%d given); submit them in parts",
               S_SUBMIT_MAX, ops->n);
        return S_EXIT_USAGE;
    }
    int stdin_uses = 0;
    for (int i = 0; i < ops->n; i++)
        stdin_uses += strcmp(ops->v[i], "-") == 0;
    if (stdin_uses > 1) {
        s_fail(NULL, "submit: - (standard input) may be given only once");
        return S_EXIT_USAGE;
    }
    size_t n = (size_t) ops->n;
    char *buf = malloc(TD_MAX_REPORT_JSON + 1);
    s_submit_item *items = calloc(n, sizeof *items);
    outbox_prepared *batch = calloc(n, sizeof *batch);
    td_registry_t *reg = NULL;
    td_calendar_t *cal = NULL;
    outbox_t *ob = NULL;
    int rc = S_EXIT_ERROR;
    char err[1024];
    if (buf == NULL || items == NULL || batch == NULL) {
        s_fail(NULL, "out of memory");
        goto cleanup;
    }
    if (s_open_registry(cfg, &reg) != 0)
        goto cleanup;
    if (td_calendar_open(&cal, cfg->data_dir, err, sizeof err) != TD_OK) {
        s_fail(NULL, "cannot load the reporting calendar from %s: %s", cfg->data_dir, err);
        goto cleanup;
    }

    /* check them all first: nothing is queued while one file is wrong */
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = ops->v[i];
        if (s_submit_check(cfg, reg, cal, path, buf, &items[i], err, sizeof err) == 0)
            continue;
        if (++failed <= S_SUBMIT_ERRORS_SHOWN)
            s_fail(strcmp(path, "-") == 0 ? "stdin" : path, "%s", err);
    }
    if (failed > S_SUBMIT_ERRORS_SHOWN)
        s_fail(NULL, "... and %zu more (%zu of %zu files have mistakes; nothing was queued)",
               failed - S_SUBMIT_ERRORS_SHOWN, failed, n);
    if (failed > 0)
        goto cleanup;

    if (s_open_outbox(cfg, &ob) != TD_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        batch[i] = items[i].prepared;
    uint64_t first = 0, queued = 0;
    td_err e = outbox_enqueue_many(ob, batch, n, td_now_ms(), &first, &queued, err, sizeof err);
    if (e != TD_OK) {
        s_fail(n == 1 ? (strcmp(ops->v[0], "-") == 0 ? "stdin" : ops->v[0]) : cfg->state_dir,
               "not queued: %s", err[0] != '\0' ? err : td_strerror(e));
        goto cleanup;
    }
    /* committed: only now say so */
    if (n > S_SUBMIT_LINES_MAX) {
        printf("queued: %zu reports as #%" PRIu64 "..#%" PRIu64 " (outbox: %" PRIu64 " waiting)\n",
               n, first, first + n - 1, queued);
    } else {
        /* as if queued one after the other: the last line shows the outbox as it is now */
        for (size_t i = 0; i < n; i++)
            printf("queued: report for unit %s period %s as #%" PRIu64 " (outbox: %" PRIu64
                   " waiting)\n",
                   items[i].unit, items[i].period, first + i, queued - (n - 1 - i));
    }
    if (isatty(STDERR_FILENO) && !s_sender_running(cfg->state_dir))
        fprintf(stderr,
                "%s: note: the sender (`tiendo-agent run`) is not running; %s "
                "will wait until it starts\n",
                S_PROGRAM, n == 1 ? "the report" : "the reports");
    rc = S_EXIT_OK;
cleanup:
    if (items != NULL) {
        for (size_t i = 0; i < n; i++)
            outbox_prepared_clear(&items[i].prepared);
    }
    outbox_close(&ob);
    td_calendar_close(&cal);
    td_registry_close(&reg);
    free(batch);
    free(items);
    free(buf);
    return rc;
}

/* ---- run ---- */

static int s_take_run_lock(const char *dir, int *fd_out)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        s_fail(path, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        s_fail(dir, "another `tiendo-agent run` is already sending this outbox");
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

static int s_cmd_run(const s_config *cfg, const s_operands *ops)
{
    if (ops->n != 0) {
        s_fail(NULL, "run takes no argument '%s'", ops->v[0]);
        return S_EXIT_USAGE;
    }
    char collector_public[TD_Z85_KEY_LEN + 1], public_key[TD_Z85_KEY_LEN + 1];
    char secret[TD_Z85_KEY_LEN + 1], err[512];
    if (td_keys_load_public(cfg->collector_public_key, collector_public, err, sizeof err) !=
        TD_OK) {
        s_fail(NULL, "--collector-public-key: %s", err);
        return S_EXIT_ERROR;
    }
    if (td_keys_load_secret(cfg->secret_key, secret, public_key, err, sizeof err) != TD_OK) {
        s_fail(NULL, "--secret-key: %s", err);
        return S_EXIT_ERROR;
    }
    outbox_t *ob = NULL;
    td_metrics_t *metrics = NULL;
    int lock_fd = -1, rc = S_EXIT_ERROR;
    if (s_open_outbox(cfg, &ob) != TD_OK)
        goto cleanup;
    if (s_take_run_lock(cfg->state_dir, &lock_fd) != 0)
        goto cleanup;
    if (cfg->metrics_bind != NULL && cfg->metrics_bind[0] != '\0') {
        if (td_metrics_open(&metrics, cfg->metrics_bind, sender_metrics_render, NULL, err,
                            sizeof err) != TD_OK) {
            s_fail(NULL, "--metrics-bind: %s", err);
            goto cleanup;
        }
        td_info("serving metrics on %s", td_metrics_url(metrics));
    }

    td_signals_install(&s_stop, NULL);

    td_info("agent %s, public key %s", TIENDO_VERSION, public_key);
    sender_options opts = {
        .endpoint = cfg->collector,
        .collector_public = collector_public,
        .public_key = public_key,
        .secret_key = secret,
        .window = (size_t) cfg->window,
        .resend_timeout_ms = cfg->resend_timeout_ms,
        .backoff_max_ms = cfg->backoff_max_ms,
        .heartbeat_ms = cfg->heartbeat_ms,
        .zmq_heartbeat_ms = (int) cfg->zmq_heartbeat_ms,
        .reconnect_max_ms = (int) cfg->reconnect_max_ms,
        .exit_when_empty = cfg->exit_when_empty,
        .metrics = metrics,
    };
    td_err e = sender_run(ob, &opts, &s_stop);
    if (e != TD_OK) {
        td_error("sender stopped: %s", td_strerror(e));
        goto cleanup;
    }
    rc = S_EXIT_OK;
cleanup:
    memset(secret, 0, sizeof secret);
    td_metrics_close(&metrics);
    outbox_close(&ob);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}

/* ---- status ---- */

typedef struct {
    json_t *list; /* --json: every report */
    size_t shown, total;
    int64_t now_ms;
    const td_registry_t *reg;
} s_list_ctx;

static const char *s_unit_name(const td_registry_t *reg, const char *code)
{
    const td_unit *u = reg != NULL ? td_registry_find(reg, code, NULL) : NULL;
    return u != NULL ? u->name : "";
}

static int s_status_visit(void *vctx, const outbox_record *rec)
{
    s_list_ctx *ctx = vctx;
    ctx->total++;
    if (ctx->list != NULL) {
        json_t *o = json_object();
        s_set(o, "seq", json_integer((json_int_t) rec->seq));
        s_set(o, "unit", json_string(rec->unit));
        s_set(o, "dataset", json_string(rec->dataset));
        s_set(o, "period", json_string(rec->period));
        s_set(o, "queued_at", s_json_time(rec->queued_at_ms));
        s_set(o, "queued_at_ms", json_integer(rec->queued_at_ms));
        s_set(o, "bytes", json_integer((json_int_t) rec->report_len));
        if (o != NULL)
            json_array_append_new(ctx->list, o);
        return 0;
    }
    if (ctx->shown >= S_LIST_MAX)
        return 0; /* keep counting */
    if (ctx->shown == 0)
        printf("\nWaiting reports:\n  %-8s %-6s %-9s %-8s %-17s %s\n", "Number", "Unit", "Period",
               "Dataset", "Queued at", "Unit name");
    char when[32], num[24];
    s_local_time(rec->queued_at_ms, when, sizeof when);
    snprintf(num, sizeof num, "#%" PRIu64, rec->seq);
    printf("  %-8s %-6s %-9s %-8s %-17s %s\n", num, rec->unit, rec->period, rec->dataset, when,
           s_unit_name(ctx->reg, rec->unit));
    ctx->shown++;
    return 0;
}

static int s_cmd_status(const s_config *cfg, const s_operands *ops)
{
    if (ops->n != 0) {
        s_fail(NULL, "status takes no argument '%s'", ops->v[0]);
        return S_EXIT_USAGE;
    }
    int running = s_sender_running(cfg->state_dir);
    if (!s_outbox_exists(cfg->state_dir)) {
        if (cfg->json) {
            json_t *o = json_object();
            s_set(o, "state_dir", json_string(cfg->state_dir));
            s_set(o, "exists", json_false());
            s_set(o, "sender_running", json_boolean(running));
            s_set(o, "epoch", json_null());
            s_set(o, "next_seq", json_integer(1));
            s_set(o, "queued", json_integer(0));
            s_set(o, "oldest_queued_at", json_null());
            s_set(o, "oldest_unsent_age_ms", json_null());
            s_set(o, "dead_letters", json_integer(0));
            s_set(o, "reports", json_array());
            return s_print_json(o);
        }
        printf("No outbox in %s yet: nothing has been submitted on this machine.\n",
               cfg->state_dir);
        return S_EXIT_OK;
    }
    outbox_t *ob = NULL;
    if (s_open_outbox(cfg, &ob) != TD_OK)
        return S_EXIT_ERROR;
    int rc = S_EXIT_ERROR;
    char err[512];
    outbox_stats st;
    td_registry_t *reg = NULL;
    json_t *root = NULL;
    if (outbox_get_stats(ob, &st, err, sizeof err) != TD_OK) {
        s_fail(cfg->state_dir, "%s", err);
        goto cleanup;
    }
    int64_t now = td_now_ms();
    int64_t age = st.oldest_queued_at_ms > 0 && now > st.oldest_queued_at_ms
                      ? now - st.oldest_queued_at_ms
                      : 0;
    char epoch[20];
    snprintf(epoch, sizeof epoch, "%016" PRIx64, st.epoch);
    s_list_ctx ctx = {NULL, 0, 0, now, NULL};
    if (cfg->json) {
        root = json_object();
        ctx.list = json_array();
        s_set(root, "state_dir", json_string(cfg->state_dir));
        s_set(root, "exists", json_true());
        s_set(root, "sender_running", json_boolean(running));
        s_set(root, "epoch", json_string(epoch));
        s_set(root, "next_seq", json_integer((json_int_t) st.next_seq));
        s_set(root, "queued", json_integer((json_int_t) st.queued));
        s_set(root, "oldest_queued_at", s_json_time(st.oldest_queued_at_ms));
        s_set(root, "oldest_unsent_age_ms", st.queued > 0 ? json_integer(age) : json_null());
        s_set(root, "dead_letters", json_integer((json_int_t) st.dead));
    } else {
        /* unit names are a help, not a need: no registry, no names */
        char ignored[256];
        if (td_registry_open(&reg, cfg->data_dir, ignored, sizeof ignored) != TD_OK)
            reg = NULL;
        ctx.reg = reg;
        char dur[48], when[32];
        printf("Outbox:            %s (epoch %s)\n", cfg->state_dir, epoch);
        printf("Sender (run):      %s\n",
               running ? "running"
                       : "NOT running - queued reports will not leave this machine until it runs");
        if (st.queued == 0) {
            printf("Waiting to send:   none - everything submitted has been answered\n");
        } else {
            s_duration(age, dur, sizeof dur);
            s_local_time(st.oldest_queued_at_ms, when, sizeof when);
            printf("Waiting to send:   %" PRIu64 " report%s (oldest queued %s ago, at %s)\n",
                   st.queued, st.queued == 1 ? "" : "s", dur, when);
        }
        printf("Next number:       #%" PRIu64 "\n", st.next_seq);
        if (st.dead == 0)
            printf("Rejected:          none\n");
        else
            printf("Rejected:          %" PRIu64 " report%s - see `tiendo-agent dead-letters`\n",
                   st.dead, st.dead == 1 ? "" : "s");
    }
    if (outbox_scan(ob, 0, 0, s_status_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        s_fail(cfg->state_dir, "%s", err);
        json_decref(ctx.list);
        goto cleanup;
    }
    if (cfg->json) {
        s_set(root, "reports", ctx.list);
        rc = s_print_json(root);
        root = NULL;
        goto cleanup;
    }
    if (ctx.total > ctx.shown)
        printf("  ... and %zu more (`tiendo-agent status --json` lists all)\n",
               ctx.total - ctx.shown);
    rc = S_EXIT_OK;
cleanup:
    json_decref(root);
    td_registry_close(&reg);
    outbox_close(&ob);
    return rc;
}

/* ---- dead letters ---- */

static int s_dead_visit(void *vctx, const outbox_record *rec)
{
    s_list_ctx *ctx = vctx;
    ctx->total++;
    if (ctx->list != NULL) {
        json_t *o = json_object();
        s_set(o, "seq", json_integer((json_int_t) rec->seq));
        s_set(o, "unit", json_string(rec->unit));
        s_set(o, "dataset", json_string(rec->dataset));
        s_set(o, "period", json_string(rec->period));
        s_set(o, "queued_at", s_json_time(rec->queued_at_ms));
        s_set(o, "rejected_at", s_json_time(rec->rejected_at_ms));
        s_set(o, "reason", json_string(rec->reason));
        if (o != NULL)
            json_array_append_new(ctx->list, o);
        return 0;
    }
    char when[32];
    s_local_time(rec->rejected_at_ms, when, sizeof when);
    printf("\n#%" PRIu64 "  unit %s  period %s  dataset %s  rejected %s\n", rec->seq, rec->unit,
           rec->period, rec->dataset, when);
    printf("    reason: %s\n", rec->reason);
    ctx->shown++;
    return 0;
}

static int s_dead_list(const s_config *cfg, outbox_t *ob)
{
    char err[512];
    s_list_ctx ctx = {NULL, 0, 0, td_now_ms(), NULL};
    if (cfg->json)
        ctx.list = json_array();
    if (outbox_dead_scan(ob, 0, 0, s_dead_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        s_fail(cfg->state_dir, "%s", err);
        json_decref(ctx.list);
        return S_EXIT_ERROR;
    }
    if (cfg->json) {
        json_t *root = json_object();
        s_set(root, "state_dir", json_string(cfg->state_dir));
        s_set(root, "dead_letters", ctx.list);
        return s_print_json(root);
    }
    if (ctx.total == 0) {
        printf("No rejected reports.\n");
        return S_EXIT_OK;
    }
    printf("\n%zu rejected report%s. Fix the report and `submit` it again, or:\n"
           "  tiendo-agent dead-letters resubmit N   (send #N again unchanged)\n"
           "  tiendo-agent dead-letters discard N    (delete #N)\n",
           ctx.total, ctx.total == 1 ? "" : "s");
    return S_EXIT_OK;
}

static int s_cmd_dead_letters(const s_config *cfg, const s_operands *ops)
{
    const char *action = ops->n > 0 ? ops->v[0] : "list";
    int is_list = strcmp(action, "list") == 0;
    int is_resubmit = strcmp(action, "resubmit") == 0;
    int is_discard = strcmp(action, "discard") == 0;
    if (!is_list && !is_resubmit && !is_discard) {
        s_fail(NULL, "dead-letters: unknown action '%s'; use list, resubmit N or discard N",
               action);
        return S_EXIT_USAGE;
    }
    uint64_t seq = 0;
    if (is_list && ops->n > 1) {
        s_fail(NULL, "dead-letters list takes no further argument");
        return S_EXIT_USAGE;
    }
    if (!is_list && (ops->n != 2 || s_parse_seq(ops->v[1], &seq) != 0)) {
        s_fail(NULL,
               "dead-letters %s needs the number of a dead letter, e.g. "
               "`tiendo-agent dead-letters %s 17`",
               action, action);
        return S_EXIT_USAGE;
    }
    if (!s_outbox_exists(cfg->state_dir)) {
        if (is_list) {
            if (cfg->json) {
                json_t *root = json_object();
                s_set(root, "state_dir", json_string(cfg->state_dir));
                s_set(root, "dead_letters", json_array());
                return s_print_json(root);
            }
            printf("No rejected reports (no outbox in %s yet).\n", cfg->state_dir);
            return S_EXIT_OK;
        }
        s_fail(cfg->state_dir, "no outbox here, so no dead letter #%" PRIu64, seq);
        return S_EXIT_ERROR;
    }
    outbox_t *ob = NULL;
    if (s_open_outbox(cfg, &ob) != TD_OK)
        return S_EXIT_ERROR;
    int rc = S_EXIT_ERROR;
    char err[512];
    if (is_list) {
        rc = s_dead_list(cfg, ob);
        goto cleanup;
    }
    outbox_record rec;
    td_err e = outbox_dead_get(ob, seq, &rec, err, sizeof err);
    if (e == TD_ERR_NOTFOUND) {
        s_fail(NULL, "no dead letter #%" PRIu64 " (see `tiendo-agent dead-letters list`)", seq);
        goto cleanup;
    }
    if (e != TD_OK) {
        s_fail(cfg->state_dir, "%s", err);
        goto cleanup;
    }
    if (is_resubmit) {
        uint64_t new_seq = 0, queued = 0;
        e = outbox_dead_resubmit(ob, seq, td_now_ms(), &new_seq, &queued, err, sizeof err);
        if (e != TD_OK) {
            s_fail(cfg->state_dir, "%s", err);
        } else if (cfg->json) {
            json_t *root = json_object();
            s_set(root, "resubmitted", json_integer((json_int_t) seq));
            s_set(root, "seq", json_integer((json_int_t) new_seq));
            s_set(root, "queued", json_integer((json_int_t) queued));
            rc = s_print_json(root);
        } else {
            printf("resubmitted: dead letter #%" PRIu64 " (unit %s period %s) is queued again "
                   "as #%" PRIu64 " (outbox: %" PRIu64 " waiting)\n",
                   seq, rec.unit, rec.period, new_seq, queued);
            rc = S_EXIT_OK;
        }
    } else {
        e = outbox_dead_discard(ob, seq, err, sizeof err);
        if (e != TD_OK) {
            s_fail(cfg->state_dir, "%s", err);
        } else if (cfg->json) {
            json_t *root = json_object();
            s_set(root, "discarded", json_integer((json_int_t) seq));
            rc = s_print_json(root);
        } else {
            printf("discarded: dead letter #%" PRIu64 " (unit %s period %s) is deleted\n", seq,
                   rec.unit, rec.period);
            rc = S_EXIT_OK;
        }
    }
    outbox_record_clear(&rec);
cleanup:
    outbox_close(&ob);
    return rc;
}

/* ---- dispatch ---- */

typedef int (*s_command_fn)(const s_config *cfg, const s_operands *ops);

static const struct {
    const char *name;
    s_command_fn fn;
} s_dispatch[] = {
    {"keygen", s_cmd_keygen}, {"template", s_cmd_template}, {"submit", s_cmd_submit},
    {"run", s_cmd_run},       {"status", s_cmd_status},     {"dead-letters", s_cmd_dead_letters},
};

int main(int argc, char **argv)
{
    s_config cfg;
    memset(&cfg, 0, sizeof cfg);
    td_config_args args = {0, 0, 0, NULL};
    char err[1024];
    int rc = S_EXIT_USAGE;

    if (argc < 2) {
        s_usage(stderr);
        return S_EXIT_USAGE;
    }
    const char *command = argv[1];
    int has_command = command[0] != '-';
    s_command_fn fn = NULL;
    const s_command_help *help = NULL;
    if (has_command) {
        for (size_t i = 0; i < sizeof s_dispatch / sizeof s_dispatch[0]; i++) {
            if (strcmp(command, s_dispatch[i].name) == 0)
                fn = s_dispatch[i].fn;
        }
        for (const s_command_help *c = s_commands; c->name != NULL; c++) {
            if (strcmp(command, c->name) == 0)
                help = c;
        }
        if (fn == NULL) {
            s_fail(NULL, "unknown command '%s' (see tiendo-agent --help)", command);
            return S_EXIT_USAGE;
        }
    }
    int first = has_command ? 2 : 1;
    td_err e = td_config_parse(s_options, &cfg, argc - first, argv + first, &args, err, sizeof err);
    s_operands ops = {args.positional, args.npositional};
    if (e == TD_OK && args.help) {
        if (help != NULL)
            s_command_usage(stdout, help);
        else
            s_usage(stdout);
        rc = S_EXIT_OK;
        goto cleanup;
    }
    if (e != TD_OK || s_check_config(&cfg, err, sizeof err) != 0) {
        s_fail(NULL, "%s", err);
        goto cleanup;
    }
    if (args.check_config) {
        td_config_dump(stdout, s_options, &cfg);
        rc = S_EXIT_OK;
        goto cleanup;
    }
    if (!has_command) {
        s_fail(NULL, "missing command (see tiendo-agent --help)");
        goto cleanup;
    }
    td_log_level level = TD_LOG_INFO;
    td_log_level_parse(cfg.log_level, &level);
    td_log_init(S_PROGRAM, level);
    rc = fn(&cfg, &ops);
cleanup:
    td_config_free(s_options, &cfg);
    td_config_args_free(&args);
    return rc;
}
