/* cmd_status.c: `tiendo-agent status` and `tiendo-agent dead-letters` (text and --json). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "i18n.h"
#include "json_out.h"
#include "term.h"
#include "timefmt.h"

#define S_LIST_MAX 50 /* rows of the text lists; --json lists everything */

/* Print a --json answer (dropping root), or say why it cannot be printed. */
static int s_print(json_t *root, int failed)
{
    if (failed) {
        json_decref(root);
        agent_fail(NULL, "out of memory");
        return AGENT_EXIT_ERROR;
    }
    td_err e = td_json_print(stdout, root);
    if (e == TD_OK && fflush(stdout) != 0)
        e = TD_ERR_IO;
    if (e != TD_OK) {
        if (e == TD_ERR_NOMEM)
            agent_fail(NULL, "out of memory");
        else
            agent_fail(NULL, "cannot write the output");
        return AGENT_EXIT_ERROR;
    }
    return AGENT_EXIT_OK;
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

/* ---- status ---- */

/* The rows of the text list: at most S_LIST_MAX, cells borrowed by term_table. */
typedef struct {
    char num[24], when[40];
    char unit[OUTBOX_LABEL_MAX], period[OUTBOX_LABEL_MAX], dataset[OUTBOX_LABEL_MAX];
    const char *name;
} s_row;

typedef struct {
    json_t *list; /* --json: every report */
    int failed;   /* --json: out of memory while building it */
    size_t shown, total;
    int64_t now_ms;
    const td_registry_t *reg;
    s_row *rows; /* text: the first S_LIST_MAX */
} s_list_ctx;

static const char *s_unit_name(const td_registry_t *reg, const char *code)
{
    const td_unit *u = reg != NULL ? td_registry_find(reg, code, NULL) : NULL;
    return u != NULL ? u->name : "";
}

/* The fields a waiting report and a dead letter share, in their --json order. */
static json_t *s_record_json(const outbox_record *rec, int *failed)
{
    json_t *o = json_object();
    td_json_set(o, "seq", json_integer((json_int_t) rec->seq), failed);
    td_json_set(o, "unit", td_json_text(rec->unit), failed);
    td_json_set(o, "dataset", td_json_text(rec->dataset), failed);
    td_json_set(o, "period", td_json_text(rec->period), failed);
    td_json_set(o, "queued_at", td_json_time(1, rec->queued_at_ms), failed);
    return o;
}

static int s_status_visit(void *vctx, const outbox_record *rec)
{
    s_list_ctx *ctx = vctx;
    ctx->total++;
    if (ctx->list != NULL) {
        json_t *o = s_record_json(rec, &ctx->failed);
        td_json_set(o, "queued_at_ms", json_integer(rec->queued_at_ms), &ctx->failed);
        td_json_set(o, "bytes", json_integer((json_int_t) rec->report_len), &ctx->failed);
        td_json_append(ctx->list, o, &ctx->failed);
        return 0;
    }
    if (ctx->rows == NULL || ctx->shown >= S_LIST_MAX)
        return 0; /* keep counting */
    s_row *row = &ctx->rows[ctx->shown++];
    snprintf(row->num, sizeof row->num, "#%llu", (unsigned long long) rec->seq);
    snprintf(row->unit, sizeof row->unit, "%s", rec->unit);
    snprintf(row->period, sizeof row->period, "%s", rec->period);
    snprintf(row->dataset, sizeof row->dataset, "%s", rec->dataset);
    td_fmt_time(rec->queued_at_ms, row->when, sizeof row->when);
    row->name = s_unit_name(ctx->reg, rec->unit);
    return 0;
}

/* The list of waiting reports, aligned by display width whatever the language. */
static int s_print_rows(const s_list_ctx *ctx)
{
    if (ctx->shown == 0)
        return 0;
    const term_column cols[] = {
        {_("Number"), TERM_LEFT, 0},    {_("Unit"), TERM_LEFT, 0},
        {_("Period"), TERM_LEFT, 0},    {_("Dataset"), TERM_LEFT, 0},
        {_("Queued at"), TERM_LEFT, 0}, {_("Unit name"), TERM_LEFT, 0},
    };
    enum { NCOLS = sizeof cols / sizeof cols[0] };
    const char **cells = calloc(ctx->shown * NCOLS, sizeof *cells);
    if (cells == NULL)
        return -1;
    for (size_t r = 0; r < ctx->shown; r++) {
        const s_row *row = &ctx->rows[r];
        const char *line[NCOLS] = {row->num,     row->unit, row->period,
                                   row->dataset, row->when, row->name};
        memcpy(cells + r * NCOLS, line, sizeof line);
    }
    printf("\n%s\n", _("Waiting reports:"));
    td_err e = term_table(stdout, cols, NCOLS, cells, ctx->shown, "  ", NULL, NULL);
    free(cells);
    return e == TD_OK ? 0 : -1;
}

/* The most recently rejected dead letter (status shows its reason). */
typedef struct {
    outbox_record latest;
    int found;
} s_latest_ctx;

static int s_latest_visit(void *vctx, const outbox_record *rec)
{
    s_latest_ctx *ctx = vctx;
    if (!ctx->found || rec->rejected_at_ms >= ctx->latest.rejected_at_ms) {
        ctx->latest = *rec;
        ctx->latest.report = NULL; /* valid only during the visit, and not needed */
        ctx->latest.report_len = 0;
        ctx->found = 1;
    }
    return 0;
}

/* "Label:   value" lines, the values aligned by display width whatever the language. */
enum { S_OUTBOX, S_SENDER, S_WAITING, S_NEXT, S_REJECTED, S_LABELS };
static const char *const s_labels[S_LABELS] = {
    [S_OUTBOX] = N_("Outbox:"),           [S_SENDER] = N_("Sender (run):"),
    [S_WAITING] = N_("Waiting to send:"), [S_NEXT] = N_("Next number:"),
    [S_REJECTED] = N_("Rejected:"),
};

static void s_field(int which, const char *value)
{
    size_t width = 0;
    for (int i = 0; i < S_LABELS; i++) {
        size_t w = term_width(td_tr(s_labels[i]));
        if (w > width)
            width = w;
    }
    term_cell(stdout, td_tr(s_labels[which]), width + 2, TERM_LEFT);
    printf("%s\n", value);
}

/* The status text (not --json): the outbox's state in words. */
static void s_status_text(const agent_config *cfg, outbox_t *ob, const outbox_stats *st,
                          int running, const char *epoch, int64_t now)
{
    char line[2048], count[32], age[48], when[40];
    snprintf(line, sizeof line, _("%s (epoch %s)"), cfg->state_dir, epoch);
    s_field(S_OUTBOX, line);
    s_field(S_SENDER,
            running ? _("running")
                    : _("NOT running - queued reports will not leave this machine until it runs"));
    if (st->queued == 0) {
        s_field(S_WAITING, _("none - everything submitted has been answered"));
    } else {
        td_age_text(now, st->oldest_queued_at_ms, age, sizeof age);
        td_fmt_time(st->oldest_queued_at_ms, when, sizeof when);
        /* TRANSLATORS: the number of reports, how long ago the oldest was queued ("12 min
           ago"), and when */
        snprintf(line, sizeof line,
                 P_("%s report (oldest queued %s, at %s)", "%s reports (oldest queued %s, at %s)",
                    st->queued),
                 td_fmt_count(st->queued, count, sizeof count), age, when);
        s_field(S_WAITING, line);
    }
    snprintf(line, sizeof line, "#%llu", (unsigned long long) st->next_seq);
    s_field(S_NEXT, line);
    if (st->dead == 0) {
        s_field(S_REJECTED, _("none"));
        return;
    }
    snprintf(line, sizeof line,
             P_("%s report - see `tiendo-agent dead-letters`",
                "%s reports - see `tiendo-agent dead-letters`", st->dead),
             td_fmt_count(st->dead, count, sizeof count));
    s_field(S_REJECTED, line);
    s_latest_ctx latest;
    memset(&latest, 0, sizeof latest);
    char err[512], reason[OUTBOX_REASON_MAX];
    if (outbox_dead_scan(ob, 0, 0, s_latest_visit, &latest, NULL, err, sizeof err) != TD_OK ||
        !latest.found)
        return; /* a help, not a need */
    outbox_record_reason(&latest.latest, reason, sizeof reason);
    /* TRANSLATORS: the latest dead letter: its number, unit, period and the collector's
       reason */
    printf(_("  latest: #%llu (unit %s, period %s): %s\n"), (unsigned long long) latest.latest.seq,
           latest.latest.unit, latest.latest.period, reason);
}

int cmd_status(void *config, int noperands, char **operands)
{
    const agent_config *cfg = config;
    int failed = 0;
    if (noperands != 0) {
        agent_fail(NULL, "status takes no argument '%s'", operands[0]);
        return AGENT_EXIT_USAGE;
    }
    int running = agent_sender_running(cfg->state_dir);
    if (!agent_outbox_exists(cfg->state_dir)) {
        if (cfg->json) {
            json_t *o = json_object();
            td_json_set(o, "state_dir", td_json_text(cfg->state_dir), &failed);
            td_json_set(o, "exists", json_false(), &failed);
            td_json_set(o, "sender_running", json_boolean(running), &failed);
            td_json_set(o, "epoch", json_null(), &failed);
            td_json_set(o, "next_seq", json_integer(1), &failed);
            td_json_set(o, "queued", json_integer(0), &failed);
            td_json_set(o, "oldest_queued_at", json_null(), &failed);
            td_json_set(o, "oldest_unsent_age_ms", json_null(), &failed);
            td_json_set(o, "dead_letters", json_integer(0), &failed);
            td_json_set(o, "reports", json_array(), &failed);
            return s_print(o, failed);
        }
        printf(_("No outbox in %s yet: nothing has been submitted on this machine.\n"),
               cfg->state_dir);
        return AGENT_EXIT_OK;
    }
    outbox_t *ob = NULL;
    if (agent_open_outbox(cfg, &ob) != TD_OK)
        return AGENT_EXIT_ERROR;
    int rc = AGENT_EXIT_ERROR;
    char err[512];
    outbox_stats st;
    td_registry_t *reg = NULL;
    json_t *root = NULL;
    s_list_ctx ctx = {NULL, 0, 0, 0, 0, NULL, NULL};
    if (outbox_get_stats(ob, &st, err, sizeof err) != TD_OK) {
        agent_fail_text(cfg->state_dir, err);
        goto cleanup;
    }
    int64_t now = td_now_ms();
    int64_t age = st.oldest_queued_at_ms > 0 && now > st.oldest_queued_at_ms
                      ? now - st.oldest_queued_at_ms
                      : 0;
    char epoch[20];
    snprintf(epoch, sizeof epoch, "%016" PRIx64, st.epoch);
    ctx.now_ms = now;
    if (cfg->json) {
        root = json_object();
        ctx.list = json_array();
        td_json_set(root, "state_dir", td_json_text(cfg->state_dir), &failed);
        td_json_set(root, "exists", json_true(), &failed);
        td_json_set(root, "sender_running", json_boolean(running), &failed);
        td_json_set(root, "epoch", td_json_text(epoch), &failed);
        td_json_set(root, "next_seq", json_integer((json_int_t) st.next_seq), &failed);
        td_json_set(root, "queued", json_integer((json_int_t) st.queued), &failed);
        td_json_set(root, "oldest_queued_at", td_json_time(1, st.oldest_queued_at_ms), &failed);
        td_json_set(root, "oldest_unsent_age_ms", st.queued > 0 ? json_integer(age) : json_null(),
                    &failed);
        td_json_set(root, "dead_letters", json_integer((json_int_t) st.dead), &failed);
    } else {
        ctx.rows = calloc(S_LIST_MAX, sizeof *ctx.rows);
        if (ctx.rows == NULL) {
            agent_fail(NULL, "out of memory");
            goto cleanup;
        }
        /* unit names are a help, not a need: no registry, no names */
        char ignored[256];
        if (td_registry_open(&reg, cfg->data_dir, ignored, sizeof ignored) != TD_OK)
            reg = NULL;
        ctx.reg = reg;
        s_status_text(cfg, ob, &st, running, epoch, now);
    }
    if (outbox_scan(ob, 0, 0, s_status_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        agent_fail_text(cfg->state_dir, err);
        json_decref(ctx.list);
        goto cleanup;
    }
    if (cfg->json) {
        td_json_set(root, "reports", ctx.list, &failed);
        rc = s_print(root, failed || ctx.failed);
        root = NULL;
        goto cleanup;
    }
    if (s_print_rows(&ctx) != 0) {
        agent_fail(NULL, "out of memory");
        goto cleanup;
    }
    if (ctx.total > ctx.shown) {
        char more[32];
        printf(_("  ... and %s more (`tiendo-agent status --json` lists all)\n"),
               td_fmt_count(ctx.total - ctx.shown, more, sizeof more));
    }
    rc = AGENT_EXIT_OK;
cleanup:
    free(ctx.rows);
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
        int *failed = &ctx->failed;
        json_t *o = s_record_json(rec, failed);
        td_json_set(o, "rejected_at", td_json_time(1, rec->rejected_at_ms), failed);
        td_json_set(o, "reason", td_json_text(rec->reason), failed);
        /* the reason in parts (docs/agent.md): null and [] when the collector sent none */
        td_json_set(o, "reason_format", td_json_text_nonempty(rec->reason_format), failed);
        json_t *args = json_array();
        for (size_t i = 0; i < rec->reason_nargs; i++)
            td_json_append(args, td_json_text(rec->reason_args[i]), failed);
        td_json_set(o, "reason_args", args, failed);
        td_json_append(ctx->list, o, failed);
        return 0;
    }
    char when[40], reason[OUTBOX_REASON_MAX];
    td_fmt_time(rec->rejected_at_ms, when, sizeof when);
    /* TRANSLATORS: a dead letter's number, unit code, period, dataset and when it was
       rejected */
    printf(_("\n#%llu  unit %s  period %s  dataset %s  rejected %s\n"),
           (unsigned long long) rec->seq, rec->unit, rec->period, rec->dataset, when);
    printf(_("    reason: %s\n"), outbox_record_reason(rec, reason, sizeof reason));
    ctx->shown++;
    return 0;
}

static int s_dead_list(const agent_config *cfg, outbox_t *ob)
{
    char err[512];
    s_list_ctx ctx = {NULL, 0, 0, 0, td_now_ms(), NULL, NULL};
    int failed = 0;
    if (cfg->json)
        ctx.list = json_array();
    if (outbox_dead_scan(ob, 0, 0, s_dead_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        agent_fail_text(cfg->state_dir, err);
        json_decref(ctx.list);
        return AGENT_EXIT_ERROR;
    }
    if (cfg->json) {
        json_t *root = json_object();
        td_json_set(root, "state_dir", td_json_text(cfg->state_dir), &failed);
        td_json_set(root, "dead_letters", ctx.list, &failed);
        return s_print(root, failed || ctx.failed);
    }
    if (ctx.total == 0) {
        fputs(_("No rejected reports.\n"), stdout);
        return AGENT_EXIT_OK;
    }
    char count[32];
    putchar('\n');
    printf(P_("%s rejected report. Fix the report and `submit` it again, or:\n",
              "%s rejected reports. Fix the report and `submit` it again, or:\n", ctx.total),
           td_fmt_count(ctx.total, count, sizeof count));
    fputs(_("  tiendo-agent dead-letters resubmit N   (send #N again unchanged)\n"
            "  tiendo-agent dead-letters discard N    (delete #N)\n"),
          stdout);
    return AGENT_EXIT_OK;
}

int cmd_dead_letters(void *config, int noperands, char **operands)
{
    const agent_config *cfg = config;
    int failed = 0;
    const char *action = noperands > 0 ? operands[0] : "list";
    int is_list = strcmp(action, "list") == 0;
    int is_resubmit = strcmp(action, "resubmit") == 0;
    int is_discard = strcmp(action, "discard") == 0;
    if (!is_list && !is_resubmit && !is_discard) {
        agent_fail(NULL, "dead-letters: unknown action '%s'; use list, resubmit N or discard N",
                   action);
        return AGENT_EXIT_USAGE;
    }
    uint64_t seq = 0;
    if (is_list && noperands > 1) {
        agent_fail(NULL, "dead-letters list takes no further argument");
        return AGENT_EXIT_USAGE;
    }
    if (!is_list && (noperands != 2 || s_parse_seq(operands[1], &seq) != 0)) {
        agent_fail(NULL,
                   "dead-letters %s needs the number of a dead letter, e.g. "
                   "`tiendo-agent dead-letters %s 17`",
                   action, action);
        return AGENT_EXIT_USAGE;
    }
    if (!agent_outbox_exists(cfg->state_dir)) {
        if (is_list) {
            if (cfg->json) {
                json_t *root = json_object();
                td_json_set(root, "state_dir", td_json_text(cfg->state_dir), &failed);
                td_json_set(root, "dead_letters", json_array(), &failed);
                return s_print(root, failed);
            }
            printf(_("No rejected reports (no outbox in %s yet).\n"), cfg->state_dir);
            return AGENT_EXIT_OK;
        }
        agent_fail(cfg->state_dir, "no outbox here, so no dead letter #%llu",
                   (unsigned long long) seq);
        return AGENT_EXIT_ERROR;
    }
    outbox_t *ob = NULL;
    if (agent_open_outbox(cfg, &ob) != TD_OK)
        return AGENT_EXIT_ERROR;
    int rc = AGENT_EXIT_ERROR;
    char err[512];
    if (is_list) {
        rc = s_dead_list(cfg, ob);
        goto cleanup;
    }
    outbox_record rec;
    td_err e = outbox_dead_get(ob, seq, &rec, err, sizeof err);
    if (e == TD_ERR_NOTFOUND) {
        agent_fail(NULL, "no dead letter #%llu (see `tiendo-agent dead-letters list`)",
                   (unsigned long long) seq);
        goto cleanup;
    }
    if (e != TD_OK) {
        agent_fail_text(cfg->state_dir, err);
        goto cleanup;
    }
    if (is_resubmit) {
        uint64_t new_seq = 0, queued = 0;
        e = outbox_dead_resubmit(ob, seq, td_now_ms(), &new_seq, &queued, err, sizeof err);
        if (e != TD_OK) {
            agent_fail_text(cfg->state_dir, err);
        } else if (cfg->json) {
            json_t *root = json_object();
            td_json_set(root, "resubmitted", json_integer((json_int_t) seq), &failed);
            td_json_set(root, "seq", json_integer((json_int_t) new_seq), &failed);
            td_json_set(root, "queued", json_integer((json_int_t) queued), &failed);
            rc = s_print(root, failed);
        } else {
            char waiting[32];
            /* TRANSLATORS: the dead letter's number, its unit and period, its new number,
               the reports now waiting */
            printf(_("resubmitted: dead letter #%llu (unit %s period %s) is queued again as "
                     "#%llu (outbox: %s waiting)\n"),
                   (unsigned long long) seq, rec.unit, rec.period, (unsigned long long) new_seq,
                   td_fmt_count(queued, waiting, sizeof waiting));
            rc = AGENT_EXIT_OK;
        }
    } else {
        e = outbox_dead_discard(ob, seq, err, sizeof err);
        if (e != TD_OK) {
            agent_fail_text(cfg->state_dir, err);
        } else if (cfg->json) {
            json_t *root = json_object();
            td_json_set(root, "discarded", json_integer((json_int_t) seq), &failed);
            rc = s_print(root, failed);
        } else {
            printf(_("discarded: dead letter #%llu (unit %s period %s) is deleted\n"),
                   (unsigned long long) seq, rec.unit, rec.period);
            rc = AGENT_EXIT_OK;
        }
    }
    outbox_record_clear(&rec);
cleanup:
    outbox_close(&ob);
    return rc;
}
