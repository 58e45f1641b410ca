/* cmd_status.c: `tiendo-agent status` and `tiendo-agent dead-letters` (text and --json). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "json_out.h"
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
        agent_fail(NULL, e == TD_ERR_NOMEM ? "out of memory" : "cannot write the output");
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

typedef struct {
    json_t *list; /* --json: every report */
    int failed;   /* --json: out of memory while building it */
    size_t shown, total;
    int64_t now_ms;
    const td_registry_t *reg;
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
    if (ctx->shown >= S_LIST_MAX)
        return 0; /* keep counting */
    if (ctx->shown == 0)
        printf("\nWaiting reports:\n  %-8s %-6s %-9s %-8s %-17s %s\n", "Number", "Unit", "Period",
               "Dataset", "Queued at", "Unit name");
    char when[32], num[24];
    td_time_local(rec->queued_at_ms, when, sizeof when);
    snprintf(num, sizeof num, "#%" PRIu64, rec->seq);
    printf("  %-8s %-6s %-9s %-8s %-17s %s\n", num, rec->unit, rec->period, rec->dataset, when,
           s_unit_name(ctx->reg, rec->unit));
    ctx->shown++;
    return 0;
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
        printf("No outbox in %s yet: nothing has been submitted on this machine.\n",
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
    if (outbox_get_stats(ob, &st, err, sizeof err) != TD_OK) {
        agent_fail(cfg->state_dir, "%s", err);
        goto cleanup;
    }
    int64_t now = td_now_ms();
    int64_t age = st.oldest_queued_at_ms > 0 && now > st.oldest_queued_at_ms
                      ? now - st.oldest_queued_at_ms
                      : 0;
    char epoch[20];
    snprintf(epoch, sizeof epoch, "%016" PRIx64, st.epoch);
    s_list_ctx ctx = {NULL, 0, 0, 0, now, NULL};
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
            td_age_text(now, st.oldest_queued_at_ms, dur, sizeof dur);
            td_time_local(st.oldest_queued_at_ms, when, sizeof when);
            printf("Waiting to send:   %" PRIu64 " report%s (oldest queued %s, at %s)\n", st.queued,
                   st.queued == 1 ? "" : "s", dur, when);
        }
        printf("Next number:       #%" PRIu64 "\n", st.next_seq);
        if (st.dead == 0)
            printf("Rejected:          none\n");
        else
            printf("Rejected:          %" PRIu64 " report%s - see `tiendo-agent dead-letters`\n",
                   st.dead, st.dead == 1 ? "" : "s");
    }
    if (outbox_scan(ob, 0, 0, s_status_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        agent_fail(cfg->state_dir, "%s", err);
        json_decref(ctx.list);
        goto cleanup;
    }
    if (cfg->json) {
        td_json_set(root, "reports", ctx.list, &failed);
        rc = s_print(root, failed || ctx.failed);
        root = NULL;
        goto cleanup;
    }
    if (ctx.total > ctx.shown)
        printf("  ... and %zu more (`tiendo-agent status --json` lists all)\n",
               ctx.total - ctx.shown);
    rc = AGENT_EXIT_OK;
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
        json_t *o = s_record_json(rec, &ctx->failed);
        td_json_set(o, "rejected_at", td_json_time(1, rec->rejected_at_ms), &ctx->failed);
        td_json_set(o, "reason", td_json_text(rec->reason), &ctx->failed);
        td_json_append(ctx->list, o, &ctx->failed);
        return 0;
    }
    char when[32];
    td_time_local(rec->rejected_at_ms, when, sizeof when);
    printf("\n#%" PRIu64 "  unit %s  period %s  dataset %s  rejected %s\n", rec->seq, rec->unit,
           rec->period, rec->dataset, when);
    printf("    reason: %s\n", rec->reason);
    ctx->shown++;
    return 0;
}

static int s_dead_list(const agent_config *cfg, outbox_t *ob)
{
    char err[512];
    s_list_ctx ctx = {NULL, 0, 0, 0, td_now_ms(), NULL};
    int failed = 0;
    if (cfg->json)
        ctx.list = json_array();
    if (outbox_dead_scan(ob, 0, 0, s_dead_visit, &ctx, NULL, err, sizeof err) != TD_OK) {
        agent_fail(cfg->state_dir, "%s", err);
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
        printf("No rejected reports.\n");
        return AGENT_EXIT_OK;
    }
    printf("\n%zu rejected report%s. Fix the report and `submit` it again, or:\n"
           "  tiendo-agent dead-letters resubmit N   (send #N again unchanged)\n"
           "  tiendo-agent dead-letters discard N    (delete #N)\n",
           ctx.total, ctx.total == 1 ? "" : "s");
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
            printf("No rejected reports (no outbox in %s yet).\n", cfg->state_dir);
            return AGENT_EXIT_OK;
        }
        agent_fail(cfg->state_dir, "no outbox here, so no dead letter #%" PRIu64, seq);
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
        agent_fail(NULL, "no dead letter #%" PRIu64 " (see `tiendo-agent dead-letters list`)", seq);
        goto cleanup;
    }
    if (e != TD_OK) {
        agent_fail(cfg->state_dir, "%s", err);
        goto cleanup;
    }
    if (is_resubmit) {
        uint64_t new_seq = 0, queued = 0;
        e = outbox_dead_resubmit(ob, seq, td_now_ms(), &new_seq, &queued, err, sizeof err);
        if (e != TD_OK) {
            agent_fail(cfg->state_dir, "%s", err);
        } else if (cfg->json) {
            json_t *root = json_object();
            td_json_set(root, "resubmitted", json_integer((json_int_t) seq), &failed);
            td_json_set(root, "seq", json_integer((json_int_t) new_seq), &failed);
            td_json_set(root, "queued", json_integer((json_int_t) queued), &failed);
            rc = s_print(root, failed);
        } else {
            printf("resubmitted: dead letter #%" PRIu64 " (unit %s period %s) is queued again "
                   "as #%" PRIu64 " (outbox: %" PRIu64 " waiting)\n",
                   seq, rec.unit, rec.period, new_seq, queued);
            rc = AGENT_EXIT_OK;
        }
    } else {
        e = outbox_dead_discard(ob, seq, err, sizeof err);
        if (e != TD_OK) {
            agent_fail(cfg->state_dir, "%s", err);
        } else if (cfg->json) {
            json_t *root = json_object();
            td_json_set(root, "discarded", json_integer((json_int_t) seq), &failed);
            rc = s_print(root, failed);
        } else {
            printf("discarded: dead letter #%" PRIu64 " (unit %s period %s) is deleted\n", seq,
                   rec.unit, rec.period);
            rc = AGENT_EXIT_OK;
        }
    }
    outbox_record_clear(&rec);
cleanup:
    outbox_close(&ob);
    return rc;
}
