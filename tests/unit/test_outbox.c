/* test_outbox.c: the agent's LMDB outbox (seqs, epoch, dead letters, growth, crashes) and
 * the sender's go-back-N window bookkeeping. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "outbox.h"
#include "record.h"
#include "sender.h"
#include "settle.h"
#include "window.h"
#include "unit_main.h"

/* ---- helpers ---- */

static char s_dir[64];

static void s_make_dir(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/tiendo-outbox-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
}

static void s_remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    (void) rc;
}

static void s_teardown(void)
{
    if (s_dir[0] != '\0')
        s_remove_tree(s_dir);
    s_dir[0] = '\0';
}

/* A report whose prepared_by carries `tag` padded to `pad` bytes. */
typedef struct {
    Tiendo__Report report;
    char unit[16], period[16], dataset[16];
    char *prepared_by;
} s_report;

static void s_report_init(s_report *r, const char *unit, const char *period, const char *tag,
                          size_t pad)
{
    tiendo__report__init(&r->report);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    snprintf(r->period, sizeof r->period, "%s", period);
    snprintf(r->dataset, sizeof r->dataset, "nq06");
    size_t len = strlen(tag) > pad ? strlen(tag) : pad;
    r->prepared_by = malloc(len + 1);
    ck_assert_ptr_nonnull(r->prepared_by);
    memset(r->prepared_by, 'x', len);
    memcpy(r->prepared_by, tag, strlen(tag));
    r->prepared_by[len] = '\0';
    r->report.unit = r->unit;
    r->report.period = r->period;
    r->report.dataset = r->dataset;
    r->report.prepared_by = r->prepared_by;
    r->report.has_prepared_at = 1;
    r->report.prepared_at = 1764400000;
}

static void s_report_free(s_report *r)
{
    free(r->prepared_by);
    r->prepared_by = NULL;
}

/* What `submit` does for one report: outbox_prepare, then outbox_enqueue_many. */
static td_err s_queue_report(outbox_t *ob, const Tiendo__Report *report, int64_t at, uint64_t *seq,
                             uint64_t *queued, char *err, size_t errlen)
{
    outbox_prepared item;
    td_err e = outbox_prepare(report, &item, err, errlen);
    if (e != TD_OK)
        return e;
    e = outbox_enqueue_many(ob, &item, 1, at, seq, queued, err, errlen);
    outbox_prepared_clear(&item);
    return e;
}

/* What the sender does to read a queued report: outbox_scan from seq; the record and a
 * copy of its report in *out (free with outbox_record_clear). */
static int s_get_visit(void *ctx, const outbox_record *rec)
{
    outbox_record *out = ctx;
    *out = *rec;
    out->owned = malloc(rec->report_len > 0 ? rec->report_len : 1);
    ck_assert_ptr_nonnull(out->owned);
    memcpy(out->owned, rec->report, rec->report_len);
    out->report = out->owned;
    return 1;
}

static td_err s_get(outbox_t *ob, uint64_t seq, outbox_record *out)
{
    char err[256];
    memset(out, 0, sizeof *out);
    td_err e = outbox_scan(ob, seq, 1, s_get_visit, out, NULL, err, sizeof err);
    ck_assert_msg(e == TD_OK, "scan: %s", err);
    if (out->seq != seq) {
        outbox_record_clear(out);
        return TD_ERR_NOTFOUND;
    }
    return TD_OK;
}

/* What the sender does with a rejection: outbox_settle; returns how many moved (0 or 1). */
static size_t s_reject(outbox_t *ob, uint64_t seq, const char *reason, int64_t at)
{
    outbox_rejection rej = {seq, reason, {NULL, NULL, 0}};
    size_t moved = 0;
    char err[256];
    td_err e = outbox_settle(ob, NULL, 0, &rej, 1, at, &moved, err, sizeof err);
    ck_assert_msg(e == TD_OK, "settle: %s", err);
    return moved;
}

static uint64_t s_enqueue(outbox_t *ob, const char *unit, const char *period, const char *tag,
                          size_t pad, int64_t at)
{
    s_report r;
    s_report_init(&r, unit, period, tag, pad);
    uint64_t seq = 0;
    char err[256];
    td_err e = s_queue_report(ob, &r.report, at, &seq, NULL, err, sizeof err);
    ck_assert_msg(e == TD_OK, "enqueue: %s", err);
    s_report_free(&r);
    return seq;
}

/* The prepared_by tag of a stored report, up to the first 'x' padding. */
static void s_tag_of(const outbox_record *rec, char *tag, size_t len)
{
    Tiendo__Report *rep = tiendo__report__unpack(NULL, rec->report_len, rec->report);
    ck_assert_ptr_nonnull(rep);
    ck_assert_ptr_nonnull(rep->prepared_by);
    size_t n = strcspn(rep->prepared_by, "x");
    if (n >= len)
        n = len - 1;
    memcpy(tag, rep->prepared_by, n);
    tag[n] = '\0';
    tiendo__report__free_unpacked(rep, NULL);
}

typedef struct {
    uint64_t seqs[8192];
    char tags[8192][24];
    int64_t queued_at[8192];
    size_t n;
} s_collect;

static int s_collect_visit(void *ctx, const outbox_record *rec)
{
    s_collect *c = ctx;
    if (c->n >= 8192)
        return 1;
    c->seqs[c->n] = rec->seq;
    c->queued_at[c->n] = rec->queued_at_ms;
    s_tag_of(rec, c->tags[c->n], sizeof c->tags[c->n]);
    c->n++;
    return 0;
}

static s_collect *s_scan_all(outbox_t *ob, int dead)
{
    s_collect *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    char err[256];
    td_err e = dead ? outbox_dead_scan(ob, 0, 0, s_collect_visit, c, NULL, err, sizeof err)
                    : outbox_scan(ob, 0, 0, s_collect_visit, c, NULL, err, sizeof err);
    ck_assert_msg(e == TD_OK, "scan: %s", err);
    return c;
}

static outbox_t *s_open(size_t map)
{
    outbox_t *ob = NULL;
    char err[256];
    td_err e = outbox_open(&ob, s_dir, map, err, sizeof err);
    ck_assert_msg(e == TD_OK, "open: %s", err);
    return ob;
}

static uint64_t s_txn_id(outbox_t *ob)
{
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    return st.last_txn_id;
}

/* ---- outbox ---- */

START_TEST(test_epoch_persists_and_differs)
{
    outbox_t *ob = s_open(1 << 20);
    uint64_t epoch = outbox_epoch(ob);
    ck_assert_uint_ne(epoch, 0);
    outbox_close(&ob);
    ck_assert_ptr_null(ob);
    outbox_close(&ob); /* NULL is fine */

    ob = s_open(1 << 20);
    ck_assert_uint_eq(outbox_epoch(ob), epoch);
    outbox_close(&ob);

    /* a second, new outbox (a reinstalled office) gets another epoch */
    char other[300];
    snprintf(other, sizeof other, "%s/other/nested", s_dir);
    outbox_t *ob2 = NULL;
    char err[256];
    ck_assert_int_eq(outbox_open(&ob2, other, 1 << 20, err, sizeof err), TD_OK);
    ck_assert_uint_ne(outbox_epoch(ob2), epoch);
    ck_assert_uint_ne(outbox_epoch(ob2), 0);
    outbox_close(&ob2);
    /* created folders are private */
    struct stat st;
    ck_assert_int_eq(stat(other, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
}
END_TEST

START_TEST(test_seqs_in_order_and_persist)
{
    outbox_t *ob = s_open(1 << 20);
    for (uint64_t i = 1; i <= 20; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "r%llu", (unsigned long long) i);
        ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", tag, 0, 1000 + (int64_t) i), i);
    }
    outbox_close(&ob);

    ob = s_open(1 << 20);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 20);
    for (size_t i = 0; i < 20; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "r%zu", i + 1);
        ck_assert_uint_eq(c->seqs[i], i + 1);
        ck_assert_str_eq(c->tags[i], tag);
        ck_assert_int_eq(c->queued_at[i], 1001 + (int64_t) i);
    }
    free(c);
    /* numbering goes on after a reopen */
    uint64_t queued = 0, seq = 0;
    s_report r;
    s_report_init(&r, "79", "2026-M07", "late", 0);
    char err[256];
    ck_assert_int_eq(s_queue_report(ob, &r.report, 5000, &seq, &queued, err, sizeof err), TD_OK);
    s_report_free(&r);
    ck_assert_uint_eq(seq, 21);
    ck_assert_uint_eq(queued, 21);

    outbox_record rec;
    ck_assert_int_eq(s_get(ob, 21, &rec), TD_OK);
    ck_assert_str_eq(rec.unit, "79");
    ck_assert_str_eq(rec.period, "2026-M07");
    ck_assert_str_eq(rec.dataset, "nq06");
    ck_assert_int_eq(rec.queued_at_ms, 5000);
    outbox_record_clear(&rec);
    ck_assert_int_eq(s_get(ob, 99, &rec), TD_ERR_NOTFOUND);

    /* scan from a seq, with a limit */
    s_collect *part = calloc(1, sizeof *part);
    size_t visited = 0;
    ck_assert_int_eq(outbox_scan(ob, 15, 3, s_collect_visit, part, &visited, err, sizeof err),
                     TD_OK);
    ck_assert_uint_eq(visited, 3);
    ck_assert_uint_eq(part->seqs[0], 15);
    ck_assert_uint_eq(part->seqs[2], 17);
    free(part);
    outbox_close(&ob);
}
END_TEST

START_TEST(test_remove_set)
{
    outbox_t *ob = s_open(1 << 20);
    for (int i = 0; i < 8; i++)
        s_enqueue(ob, "01", "2026-Q4", "r", 0, 1000);
    uint64_t gone[] = {2, 4, 5, 8, 42};
    size_t removed = 0;
    char err[256];
    ck_assert_int_eq(outbox_settle(ob, gone, 5, NULL, 0, 0, &removed, err, sizeof err), TD_OK);
    ck_assert_uint_eq(removed, 4); /* 42 never existed */
    s_collect *c = s_scan_all(ob, 0);
    uint64_t expect[] = {1, 3, 6, 7};
    ck_assert_uint_eq(c->n, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(c->seqs[i], expect[i]);
    free(c);
    /* removing again changes nothing */
    ck_assert_int_eq(outbox_settle(ob, gone, 5, NULL, 0, 0, &removed, err, sizeof err), TD_OK);
    ck_assert_uint_eq(removed, 0);
    /* removal does not reuse numbers */
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "r", 0, 1000), 9);
    outbox_close(&ob);
}
END_TEST

START_TEST(test_dead_letters)
{
    outbox_t *ob = s_open(1 << 20);
    s_enqueue(ob, "01", "2026-Q4", "first", 100, 1000);
    s_enqueue(ob, "79", "2026-Q4", "second", 100, 2000);
    s_enqueue(ob, "48", "2026-H2", "third", 100, 3000);
    char err[256];
    outbox_record before;
    ck_assert_int_eq(s_get(ob, 2, &before), TD_OK);

    ck_assert_uint_eq(s_reject(ob, 2, "task_groups[2].progress: must be 0..100", 7000), 1);
    ck_assert_uint_eq(s_reject(ob, 2, "again", 7000), 0); /* settled once: the first stands */
    outbox_record dead;
    ck_assert_int_eq(s_get(ob, 2, &dead), TD_ERR_NOTFOUND);
    ck_assert_int_eq(outbox_dead_get(ob, 2, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, "task_groups[2].progress: must be 0..100");
    ck_assert_int_eq(dead.rejected_at_ms, 7000);
    ck_assert_int_eq(dead.queued_at_ms, 2000);
    ck_assert_str_eq(dead.unit, "79");
    ck_assert_uint_eq(dead.report_len, before.report_len);
    ck_assert_mem_eq(dead.report, before.report, before.report_len);
    outbox_record_clear(&dead);

    /* settle: one transaction for a delivery and a rejection */
    outbox_rejection rej = {3, "unit 48 is not yours", {NULL, NULL, 0}};
    uint64_t ok = 1;
    size_t changed = 0;
    ck_assert_int_eq(outbox_settle(ob, &ok, 1, &rej, 1, 8000, &changed, err, sizeof err), TD_OK);
    ck_assert_uint_eq(changed, 2);
    s_collect *c = s_scan_all(ob, 1);
    ck_assert_uint_eq(c->n, 2);
    ck_assert_uint_eq(c->seqs[0], 2);
    ck_assert_uint_eq(c->seqs[1], 3);
    ck_assert_str_eq(c->tags[1], "third");
    free(c);

    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(st.dead, 2);

    /* resubmit: a NEW seq, the same content, out of the dead letters */
    uint64_t new_seq = 0, queued = 0;
    ck_assert_int_eq(outbox_dead_resubmit(ob, 2, 9000, &new_seq, &queued, err, sizeof err), TD_OK);
    ck_assert_uint_eq(new_seq, 4);
    ck_assert_uint_eq(queued, 1);
    outbox_record again;
    ck_assert_int_eq(s_get(ob, 4, &again), TD_OK);
    ck_assert_uint_eq(again.report_len, before.report_len);
    ck_assert_mem_eq(again.report, before.report, before.report_len);
    ck_assert_str_eq(again.unit, "79");
    ck_assert_int_eq(again.queued_at_ms, 9000);
    ck_assert_str_eq(again.reason, "");
    outbox_record_clear(&again);
    outbox_record_clear(&before);
    ck_assert_int_eq(outbox_dead_get(ob, 2, &dead, err, sizeof err), TD_ERR_NOTFOUND);
    ck_assert_int_eq(outbox_dead_resubmit(ob, 2, 9000, &new_seq, NULL, err, sizeof err),
                     TD_ERR_NOTFOUND);

    /* discard */
    ck_assert_int_eq(outbox_dead_discard(ob, 3, err, sizeof err), TD_OK);
    ck_assert_int_eq(outbox_dead_discard(ob, 3, err, sizeof err), TD_ERR_NOTFOUND);
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.dead, 0);
    ck_assert_uint_eq(st.queued, 1);
    ck_assert_uint_eq(st.next_seq, 5);

    /* a long reason is cut, not refused, and stays valid UTF-8 */
    char *longreason = malloc(3000);
    for (int i = 0; i < 999; i++)
        memcpy(longreason + 3 * i, "\xe1\xba\xbf", 3); /* "ế" */
    longreason[2997] = '\0';
    ck_assert_uint_eq(s_reject(ob, 4, longreason, 9500), 1);
    ck_assert_int_eq(outbox_dead_get(ob, 4, &dead, err, sizeof err), TD_OK);
    ck_assert_uint_le(strlen(dead.reason), OUTBOX_REASON_MAX - 1);
    ck_assert_uint_eq(strlen(dead.reason) % 3, 0);
    outbox_record_clear(&dead);
    free(longreason);
    outbox_close(&ob);
}
END_TEST

/* A rejection with its reason in parts (docs/protocol.md, "Reasons"): the dead letter keeps
 * the English text, the format and the arguments, shows them in the reader's language, and
 * a dead letter written before the parts existed (format 1) still reads, in English. */
START_TEST(test_dead_letter_reason_parts)
{
    outbox_t *ob = s_open(1 << 20);
    for (int i = 0; i < 4; i++)
        s_enqueue(ob, "01", "2026-Q4", "r", 100, 1000 + i);
    char err[256], text[OUTBOX_REASON_MAX];
    const char *args[] = {"2", "3"};
    outbox_rejection rej = {
        1,
        "task_groups[2].progress: must be a number from 0 to 100",
        {"task_groups[%s%.0s].progress: must be a number from 0 to 100", args, 2}};
    ck_assert_int_eq(outbox_settle(ob, NULL, 0, &rej, 1, 5000, NULL, err, sizeof err), TD_OK);
    outbox_record dead;
    ck_assert_int_eq(outbox_dead_get(ob, 1, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, rej.reason);
    ck_assert_str_eq(dead.reason_format, rej.parts.format);
    ck_assert_uint_eq(dead.reason_nargs, 2);
    ck_assert_str_eq(dead.reason_args[1], "3");
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), rej.reason);
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text),
                     "nhóm nhiệm vụ 3: tiến độ (progress) phải là một số từ 0 đến 100");
    outbox_record_clear(&dead);

    /* no parts: format 1, as before; a code this agent does not know: the English text */
    const char *one[] = {"x"};
    outbox_rejection plain = {2, "unit 79 is outside this agent's scope", {NULL, NULL, 0}};
    outbox_rejection unknown = {3, "a newer collector's reason", {"a newer %s reason", one, 1}};
    ck_assert_int_eq(outbox_settle(ob, NULL, 0, &plain, 1, 5001, NULL, err, sizeof err), TD_OK);
    ck_assert_int_eq(outbox_settle(ob, NULL, 0, &unknown, 1, 5002, NULL, err, sizeof err), TD_OK);
    ck_assert_int_eq(outbox_dead_get(ob, 2, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason_format, "");
    ck_assert_uint_eq(dead.reason_nargs, 0);
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), plain.reason);
    outbox_record_clear(&dead);
    ck_assert_int_eq(outbox_dead_get(ob, 3, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), "a newer x reason");
    outbox_record_clear(&dead);
    td_i18n_init(TD_LANG_EN);

    /* a format too long to keep whole is dropped with its arguments; arguments are cut */
    char *big = malloc(OUTBOX_REASON_MAX + 10);
    memset(big, 'f', OUTBOX_REASON_MAX + 9);
    big[OUTBOX_REASON_MAX + 9] = '\0';
    char longarg[400];
    memset(longarg, 'a', sizeof longarg - 1);
    longarg[sizeof longarg - 1] = '\0';
    const char *cut[] = {longarg};
    outbox_rejection toolong = {4, "english", {big, cut, 1}};
    ck_assert_int_eq(outbox_settle(ob, NULL, 0, &toolong, 1, 5003, NULL, err, sizeof err), TD_OK);
    ck_assert_int_eq(outbox_dead_get(ob, 4, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason_format, "");
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), "english");
    outbox_record_clear(&dead);
    free(big);

    /* resubmitting a dead letter with parts queues the report unchanged */
    outbox_record before;
    uint64_t new_seq = 0;
    ck_assert_int_eq(outbox_dead_resubmit(ob, 1, 6000, &new_seq, NULL, err, sizeof err), TD_OK);
    ck_assert_int_eq(s_get(ob, new_seq, &before), TD_OK);
    ck_assert_str_eq(before.unit, "01");
    ck_assert_str_eq(before.reason_format, "");
    outbox_record_clear(&before);
    outbox_close(&ob);

    /* the byte layouts: format 2 round trip, an argument cut to its bound, format 1 by
     * hand as an older agent wrote it, malformed headers refused */
    uint8_t queued[64];
    record_view v = {7,
                     (const uint8_t *) "01",
                     (const uint8_t *) "nq06",
                     (const uint8_t *) "2026-Q4",
                     2,
                     4,
                     7,
                     NULL,
                     0};
    size_t qlen = record_size(&v);
    record_write(queued, &v);
    record_reason why;
    memset(&why, 0, sizeof why);
    why.reason = (const uint8_t *) "E";
    why.reason_len = 1;
    why.format = (const uint8_t *) "F %s";
    why.format_len = 4;
    why.nargs = 1;
    why.args[0] = (const uint8_t *) longarg;
    why.arg_lens[0] = 300;
    uint8_t buf[1024];
    size_t dlen = record_dead_size(&why, qlen);
    ck_assert_uint_le(dlen, sizeof buf);
    record_dead_write(buf, 42, &why, queued, qlen);
    ck_assert_uint_eq(buf[0], RECORD_DEAD_PARTS);
    ck_assert_int_eq(record_read_dead(9, buf, dlen, &dead), 0);
    ck_assert_int_eq(dead.rejected_at_ms, 42);
    ck_assert_str_eq(dead.reason, "E");
    ck_assert_str_eq(dead.reason_format, "F %s");
    ck_assert_uint_eq(strlen(dead.reason_args[0]), OUTBOX_REASON_ARG_MAX - 1);
    ck_assert_str_eq(dead.period, "2026-Q4");
    for (size_t n = RECORD_DEAD_FIXED; n < dlen - qlen; n++)
        ck_assert_int_eq(record_dead_parse(buf, n, &(record_dead_view){0}), -1);
    uint8_t bad[1024];
    memcpy(bad, buf, dlen);
    bad[RECORD_DEAD_FIXED + 1 + 2 + 4] = RECORD_REASON_ARGS + 1; /* nargs */
    ck_assert_int_eq(record_dead_parse(bad, dlen, &(record_dead_view){0}), -1);

    uint8_t old[128] = {1, 0, 0, 0, 0, 0, 0, 0, 99, 0, 3, 'o', 'l', 'd'};
    memcpy(old + 14, queued, qlen);
    ck_assert_int_eq(record_read_dead(5, old, 14 + qlen, &dead), 0);
    ck_assert_str_eq(dead.reason, "old");
    ck_assert_str_eq(dead.reason_format, "");
    ck_assert_int_eq(dead.rejected_at_ms, 99);
    ck_assert_str_eq(dead.unit, "01");
    memset(&why, 0, sizeof why);
    why.reason = (const uint8_t *) "old";
    why.reason_len = 3;
    ck_assert_uint_eq(record_dead_size(&why, qlen), 14 + qlen);
    record_dead_write(buf, 99, &why, queued, qlen); /* no parts: written as format 1 */
    ck_assert_mem_eq(buf, old, 14 + qlen);
    old[0] = 3; /* a format this agent does not know */
    ck_assert_int_eq(record_read_dead(5, old, 14 + qlen, &dead), -1);
}
END_TEST

START_TEST(test_counts_and_oldest)
{
    outbox_t *ob = s_open(1 << 20);
    char err[256];
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(st.dead, 0);
    ck_assert_uint_eq(st.next_seq, 1);
    ck_assert_uint_eq(st.oldest_seq, 0);
    ck_assert_int_eq(st.oldest_queued_at_ms, 0);
    ck_assert_uint_eq(st.epoch, outbox_epoch(ob));

    s_enqueue(ob, "01", "2026-Q4", "a", 0, 1000);
    s_enqueue(ob, "01", "2026-Q4", "b", 0, 2500);
    s_enqueue(ob, "01", "2026-Q4", "c", 0, 4000);
    ck_assert_uint_eq(s_reject(ob, 3, "bad", 5000), 1);
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 2);
    ck_assert_uint_eq(st.dead, 1);
    ck_assert_uint_eq(st.next_seq, 4);
    ck_assert_uint_eq(st.oldest_seq, 1);
    ck_assert_int_eq(st.oldest_queued_at_ms, 1000);

    uint64_t one = 1;
    ck_assert_int_eq(outbox_settle(ob, &one, 1, NULL, 0, 0, NULL, err, sizeof err), TD_OK);
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 1);
    ck_assert_uint_eq(st.oldest_seq, 2);
    ck_assert_int_eq(st.oldest_queued_at_ms, 2500);
    outbox_close(&ob);
}
END_TEST

START_TEST(test_refuses_bad_reports)
{
    outbox_t *ob = s_open(1 << 20);
    char err[256];
    s_report r;
    s_report_init(&r, "01", "2026-Q4", "huge", OUTBOX_MAX_REPORT + 10);
    ck_assert_int_eq(s_queue_report(ob, &r.report, 1, NULL, NULL, err, sizeof err), TD_ERR_TOOBIG);
    s_report_free(&r);
    s_report_init(&r, "", "2026-Q4", "nounit", 0);
    ck_assert_int_eq(s_queue_report(ob, &r.report, 1, NULL, NULL, err, sizeof err), TD_ERR_INVALID);
    s_report_free(&r);
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(st.next_seq, 1); /* no number was used up */
    outbox_close(&ob);

    /* a path that is a file, not a folder */
    char file[300];
    snprintf(file, sizeof file, "%s/plainfile", s_dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_ne(outbox_open(&ob, file, 1 << 20, err, sizeof err), TD_OK);
    ck_assert_ptr_null(ob);
    ck_assert_ptr_nonnull(strstr(err, "plainfile"));
}
END_TEST

START_TEST(test_tiny_map_grows)
{
    outbox_t *ob = s_open(1 << 20);
    char err[256];
    for (int i = 1; i <= 5000; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "n%d", i);
        ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", tag, 500, i), (uint64_t) i);
    }
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 5000);
    ck_assert_uint_gt(st.map_bytes, (size_t) 1 << 20);
    outbox_close(&ob);

    /* everything is there after a reopen, in order, with its content */
    ob = s_open(1 << 20);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 5000);
    for (size_t i = 0; i < 5000; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "n%zu", i + 1);
        ck_assert_uint_eq(c->seqs[i], i + 1);
        ck_assert_str_eq(c->tags[i], tag);
    }
    free(c);
    outbox_close(&ob);
}
END_TEST

/* A child queues reports and tells the parent each seq it saw committed; the parent
 * kills it with SIGKILL mid-stream. Every committed report must survive. (kill -9 does
 * not test power loss: the page cache survives.) */
START_TEST(test_killed_writer_loses_nothing_committed)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        outbox_t *ob = NULL;
        char err[256];
        if (outbox_open(&ob, s_dir, 1 << 20, err, sizeof err) != TD_OK)
            _exit(3);
        for (int i = 1;; i++) {
            s_report r;
            char tag[16];
            snprintf(tag, sizeof tag, "k%d", i);
            s_report_init(&r, "01", "2026-Q4", tag, 300);
            uint64_t seq = 0;
            if (s_queue_report(ob, &r.report, i, &seq, NULL, err, sizeof err) != TD_OK)
                _exit(4);
            s_report_free(&r);
            if (write(fds[1], &seq, sizeof seq) != (ssize_t) sizeof seq)
                _exit(5);
        }
    }
    close(fds[1]);
    uint64_t committed[400];
    size_t n = 0;
    while (n < 400) {
        ssize_t got = read(fds[0], &committed[n], sizeof committed[n]);
        ck_assert_int_eq(got, (ssize_t) sizeof committed[n]);
        n++;
    }
    kill(pid, SIGKILL);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
    close(fds[0]);

    outbox_t *ob = s_open(1 << 20);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_ge(c->n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(committed[i], i + 1);
        ck_assert_uint_eq(c->seqs[i], i + 1);
        char tag[16];
        snprintf(tag, sizeof tag, "k%zu", i + 1);
        ck_assert_str_eq(c->tags[i], tag);
    }
    /* no gap and no reused number after the crash */
    for (size_t i = 0; i < c->n; i++)
        ck_assert_uint_eq(c->seqs[i], i + 1);
    uint64_t next = s_enqueue(ob, "01", "2026-Q4", "after", 0, 1);
    ck_assert_uint_eq(next, c->n + 1);
    free(c);
    outbox_close(&ob);
}
END_TEST

/* submit runs in other processes while run works: numbers stay unique and dense. */
START_TEST(test_two_processes_share_the_outbox)
{
    pid_t pids[2];
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            outbox_t *ob = NULL;
            char err[256];
            if (outbox_open(&ob, s_dir, 1 << 20, err, sizeof err) != TD_OK)
                _exit(3);
            for (int i = 0; i < 300; i++) {
                s_report r;
                s_report_init(&r, p == 0 ? "01" : "79", "2026-Q4", "c", 200);
                if (s_queue_report(ob, &r.report, i, NULL, NULL, err, sizeof err) != TD_OK)
                    _exit(4);
                s_report_free(&r);
            }
            outbox_close(&ob);
            _exit(0);
        }
    }
    for (int p = 0; p < 2; p++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
    }
    outbox_t *ob = s_open(1 << 20);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 600);
    for (size_t i = 0; i < 600; i++)
        ck_assert_uint_eq(c->seqs[i], i + 1);
    free(c);
    outbox_close(&ob);
}
END_TEST

/* run keeps its outbox open while submit (another process) grows the map: run must
 * adopt the new size (MDB_MAP_RESIZED) and see every report. */
START_TEST(test_map_grown_by_another_process)
{
    outbox_t *ob = s_open(1 << 20);
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "first", 0, 1), 1);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* a fresh environment in the child; the inherited one is never touched */
        outbox_t *mine = NULL;
        char err[256];
        if (outbox_open(&mine, s_dir, 1 << 20, err, sizeof err) != TD_OK)
            _exit(3);
        for (int i = 0; i < 3000; i++) {
            s_report r;
            s_report_init(&r, "79", "2026-Q4", "grow", 600);
            if (s_queue_report(mine, &r.report, i, NULL, NULL, err, sizeof err) != TD_OK)
                _exit(4);
            s_report_free(&r);
        }
        _exit(0);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);

    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 3001);
    ck_assert_uint_eq(c->seqs[3000], 3001);
    free(c);
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_gt(st.map_bytes, (size_t) 1 << 20);
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "last", 0, 2), 3002);
    uint64_t gone[] = {1, 3002};
    size_t removed = 0;
    ck_assert_int_eq(outbox_settle(ob, gone, 2, NULL, 0, 0, &removed, err, sizeof err), TD_OK);
    ck_assert_uint_eq(removed, 2);
    outbox_close(&ob);
}
END_TEST

/* ---- batches (submit FILE...) ---- */

static void s_prepare(outbox_prepared *p, const char *unit, const char *period, const char *tag,
                      size_t pad)
{
    s_report r;
    s_report_init(&r, unit, period, tag, pad);
    char err[256];
    td_err e = outbox_prepare(&r.report, p, err, sizeof err);
    ck_assert_msg(e == TD_OK, "prepare: %s", err);
    ck_assert_uint_eq(p->report_len, tiendo__report__get_packed_size(&r.report));
    s_report_free(&r);
}

static void s_prepared_free(outbox_prepared *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        outbox_prepared_clear(&items[i]);
    free(items);
}

START_TEST(test_enqueue_many_in_order)
{
    outbox_t *ob = s_open(1 << 20);
    char err[256];
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "single", 0, 100), 1);
    outbox_prepared *items = calloc(5, sizeof *items);
    for (size_t i = 0; i < 5; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "m%zu", i);
        s_prepare(&items[i], i % 2 ? "79" : "01", "2026-M07", tag, 50);
    }
    uint64_t before = s_txn_id(ob);
    uint64_t first = 0, queued = 0;
    ck_assert_int_eq(outbox_enqueue_many(ob, items, 5, 4242, &first, &queued, err, sizeof err),
                     TD_OK);
    ck_assert_uint_eq(s_txn_id(ob), before + 1); /* one transaction for the batch */
    ck_assert_uint_eq(first, 2);
    ck_assert_uint_eq(queued, 6);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 6);
    ck_assert_str_eq(c->tags[0], "single");
    ck_assert_int_eq(c->queued_at[0], 100);
    for (size_t i = 0; i < 5; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "m%zu", i);
        ck_assert_uint_eq(c->seqs[i + 1], 2 + i);
        ck_assert_str_eq(c->tags[i + 1], tag);
        ck_assert_int_eq(c->queued_at[i + 1], 4242);
    }
    free(c);
    outbox_record rec;
    ck_assert_int_eq(s_get(ob, 3, &rec), TD_OK);
    ck_assert_str_eq(rec.unit, "79");
    ck_assert_str_eq(rec.period, "2026-M07");
    ck_assert_str_eq(rec.dataset, "nq06");
    ck_assert_uint_eq(rec.report_len, items[1].report_len);
    outbox_record_clear(&rec);

    /* the prepared items are not used up: the same batch again gets the next numbers */
    ck_assert_int_eq(outbox_enqueue_many(ob, items, 5, 5000, &first, &queued, err, sizeof err),
                     TD_OK);
    ck_assert_uint_eq(first, 7);
    ck_assert_uint_eq(queued, 11);
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "after", 0, 1), 12);

    /* nothing to do: nothing written */
    before = s_txn_id(ob);
    ck_assert_int_eq(outbox_enqueue_many(ob, items, 0, 1, &first, &queued, err, sizeof err), TD_OK);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(s_txn_id(ob), before);

    /* one item not prepared: nothing of the batch is queued, no number used up */
    outbox_prepared_clear(&items[3]);
    ck_assert_int_eq(outbox_enqueue_many(ob, items, 5, 1, &first, &queued, err, sizeof err),
                     TD_ERR_INVALID);
    ck_assert_uint_eq(s_txn_id(ob), before);
    /* too many at once */
    ck_assert_int_eq(
        outbox_enqueue_many(ob, items, OUTBOX_MAX_BATCH + 1, 1, &first, &queued, err, sizeof err),
        TD_ERR_TOOBIG);
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 12);
    ck_assert_uint_eq(st.next_seq, 13);
    s_prepared_free(items, 5);

    /* outbox_prepare refuses what cannot be queued, and leaves nothing to free */
    s_report r;
    outbox_prepared p;
    s_report_init(&r, "01", "2026-Q4", "huge", OUTBOX_MAX_REPORT + 10);
    ck_assert_int_eq(outbox_prepare(&r.report, &p, err, sizeof err), TD_ERR_TOOBIG);
    ck_assert_ptr_null(p.record);
    s_report_free(&r);
    s_report_init(&r, "01", "", "noperiod", 0);
    ck_assert_int_eq(outbox_prepare(&r.report, &p, err, sizeof err), TD_ERR_INVALID);
    s_report_free(&r);
    outbox_prepared_clear(&p);
    outbox_prepared_clear(NULL);
    outbox_close(&ob);
}
END_TEST

/* A batch bigger than the map: the transaction is aborted, the map grows and the WHOLE
 * batch is written again, once, in order. */
START_TEST(test_enqueue_many_grows_the_map)
{
    outbox_t *ob = s_open(1 << 20);
    char err[256];
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "before", 0, 1), 1);
    const size_t n = 6000;
    outbox_prepared *items = calloc(n, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "g%zu", i + 1);
        s_prepare(&items[i], "01", "2026-Q4", tag, 500);
    }
    uint64_t first = 0, queued = 0;
    ck_assert_int_eq(outbox_enqueue_many(ob, items, n, 99, &first, &queued, err, sizeof err),
                     TD_OK);
    s_prepared_free(items, n);
    ck_assert_uint_eq(first, 2);
    ck_assert_uint_eq(queued, n + 1);
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_ge(st.map_bytes, (size_t) 4 << 20); /* 6000 x 550 bytes did not fit 1 MiB */
    ck_assert_uint_eq(st.next_seq, n + 2);
    outbox_close(&ob);

    ob = s_open(1 << 20);
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, n + 1);
    ck_assert_str_eq(c->tags[0], "before");
    for (size_t i = 0; i < n; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "g%zu", i + 1);
        ck_assert_uint_eq(c->seqs[i + 1], i + 2);
        ck_assert_str_eq(c->tags[i + 1], tag);
        ck_assert_int_eq(c->queued_at[i + 1], 99);
    }
    free(c);
    ck_assert_uint_eq(s_enqueue(ob, "01", "2026-Q4", "after", 0, 1), n + 2);
    outbox_close(&ob);
}
END_TEST

/* A process killed while it queues a batch leaves all of it or none of it. Round 0 lets
 * the child finish and times its enqueue; later rounds kill it at fractions of that. */
static int64_t s_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

START_TEST(test_enqueue_many_all_or_nothing)
{
    const size_t n = 10000;
    const double fractions[] = {-1, 0.1, 0.3, 0.6, 0.9};
    int64_t duration_us = 0;
    int saw_none = 0;
    for (size_t round = 0; round < sizeof fractions / sizeof fractions[0]; round++) {
        s_remove_tree(s_dir);
        ck_assert_int_eq(mkdir(s_dir, 0700), 0);
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            outbox_t *ob = NULL;
            char err[256];
            if (outbox_open(&ob, s_dir, 1 << 20, err, sizeof err) != TD_OK)
                _exit(3);
            outbox_prepared *items = calloc(n, sizeof *items);
            for (size_t i = 0; i < n; i++) {
                s_report r;
                s_report_init(&r, "01", "2026-Q4", "k", 400);
                if (outbox_prepare(&r.report, &items[i], err, sizeof err) != TD_OK)
                    _exit(4);
                s_report_free(&r);
            }
            char go = 'g';
            if (write(fds[1], &go, 1) != 1)
                _exit(5);
            if (outbox_enqueue_many(ob, items, n, 1, NULL, NULL, err, sizeof err) != TD_OK)
                _exit(6);
            go = 'd';
            if (write(fds[1], &go, 1) != 1)
                _exit(7);
            _exit(0);
        }
        close(fds[1]);
        char go = 0;
        ck_assert_int_eq(read(fds[0], &go, 1), 1);
        int64_t start = s_mono_us();
        if (fractions[round] < 0) {
            ck_assert_int_eq(read(fds[0], &go, 1), 1);
            ck_assert_int_eq(go, 'd');
            duration_us = s_mono_us() - start;
        } else {
            usleep((useconds_t) ((double) duration_us * fractions[round]));
            kill(pid, SIGKILL);
        }
        close(fds[0]);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
                      "child failed with status %d", status);

        outbox_t *ob = s_open(1 << 20);
        outbox_stats st;
        char err[256];
        ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
        ck_assert_msg(st.queued == 0 || st.queued == n, "round %zu: %llu of %zu queued", round,
                      (unsigned long long) st.queued, n);
        if (fractions[round] < 0)
            ck_assert_uint_eq(st.queued, n);
        ck_assert_uint_eq(st.next_seq, st.queued + 1);
        saw_none |= st.queued == 0;
        outbox_close(&ob);
    }
    /* at least one kill landed inside the transaction */
    ck_assert_msg(saw_none, "no kill landed before the commit (enqueue took %lld us)",
                  (long long) duration_us);
}
END_TEST

/* ---- the sender's window ---- */

static window_t *s_window(size_t cap)
{
    window_params p = {cap, 5000, 60000, 100};
    window_t *w = NULL;
    ck_assert_int_eq(window_create(&w, &p), TD_OK);
    return w;
}

static void s_push_range(window_t *w, uint64_t from, uint64_t to)
{
    for (uint64_t s = from; s <= to; s++)
        ck_assert_int_eq(window_push(w, s, "01", "2026-Q4"), TD_OK);
}

/* Send everything the window allows at `now`; returns the seqs sent in order. */
static size_t s_send_all(window_t *w, int64_t now, uint64_t *sent, size_t cap)
{
    size_t n = 0;
    uint64_t seq;
    while (n < cap && window_next(w, now, &seq)) {
        sent[n++] = seq;
        window_sent(w, now);
    }
    return n;
}

START_TEST(test_window_acks_remove_in_order)
{
    window_t *w = s_window(4);
    s_push_range(w, 1, 6 - 2); /* capacity 4 */
    ck_assert_int_eq(window_push(w, 5, "01", "2026-Q4"), TD_ERR_TOOBIG);
    ck_assert_int_eq(window_push(w, 3, "01", "2026-Q4"), TD_ERR_INVALID);
    ck_assert_uint_eq(window_room(w), 0);
    uint64_t sent[16];
    ck_assert_uint_eq(s_send_all(w, 0, sent, 16), 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(sent[i], i + 1);
    ck_assert_uint_eq(window_in_flight(w), 4);

    window_settled out[4];
    size_t n = window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 1, 10, out, 4);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 1);
    ck_assert_int_eq(out[0].rejected, 0);
    ck_assert_str_eq(out[0].unit, "01");
    ck_assert_uint_eq(window_room(w), 1);
    ck_assert_uint_eq(window_next_load(w), 5);

    /* a DUPLICATE is as good as OK; an OK for 4 settles 4 only, never 3 */
    n = window_ack(w, 2, TIENDO__ACK_STATUS__ACK_DUPLICATE, 2, 11, out, 4);
    ck_assert_uint_eq(n, 1);
    n = window_ack(w, 4, TIENDO__ACK_STATUS__ACK_OK, 4, 12, out, 4);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 4);
    ck_assert_uint_eq(window_first_seq(w), 3);
    ck_assert_uint_eq(window_count(w), 2);
    ck_assert_uint_eq(window_unsettled(w), 1);
    n = window_ack(w, 3, TIENDO__ACK_STATUS__ACK_OK, 4, 12, out, 4);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 3);
    ck_assert_uint_eq(window_count(w), 0);
    ck_assert_uint_eq(window_in_flight(w), 0);
    /* a late ack of something settled changes nothing */
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 13, out, 4), 0);

    /* new reports keep flowing in after the window drained */
    s_push_range(w, 5, 6);
    ck_assert_uint_eq(s_send_all(w, 20, sent, 16), 2);
    ck_assert_uint_eq(sent[0], 5);
    window_destroy(&w);
    ck_assert_ptr_null(w);
}
END_TEST

START_TEST(test_window_rejected_and_heartbeat_high_water)
{
    window_t *w = s_window(8);
    s_push_range(w, 1, 5);
    uint64_t sent[8];
    s_send_all(w, 0, sent, 8);
    window_settled out[8];
    /* a REJECTED for 2 settles 2 as rejected and nothing else: 1 may have been
     * rejected too */
    size_t n = window_ack(w, 2, TIENDO__ACK_STATUS__ACK_REJECTED, 2, 5, out, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 2);
    ck_assert_int_eq(out[0].rejected, 1);
    ck_assert_uint_eq(window_first_seq(w), 1);
    n = window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 2, 5, out, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 1);
    ck_assert_int_eq(out[0].rejected, 0);
    /* a heartbeat ack (seq 0) settles nothing, whatever its high water: 3 and 4 may have
     * been rejected, and only a resend brings back the reason */
    ck_assert_uint_eq(window_ack(w, 0, TIENDO__ACK_STATUS__ACK_OK, 4, 6, out, 8), 0);
    ck_assert_uint_eq(window_first_seq(w), 3);
    /* a REJECTED for 4 (after a lost ack for 3) settles 4 alone; 3 waits for its own */
    n = window_ack(w, 4, TIENDO__ACK_STATUS__ACK_REJECTED, 4, 7, out, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 4);
    ck_assert_int_eq(out[0].rejected, 1);
    ck_assert_uint_eq(window_first_seq(w), 3);
    ck_assert_uint_eq(window_in_flight(w), 2); /* 3 and 5 */
    ck_assert_uint_eq(window_unsettled(w), 2);
    window_destroy(&w);
}
END_TEST

START_TEST(test_window_gap_rewinds_after_backoff)
{
    window_t *w = s_window(16);
    s_push_range(w, 1, 10);
    uint64_t sent[16];
    ck_assert_uint_eq(s_send_all(w, 0, sent, 16), 10);
    window_settled out[16];
    /* collector stored 1..3, lost 4: RETRY_LATER for 5 with high water 3 */
    window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 1, 5, out, 16);
    window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 5, out, 16);
    window_ack(w, 3, TIENDO__ACK_STATUS__ACK_OK, 3, 5, out, 16);
    size_t n = window_ack(w, 5, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 3, 10, out, 16);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(window_in_flight(w), 0);
    ck_assert_uint_eq(window_first_seq(w), 4);
    /* the rest of the abandoned pass answers RETRY_LATER too: no second rewind */
    for (uint64_t s = 6; s <= 10; s++)
        ck_assert_uint_eq(window_ack(w, s, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 3, 11, out, 16), 0);
    uint64_t seq = 0;
    ck_assert_int_eq(window_next(w, 50, &seq), 0); /* holding for the backoff */
    ck_assert_int_eq(window_deadline(w, 50), 110);
    ck_assert_int_eq(window_next(w, 110, &seq), 1);
    /* resend from high water + 1, in order */
    ck_assert_uint_eq(s_send_all(w, 110, sent, 16), 7);
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(sent[i], 4 + i);
    /* a second RETRY_LATER doubles the hold */
    window_ack(w, 4, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 3, 120, out, 16);
    ck_assert_int_eq(window_deadline(w, 120), 320);
    /* progress resets the backoff */
    ck_assert_uint_eq(s_send_all(w, 320, sent, 16), 7);
    ck_assert_uint_eq(window_ack(w, 4, TIENDO__ACK_STATUS__ACK_OK, 4, 330, out, 16), 1);
    window_ack(w, 6, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 4, 340, out, 16);
    ck_assert_int_eq(window_deadline(w, 340), 440);
    window_destroy(&w);
}
END_TEST

START_TEST(test_window_timeouts_back_off)
{
    window_t *w = s_window(16);
    s_push_range(w, 1, 3);
    uint64_t sent[16];
    s_send_all(w, 1000, sent, 16);
    ck_assert_int_eq(window_deadline(w, 1000), 6000);
    ck_assert_int_eq(window_check_timeout(w, 5999), 0);
    ck_assert_int_eq(window_check_timeout(w, 6000), 1);
    ck_assert_uint_eq(window_in_flight(w), 0);
    ck_assert_int_eq(window_timeout(w), 10000);
    /* go back to the oldest unacknowledged and resend all, in order */
    ck_assert_uint_eq(s_send_all(w, 6000, sent, 16), 3);
    ck_assert_uint_eq(sent[0], 1);
    int64_t now = 6000;
    int64_t expect[] = {20000, 40000, 60000, 60000};
    for (int i = 0; i < 4; i++) {
        int64_t t = window_timeout(w);
        ck_assert_int_eq(window_check_timeout(w, now + t - 1), 0);
        ck_assert_int_eq(window_check_timeout(w, now + t), 1);
        now += t;
        ck_assert_int_eq(window_timeout(w), expect[i]);
        s_send_all(w, now, sent, 16);
    }
    /* progress: base timeout, and the timer restarts from the ack */
    window_settled out[16];
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 1, now + 100, out, 16), 1);
    ck_assert_int_eq(window_timeout(w), 5000);
    ck_assert_int_eq(window_deadline(w, now + 100), now + 5100);
    /* nothing in flight: no deadline */
    window_ack(w, 3, TIENDO__ACK_STATUS__ACK_OK, 3, now + 200, out, 16);
    ck_assert_int_eq(window_deadline(w, now + 200), now + 5100); /* 2 still waits */
    window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 3, now + 200, out, 16);
    ck_assert_int_eq(window_deadline(w, now + 200), INT64_MAX);
    ck_assert_int_eq(window_check_timeout(w, now + 999999), 0);
    window_destroy(&w);
}
END_TEST

/* (a) An OK for 5 while 3 has no answer settles 5 alone: 3 stays, and the timeout goes
 * back to 3 and resends only what is still unanswered. */
START_TEST(test_window_later_ok_leaves_earlier_unsettled)
{
    window_t *w = s_window(16);
    s_push_range(w, 1, 6);
    uint64_t sent[16];
    ck_assert_uint_eq(s_send_all(w, 0, sent, 16), 6);
    window_settled out[16];
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 1, 10, out, 16), 1);
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 20, out, 16), 1);
    /* 3's answer is lost; 5's arrives */
    ck_assert_uint_eq(window_ack(w, 5, TIENDO__ACK_STATUS__ACK_OK, 5, 30, out, 16), 1);
    ck_assert_uint_eq(out[0].seq, 5);
    ck_assert_int_eq(out[0].rejected, 0);
    ck_assert_uint_eq(window_first_seq(w), 3);
    ck_assert_uint_eq(window_count(w), 4);     /* 3 4 5 6 */
    ck_assert_uint_eq(window_unsettled(w), 3); /* 3 4 6 */
    ck_assert_uint_eq(window_in_flight(w), 3);
    ck_assert_uint_eq(window_ack(w, 4, TIENDO__ACK_STATUS__ACK_DUPLICATE, 5, 40, out, 16), 1);
    ck_assert_uint_eq(out[0].seq, 4);
    ck_assert_uint_eq(window_first_seq(w), 3);
    /* later acks do not restart 3's timer: it runs from the last time the head moved (20) */
    ck_assert_int_eq(window_deadline(w, 40), 5020);
    ck_assert_int_eq(window_check_timeout(w, 5019), 0);
    ck_assert_int_eq(window_check_timeout(w, 5020), 1);
    /* go back to 3: resend 3 and 6, skip 4 and 5 (already answered) */
    ck_assert_uint_eq(s_send_all(w, 5020, sent, 16), 2);
    ck_assert_uint_eq(sent[0], 3);
    ck_assert_uint_eq(sent[1], 6);
    ck_assert_uint_eq(window_in_flight(w), 2);
    /* the resend of 3 is answered DUPLICATE: 3, 4 and 5 leave; 6 is the head */
    ck_assert_uint_eq(window_ack(w, 3, TIENDO__ACK_STATUS__ACK_DUPLICATE, 6, 5030, out, 16), 1);
    ck_assert_uint_eq(out[0].seq, 3);
    ck_assert_uint_eq(window_first_seq(w), 6);
    ck_assert_uint_eq(window_count(w), 1);
    ck_assert_uint_eq(window_room(w), 15);
    ck_assert_int_eq(window_deadline(w, 5030), 5030 + 5000);
    ck_assert_uint_eq(window_ack(w, 6, TIENDO__ACK_STATUS__ACK_OK, 6, 5040, out, 16), 1);
    ck_assert_uint_eq(window_count(w), 0);
    ck_assert_int_eq(window_deadline(w, 5040), INT64_MAX);
    window_destroy(&w);
}
END_TEST

/* (b) The collector rejected 3 and accepted 4 and 5, and 3's REJECTED was lost: the OK
 * for 5 must not pass 3 off as delivered. The REJECTED that comes back (late, or for
 * the resend) still makes 3 a rejection. */
START_TEST(test_window_rejection_after_later_ok)
{
    window_t *w = s_window(8);
    s_push_range(w, 1, 5);
    uint64_t sent[8];
    s_send_all(w, 0, sent, 8);
    window_settled out[8];
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 1, 1, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 1, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 5, TIENDO__ACK_STATUS__ACK_OK, 5, 2, out, 8), 1);
    ck_assert_uint_eq(out[0].seq, 5);
    ck_assert_uint_eq(window_ack(w, 4, TIENDO__ACK_STATUS__ACK_OK, 5, 2, out, 8), 1);
    ck_assert_uint_eq(window_first_seq(w), 3);
    ck_assert_uint_eq(window_unsettled(w), 1);
    /* timeout, resend 3 only */
    ck_assert_int_eq(window_check_timeout(w, 6000), 1);
    ck_assert_uint_eq(s_send_all(w, 6000, sent, 8), 1);
    ck_assert_uint_eq(sent[0], 3);
    /* the collector kept its reason and answers REJECTED again */
    size_t n = window_ack(w, 3, TIENDO__ACK_STATUS__ACK_REJECTED, 5, 6010, out, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 3);
    ck_assert_int_eq(out[0].rejected, 1);
    ck_assert_str_eq(out[0].unit, "01");
    ck_assert_str_eq(out[0].period, "2026-Q4");
    ck_assert_uint_eq(window_count(w), 0);

    /* the same without a resend: the late REJECTED overtakes nothing */
    s_push_range(w, 6, 8);
    s_send_all(w, 7000, sent, 8);
    ck_assert_uint_eq(window_ack(w, 8, TIENDO__ACK_STATUS__ACK_OK, 8, 7001, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 7, TIENDO__ACK_STATUS__ACK_OK, 8, 7002, out, 8), 1);
    n = window_ack(w, 6, TIENDO__ACK_STATUS__ACK_REJECTED, 8, 7003, out, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0].seq, 6);
    ck_assert_int_eq(out[0].rejected, 1);
    ck_assert_uint_eq(window_count(w), 0);
    window_destroy(&w);
}
END_TEST

/* (c) Acks that come twice, conflict with an earlier answer, or name something not in
 * the window change nothing. */
START_TEST(test_window_duplicate_acks_are_harmless)
{
    window_t *w = s_window(8);
    s_push_range(w, 1, 4);
    uint64_t sent[8];
    s_send_all(w, 0, sent, 8);
    window_settled out[8];
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 10, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_OK, 2, 11, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_DUPLICATE, 2, 11, out, 8), 0);
    /* the first answer stands */
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_REJECTED, 2, 12, out, 8), 0);
    ck_assert_uint_eq(window_count(w), 4);
    ck_assert_uint_eq(window_unsettled(w), 3);
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 2, 20, out, 8), 1);
    ck_assert_uint_eq(out[0].seq, 1);
    ck_assert_uint_eq(window_first_seq(w), 3);
    int64_t deadline = window_deadline(w, 20);
    ck_assert_int_eq(deadline, 5020);
    /* answers for slots that left, for seqs never loaded, and heartbeat acks */
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_OK, 2, 30, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 2, TIENDO__ACK_STATUS__ACK_REJECTED, 2, 30, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 99, TIENDO__ACK_STATUS__ACK_OK, 99, 30, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 0, TIENDO__ACK_STATUS__ACK_OK, 4, 30, out, 8), 0);
    /* a RETRY_LATER for an answered or unknown seq goes back nowhere */
    ck_assert_uint_eq(window_ack(w, 1, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 2, 31, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 99, TIENDO__ACK_STATUS__ACK_RETRY_LATER, 2, 31, out, 8), 0);
    ck_assert_uint_eq(window_in_flight(w), 2);
    uint64_t seq = 0;
    ck_assert_int_eq(window_next(w, 31, &seq), 0);
    /* none of it moved the head's timer */
    ck_assert_int_eq(window_deadline(w, 31), deadline);
    ck_assert_uint_eq(window_count(w), 2);
    ck_assert_uint_eq(window_ack(w, 4, TIENDO__ACK_STATUS__ACK_OK, 4, 40, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 4, TIENDO__ACK_STATUS__ACK_OK, 4, 41, out, 8), 0);
    ck_assert_uint_eq(window_ack(w, 3, TIENDO__ACK_STATUS__ACK_OK, 4, 42, out, 8), 1);
    ck_assert_uint_eq(window_ack(w, 3, TIENDO__ACK_STATUS__ACK_OK, 4, 43, out, 8), 0);
    ck_assert_uint_eq(window_count(w), 0);
    ck_assert_uint_eq(window_in_flight(w), 0);
    window_destroy(&w);
}
END_TEST

typedef struct {
    size_t delivered, rejected, calls;
    int rejections_first;
    uint64_t rejected_seqs[8];
    char reasons[8][64];
} s_settled_log;

static void s_log_settled(void *ctx, const window_settled *s, const char *reason)
{
    s_settled_log *log = ctx;
    if (s->rejected) {
        if (log->delivered > 0)
            log->rejections_first = 0;
        if (log->rejected < 8) {
            log->rejected_seqs[log->rejected] = s->seq;
            snprintf(log->reasons[log->rejected], sizeof log->reasons[0], "%s", reason);
        }
        log->rejected++;
    } else {
        ck_assert_ptr_null(reason);
        log->delivered++;
    }
    log->calls++;
}

static const char *const s_not_enrolled_args[] = {"01"};
static const outbox_reason_parts s_not_enrolled = {"unit %s: not enrolled", s_not_enrolled_args, 1};

/* (d) The answers of a round, in order or not, reach the outbox in ONE transaction:
 * deliveries removed, rejections moved to the dead letters with their reasons. */
START_TEST(test_batch_one_transaction_per_round)
{
    outbox_t *ob = s_open(1 << 20);
    for (int i = 1; i <= 50; i++)
        s_enqueue(ob, "01", "2026-Q4", "b", 100, i);
    window_t *w = s_window(64);
    s_push_range(w, 1, 50);
    uint64_t sent[64];
    ck_assert_uint_eq(s_send_all(w, 0, sent, 64), 50);
    settle_batch_t *b = NULL;
    ck_assert_int_eq(settle_batch_create(&b, 64), TD_OK);

    /* one round: 7 rejected, 13's answer lost, the rest OK, out of order at the end */
    window_settled out[1];
    for (uint64_t seq = 1; seq <= 50; seq++) {
        uint64_t s = seq <= 40 ? seq : 91 - seq; /* 41..50 answered 50..41 */
        if (s == 13)
            continue;
        Tiendo__AckStatus st =
            s == 7 ? TIENDO__ACK_STATUS__ACK_REJECTED : TIENDO__ACK_STATUS__ACK_OK;
        if (window_ack(w, s, st, s, 10, out, 1) == 1)
            ck_assert_int_eq(settle_batch_add(b, out, s == 7 ? "unit 01: not enrolled" : NULL,
                                              s == 7 ? &s_not_enrolled : NULL),
                             TD_OK);
    }
    ck_assert_uint_eq(settle_batch_count(b), 49);
    ck_assert_uint_eq(window_first_seq(w), 13);
    ck_assert_uint_eq(window_count(w), 38); /* 13..50, only 13 unanswered */
    ck_assert_uint_eq(window_unsettled(w), 1);

    uint64_t before = s_txn_id(ob);
    s_settled_log log = {0, 0, 0, 1, {0}, {{0}}};
    char err[256];
    ck_assert_int_eq(settle_batch_commit(b, ob, 777, s_log_settled, &log, err, sizeof err), TD_OK);
    ck_assert_uint_eq(s_txn_id(ob), before + 1);
    ck_assert_uint_eq(settle_batch_count(b), 0);
    ck_assert_uint_eq(log.calls, 49);
    ck_assert_uint_eq(log.delivered, 48);
    ck_assert_uint_eq(log.rejected, 1);
    ck_assert_int_eq(log.rejections_first, 1);
    ck_assert_uint_eq(log.rejected_seqs[0], 7);
    ck_assert_str_eq(log.reasons[0], "unit 01: not enrolled");
    s_collect *c = s_scan_all(ob, 0);
    ck_assert_uint_eq(c->n, 1);
    ck_assert_uint_eq(c->seqs[0], 13);
    free(c);
    outbox_record dead;
    ck_assert_int_eq(outbox_dead_get(ob, 7, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, "unit 01: not enrolled");
    ck_assert_str_eq(dead.reason_format, "unit %s: not enrolled"); /* the parts, copied */
    ck_assert_uint_eq(dead.reason_nargs, 1);
    ck_assert_str_eq(dead.reason_args[0], "01");
    ck_assert_int_eq(dead.rejected_at_ms, 777);
    outbox_record_clear(&dead);

    /* an empty round writes nothing */
    ck_assert_int_eq(settle_batch_commit(b, ob, 778, s_log_settled, &log, err, sizeof err), TD_OK);
    ck_assert_uint_eq(s_txn_id(ob), before + 1);

    /* next round: 13 times out, is resent, and its REJECTED (without a reason) comes
     * back: one more transaction, and 13 is a dead letter */
    ck_assert_int_eq(window_check_timeout(w, 5010), 1);
    ck_assert_uint_eq(s_send_all(w, 5010, sent, 64), 1);
    ck_assert_uint_eq(sent[0], 13);
    ck_assert_uint_eq(window_ack(w, 13, TIENDO__ACK_STATUS__ACK_REJECTED, 50, 5020, out, 1), 1);
    ck_assert_int_eq(settle_batch_add(b, out, NULL, NULL), TD_OK);
    /* a repeated answer adds nothing */
    ck_assert_uint_eq(window_ack(w, 13, TIENDO__ACK_STATUS__ACK_REJECTED, 50, 5021, out, 1), 0);
    ck_assert_uint_eq(settle_batch_count(b), 1);
    ck_assert_int_eq(settle_batch_commit(b, ob, 779, NULL, NULL, err, sizeof err), TD_OK);
    ck_assert_uint_eq(s_txn_id(ob), before + 2);
    ck_assert_uint_eq(window_count(w), 0);
    ck_assert_int_eq(outbox_dead_get(ob, 13, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, "rejected without a reason");
    ck_assert_str_eq(dead.reason_format, "rejected without a reason"); /* translated too */
    td_i18n_init(TD_LANG_VI);
    char text[OUTBOX_REASON_MAX];
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), "bị từ chối, không có lý do");
    td_i18n_init(TD_LANG_EN);
    outbox_record_clear(&dead);
    outbox_stats st;
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(st.dead, 2);

    /* a full batch refuses more instead of losing an answer */
    settle_batch_t *tiny = NULL;
    ck_assert_int_eq(settle_batch_create(&tiny, 1), TD_OK);
    window_settled one = {1, 0, "01", "2026-Q4"};
    ck_assert_int_eq(settle_batch_add(tiny, &one, NULL, NULL), TD_OK);
    ck_assert_int_eq(settle_batch_add(tiny, &one, NULL, NULL), TD_ERR_TOOBIG);
    settle_batch_destroy(&tiny);
    ck_assert_ptr_null(tiny);
    settle_batch_destroy(&b);
    settle_batch_destroy(&b);
    window_destroy(&w);
    outbox_close(&ob);
}
END_TEST

/* The window against a plain model, over random pushes, sends, acks (any status, any
 * seq, repeated), timeouts and reconnects: every seq is settled once, by its own ack,
 * with that ack's verdict; the head is the oldest unanswered seq; only unanswered seqs
 * are sent, in order; the in-flight count matches. */
enum { S_M_NONE, S_M_WAITING, S_M_DELIVERED, S_M_REJECTED };

static uint64_t s_rand(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

START_TEST(test_window_matches_a_model)
{
    enum { CAP = 32, MAX_SEQ = 6000 };
    static unsigned char state[MAX_SEQ + 2];
    memset(state, 0, sizeof state);
    window_t *w = s_window(CAP);
    uint64_t rng = 0x9e3779b97f4a7c15ULL, last = 0, cursor = 0;
    int64_t now = 0;
    size_t settled_total = 0;
    for (int step = 0; step < 20000; step++) {
        now += 100000; /* past every hold and timeout of earlier steps */
        uint64_t head = 0;
        for (uint64_t q = 1; q <= last && head == 0; q++)
            if (state[q] == S_M_WAITING)
                head = q;
        /* a timeout fires exactly when the head was sent in this pass */
        int fired = window_check_timeout(w, now);
        ck_assert_int_eq(fired, head != 0 && head <= cursor);
        if (fired)
            cursor = 0;
        if (s_rand(&rng) % 16 == 0) {
            window_rewind(w);
            cursor = 0;
        }
        /* load */
        size_t loads = (size_t) (s_rand(&rng) % 4);
        for (size_t k = 0; k < loads && last < MAX_SEQ; k++) {
            td_err e = window_push(w, last + 1, "01", "2026-Q4");
            if (e == TD_ERR_TOOBIG) {
                ck_assert_uint_eq(window_room(w), 0);
                break;
            }
            ck_assert_int_eq(e, TD_OK);
            state[++last] = S_M_WAITING;
        }
        /* send some of what may go: the next unanswered seq after the cursor */
        size_t sends = (size_t) (s_rand(&rng) % 6);
        for (size_t k = 0; k < sends; k++) {
            uint64_t expect = 0, seq = 0;
            for (uint64_t q = cursor + 1; q <= last && expect == 0; q++)
                if (state[q] == S_M_WAITING)
                    expect = q;
            int may = window_next(w, now, &seq);
            ck_assert_int_eq(may, expect != 0);
            if (!may)
                break;
            ck_assert_uint_eq(seq, expect);
            window_sent(w, now);
            cursor = seq;
        }
        /* answers: any status, for any seq near the window, often again */
        size_t acks = (size_t) (s_rand(&rng) % 5);
        for (size_t k = 0; k < acks; k++) {
            uint64_t near = head > 2 ? head - 2 : 1; /* around the window */
            uint64_t seq = near + s_rand(&rng) % (CAP + 4);
            static const Tiendo__AckStatus statuses[] = {
                TIENDO__ACK_STATUS__ACK_OK, TIENDO__ACK_STATUS__ACK_DUPLICATE,
                TIENDO__ACK_STATUS__ACK_REJECTED, TIENDO__ACK_STATUS__ACK_RETRY_LATER};
            Tiendo__AckStatus st = statuses[s_rand(&rng) % 4];
            window_settled out[2];
            size_t n = window_ack(w, seq, st, seq, now, out, 2);
            int waiting = seq <= last && state[seq] == S_M_WAITING;
            if (st == TIENDO__ACK_STATUS__ACK_RETRY_LATER) {
                ck_assert_uint_eq(n, 0);
                if (waiting && seq <= cursor)
                    cursor = 0; /* go back to the head, after a hold */
                continue;
            }
            ck_assert_uint_eq(n, (size_t) waiting);
            if (!waiting)
                continue;
            ck_assert_uint_eq(out[0].seq, seq);
            ck_assert_int_eq(out[0].rejected, st == TIENDO__ACK_STATUS__ACK_REJECTED);
            state[seq] = st == TIENDO__ACK_STATUS__ACK_REJECTED ? S_M_REJECTED : S_M_DELIVERED;
            settled_total++;
        }
        /* the counts */
        head = 0;
        size_t unsettled = 0, in_flight = 0;
        for (uint64_t q = 1; q <= last; q++) {
            if (state[q] != S_M_WAITING)
                continue;
            if (head == 0)
                head = q;
            unsettled++;
            in_flight += q <= cursor;
        }
        ck_assert_uint_eq(window_first_seq(w), head);
        ck_assert_uint_eq(window_count(w), head != 0 ? last - head + 1 : 0);
        ck_assert_uint_eq(window_unsettled(w), unsettled);
        ck_assert_uint_eq(window_in_flight(w), in_flight);
    }
    ck_assert_uint_gt(settled_total, 1000);
    window_destroy(&w);
}
END_TEST

START_TEST(test_envelope_bound_covers_real_envelopes)
{
    s_report r;
    s_report_init(&r, "01", "2026-Q4", "b", 1000);
    size_t bound = sender_envelope_bound(&r.report);
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.has_version = env.has_epoch = env.has_seq = env.has_sent_at_ms = 1;
    env.version = 1;
    env.epoch = 0x0123456789abcdefULL;
    env.seq = 123456789;
    env.sent_at_ms = 1764400000000;
    env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
    env.report = &r.report;
    size_t real = tiendo__envelope__get_packed_size(&env);
    size_t report = tiendo__report__get_packed_size(&r.report);
    ck_assert_uint_ge(bound, real);
    ck_assert_uint_le(bound, report + 48);
    s_report_free(&r);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("outbox");
    tcase_add_checked_fixture(tc, s_make_dir, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_epoch_persists_and_differs);
    tcase_add_test(tc, test_seqs_in_order_and_persist);
    tcase_add_test(tc, test_remove_set);
    tcase_add_test(tc, test_dead_letters);
    tcase_add_test(tc, test_dead_letter_reason_parts);
    tcase_add_test(tc, test_counts_and_oldest);
    tcase_add_test(tc, test_refuses_bad_reports);
    tcase_add_test(tc, test_tiny_map_grows);
    tcase_add_test(tc, test_killed_writer_loses_nothing_committed);
    tcase_add_test(tc, test_two_processes_share_the_outbox);
    tcase_add_test(tc, test_map_grown_by_another_process);
    tcase_add_test(tc, test_enqueue_many_in_order);
    tcase_add_test(tc, test_enqueue_many_grows_the_map);
    tcase_add_test(tc, test_enqueue_many_all_or_nothing);
    suite_add_tcase(s, tc);

    TCase *tw = tcase_create("window");
    tcase_add_checked_fixture(tw, s_make_dir, s_teardown);
    tcase_add_test(tw, test_batch_one_transaction_per_round);
    tcase_add_test(tw, test_window_acks_remove_in_order);
    tcase_add_test(tw, test_window_rejected_and_heartbeat_high_water);
    tcase_add_test(tw, test_window_gap_rewinds_after_backoff);
    tcase_add_test(tw, test_window_timeouts_back_off);
    tcase_add_test(tw, test_window_later_ok_leaves_earlier_unsettled);
    tcase_add_test(tw, test_window_rejection_after_later_ok);
    tcase_add_test(tw, test_window_duplicate_acks_are_harmless);
    tcase_add_test(tw, test_window_matches_a_model);
    tcase_add_test(tw, test_envelope_bound_covers_real_envelopes);
    suite_add_tcase(s, tw);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
