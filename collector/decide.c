/* decide.c: go-back-N dedup and the answer to each envelope (docs/protocol.md). */
#include "decide.h"

#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "report.h"
#include "utf8.h"

static int s_is_report(const Tiendo__Envelope *env)
{
    return env->body_case != TIENDO__ENVELOPE__BODY_HEARTBEAT;
}

static uint64_t s_seq(const Tiendo__Envelope *env)
{
    return env->has_seq ? env->seq : 0;
}

ingest_need ingest_needs(const ingest_facts *f)
{
    const Tiendo__Envelope *env = f->envelope;
    if (!f->enrolled || !env->has_epoch || env->epoch == 0 || !s_is_report(env))
        return INGEST_NEED_NOTHING;
    uint64_t seq = s_seq(env);
    if (seq == 0)
        return INGEST_NEED_NOTHING;
    if (seq <= f->high_water)
        return INGEST_NEED_KEPT_REASON;
    if (seq == f->high_water + 1)
        return INGEST_NEED_CONTENT_CHECK;
    return INGEST_NEED_NOTHING;
}

/* The verdict with reason (English; NULL: none) and its parts (NULL: none). */
static void s_verdict(ingest_verdict *out, ingest_step step, Tiendo__AckStatus status,
                      uint64_t high_water, ingest_reject_kind kind, const char *reason,
                      const store_reason_parts *parts)
{
    out->step = step;
    out->status = status;
    out->high_water = high_water;
    out->reject_kind = kind;
    /* cut where a character ends: a rule's reason may quote the report's text */
    size_t n = reason != NULL ? td_utf8_cut(reason, strlen(reason), sizeof out->reason - 1) : 0;
    memcpy(out->reason, reason != NULL ? reason : "", n);
    out->reason[n] = '\0';
    if (parts != NULL && out->reason[0] != '\0') {
        out->parts = *parts;
    } else {
        out->parts.format[0] = '\0';
        out->parts.nargs = 0;
    }
}

/* The verdict with a reason made here (td_reason_set: its text and parts). */
static void s_refuse(ingest_verdict *out, ingest_step step, Tiendo__AckStatus status,
                     uint64_t high_water, ingest_reject_kind kind, const td_reason *why)
{
    s_verdict(out, step, status, high_water, kind, why->text, NULL);
    store_reason_parts_set(&out->parts, why);
}

void ingest_decide(const ingest_facts *f, ingest_verdict *out)
{
    const Tiendo__Envelope *env = f->envelope;
    td_reason why;
    if (!f->enrolled) {
        /* Revoked since it connected (ZAP let it in). Nothing of it is recorded, so a
         * re-enrolled key starts where it left off. */
        td_reason_set(&why, "this agent's key is not enrolled at the collector (revoked?)");
        s_refuse(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, 0,
                 INGEST_REJECT_NOT_ENROLLED, &why);
        return;
    }
    if (!env->has_epoch || env->epoch == 0) {
        td_reason_set(&why, "envelope has no epoch");
        s_refuse(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, 0,
                 INGEST_REJECT_PROTOCOL, &why);
        return;
    }
    uint64_t hw = f->high_water;
    if (!s_is_report(env)) {
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_OK, hw, INGEST_REJECT_PROTOCOL,
                  NULL, NULL);
        return;
    }
    uint64_t seq = s_seq(env);
    if (seq == 0) {
        td_reason_set(&why, "report envelope has no seq");
        s_refuse(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, hw,
                 INGEST_REJECT_PROTOCOL, &why);
    } else if (seq <= hw) {
        /* A resend of something already decided: the same answer again, in the parts
         * kept with it. */
        if (f->kept_reason != NULL)
            s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, hw,
                      INGEST_REJECT_RESENT, f->kept_reason, f->kept_parts);
        else
            s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_DUPLICATE, hw,
                      INGEST_REJECT_PROTOCOL, NULL, NULL);
    } else if (seq > hw + 1) {
        /* %llu, not PRIu64: the format is a code on the wire, the same on every platform */
        td_reason_set(&why, "out of order: expected seq %llu", (unsigned long long) hw + 1);
        s_refuse(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_RETRY_LATER, hw,
                 INGEST_REJECT_PROTOCOL, &why);
    } else if (f->content_reason != NULL && f->content_reason[0] != '\0') {
        /* The next seq, decided for good: the mark moves either way. */
        s_verdict(out, INGEST_STEP_RECORD, TIENDO__ACK_STATUS__ACK_REJECTED, seq, f->content_kind,
                  f->content_reason, NULL);
        store_reason_parts_set(&out->parts, f->content_parts);
    } else {
        s_verdict(out, INGEST_STEP_STORE, TIENDO__ACK_STATUS__ACK_OK, seq, INGEST_REJECT_PROTOCOL,
                  NULL, NULL);
    }
}

ingest_reject_kind ingest_check_content(const Tiendo__Envelope *env, const auth_t *auth,
                                        const auth_entry *who, const td_registry_t *registry,
                                        const td_calendar_t *calendar, int64_t now_ms,
                                        td_reason *why)
{
    td_reason_clear(why);
    if (env->version != TD_PROTOCOL_VERSION) {
        td_reason_set(why, "unsupported protocol version %u (this collector speaks %d)",
                      env->version, TD_PROTOCOL_VERSION);
        return INGEST_REJECT_PROTOCOL;
    }
    if (env->body_case != TIENDO__ENVELOPE__BODY_REPORT || env->report == NULL) {
        td_reason_set(why, "envelope carries no report");
        return INGEST_REJECT_PROTOCOL;
    }
    if (td_report_check_at(env->report, registry, calendar, now_ms / 1000, why) != TD_OK) {
        if (why->text[0] == '\0')
            td_reason_set(why, "the report breaks a rule");
        return INGEST_REJECT_VALIDATION;
    }
    td_reason_clear(why);
    if (!auth_permits(auth, who, env->report->unit)) {
        td_reason_set(why, "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
                      env->report->unit, who != NULL ? who->scope_text : "",
                      who != NULL ? who->name : "");
        return INGEST_REJECT_OUT_OF_SCOPE;
    }
    return INGEST_REJECT_VALIDATION;
}

int ingest_settled_claim(const Tiendo__Envelope *env, uint64_t *first_unsettled)
{
    if (!env->has_first_unsettled || env->first_unsettled == 0)
        return 0;
    if (s_is_report(env) && (!env->has_seq || env->first_unsettled > env->seq))
        return 0; /* inconsistent: ignore the claim, decide the envelope as usual */
    *first_unsettled = env->first_unsettled;
    return 1;
}
