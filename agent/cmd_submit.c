/* cmd_submit.c: `tiendo-agent template` and `tiendo-agent submit` (reports into the outbox). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "clock.h"
#include "cmd.h"
#include "codec.h"
#include "i18n.h"
#include "period.h"
#include "report.h"
#include "sender.h"

/* ---- template ---- */

int cmd_template(void *config, int noperands, char **operands)
{
    const agent_config *cfg = config;
    if (noperands != 0) {
        agent_fail(NULL, "template takes no argument '%s' (did you mean --period %s?)", operands[0],
                   operands[0]);
        return AGENT_EXIT_USAGE;
    }
    td_registry_t *reg = NULL;
    if (agent_open_registry(cfg, &reg) != 0)
        return AGENT_EXIT_ERROR;
    int rc = AGENT_EXIT_ERROR;
    if (cfg->unit != NULL && td_registry_find(reg, cfg->unit, NULL) == NULL) {
        agent_fail(NULL, "--unit %s: no such unit in %s/units.csv", cfg->unit, cfg->data_dir);
        goto cleanup;
    }
    char *text = td_report_template(reg, cfg->unit, cfg->dataset, cfg->period);
    if (text == NULL) {
        agent_fail(NULL, "out of memory");
        goto cleanup;
    }
    fputs(text, stdout);
    if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
        fputc('\n', stdout);
    free(text);
    rc = fflush(stdout) == 0 ? AGENT_EXIT_OK : AGENT_EXIT_ERROR;
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
        td_msg(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, TD_MAX_REPORT_JSON + 1, f);
    int failed = ferror(f);
    int saved = errno;
    if (!from_stdin)
        fclose(f);
    if (failed) {
        td_msg(err, errlen, "cannot read: %s", strerror(saved));
        return -1;
    }
    if (n > TD_MAX_REPORT_JSON) {
        td_msg(err, errlen,
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
 * message (without the file name) in err, in the reader's language. */
static int s_submit_check(const agent_config *cfg, const td_registry_t *reg,
                          const td_calendar_t *cal, const char *path, char *buf,
                          s_submit_item *item, char *err, size_t errlen)
{
    size_t len = 0;
    Tiendo__Report *report = NULL;
    td_reason why;
    int rc = -1;
    td_reason_clear(&why);
    if (s_read_report(path, buf, &len, err, errlen) != 0)
        goto cleanup;
    /* the collector's rules too, including "the unit exists during the period" and the
     * dataset's calendar (no future or locked periods); their reasons in parts, shown in
     * the reader's language */
    if (td_report_parse(buf, len, &report, &why) != TD_OK ||
        td_report_check_at(report, reg, cal, (int64_t) time(NULL), &why) != TD_OK) {
        td_reason_render(&why, err, errlen);
        goto cleanup;
    }
    if (cfg->unit != NULL && !td_registry_within(reg, report->unit, cfg->unit)) {
        td_msg(err, errlen,
               "unit: the report is for unit %s, but this office (--unit %s) reports for %s, "
               "the units below it and the units merged into it",
               report->unit, cfg->unit, cfg->unit);
        goto cleanup;
    }
    /* nothing over the frame limit is ever sent: refuse it now, while a person is here */
    size_t bound = sender_envelope_bound(report);
    if (bound > TD_MAX_FRAME) {
        td_msg(err, errlen,
               "too big to send: as a message it would be %zu bytes, the limit is %u; "
               "shorten notes and comments or the action plan",
               bound, TD_MAX_FRAME);
        goto cleanup;
    }
    char reason[512];
    td_err e = outbox_prepare(report, &item->prepared, reason, sizeof reason);
    if (e != TD_OK) {
        td_msg(err, errlen, "not queued: %s", reason[0] != '\0' ? reason : _(td_strerror(e)));
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
int cmd_submit(void *config, int noperands, char **operands)
{
    const agent_config *cfg = config;
    if (noperands < 1) {
        agent_fail(NULL, "submit needs a FILE (or - for standard input), e.g. "
                         "`tiendo-agent submit report.json`");
        return AGENT_EXIT_USAGE;
    }
    if ((size_t) noperands > S_SUBMIT_MAX) {
        agent_fail(NULL, "submit takes at most %u files at once (%d given); submit them in parts",
                   S_SUBMIT_MAX, noperands);
        return AGENT_EXIT_USAGE;
    }
    int stdin_uses = 0;
    for (int i = 0; i < noperands; i++)
        stdin_uses += strcmp(operands[i], "-") == 0;
    if (stdin_uses > 1) {
        agent_fail(NULL, "submit: - (standard input) may be given only once");
        return AGENT_EXIT_USAGE;
    }
    size_t n = (size_t) noperands;
    char *buf = malloc(TD_MAX_REPORT_JSON + 1);
    s_submit_item *items = calloc(n, sizeof *items);
    outbox_prepared *batch = calloc(n, sizeof *batch);
    td_registry_t *reg = NULL;
    td_calendar_t *cal = NULL;
    outbox_t *ob = NULL;
    int rc = AGENT_EXIT_ERROR;
    char err[1024];
    if (buf == NULL || items == NULL || batch == NULL) {
        agent_fail(NULL, "out of memory");
        goto cleanup;
    }
    if (agent_open_registry(cfg, &reg) != 0)
        goto cleanup;
    if (td_calendar_open(&cal, cfg->data_dir, err, sizeof err) != TD_OK) {
        agent_fail(NULL, "cannot load the reporting calendar from %s: %s", cfg->data_dir, err);
        goto cleanup;
    }

    /* check them all first: nothing is queued while one file is wrong */
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = operands[i];
        if (s_submit_check(cfg, reg, cal, path, buf, &items[i], err, sizeof err) == 0)
            continue;
        if (++failed <= S_SUBMIT_ERRORS_SHOWN)
            agent_fail_text(strcmp(path, "-") == 0 ? "stdin" : path, err);
    }
    if (failed > S_SUBMIT_ERRORS_SHOWN)
        agent_fail(NULL, "... and %zu more (%zu of %zu files have mistakes; nothing was queued)",
                   failed - S_SUBMIT_ERRORS_SHOWN, failed, n);
    if (failed > 0)
        goto cleanup;

    if (agent_open_outbox(cfg, &ob) != TD_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        batch[i] = items[i].prepared;
    uint64_t first = 0, queued = 0;
    td_err e = outbox_enqueue_many(ob, batch, n, td_now_ms(), &first, &queued, err, sizeof err);
    if (e != TD_OK) {
        agent_fail(n == 1 ? (strcmp(operands[0], "-") == 0 ? "stdin" : operands[0])
                          : cfg->state_dir,
                   "not queued: %s", err[0] != '\0' ? err : _(td_strerror(e)));
        goto cleanup;
    }
    /* committed: only now say so (report numbers stay plain: people type them back) */
    char count[32], waiting[32];
    if (n > S_SUBMIT_LINES_MAX) {
        /* TRANSLATORS: the number of reports, the first and last report number, the
           reports now waiting in the outbox */
        printf(_("queued: %s reports as #%llu..#%llu (outbox: %s waiting)\n"),
               td_fmt_count(n, count, sizeof count), (unsigned long long) first,
               (unsigned long long) (first + n - 1), td_fmt_count(queued, waiting, sizeof waiting));
    } else {
        /* as if queued one after the other: the last line shows the outbox as it is now */
        for (size_t i = 0; i < n; i++)
            /* TRANSLATORS: unit code, period, the report's number, the reports now waiting */
            printf(_("queued: report for unit %s period %s as #%llu (outbox: %s waiting)\n"),
                   items[i].unit, items[i].period, (unsigned long long) (first + i),
                   td_fmt_count(queued - (n - 1 - i), waiting, sizeof waiting));
    }
    if (isatty(STDERR_FILENO) && !agent_sender_running(cfg->state_dir))
        agent_fail_text(NULL, n == 1 ? _("note: the sender (`tiendo-agent run`) is not running; "
                                         "the report will wait until it starts")
                                     : _("note: the sender (`tiendo-agent run`) is not running; "
                                         "the reports will wait until it starts"));
    rc = AGENT_EXIT_OK;
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
