/* decide.c: go-back-N dedup and the answer to each envelope (docs/protocol.md). */
#include "decide.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "report.h"

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

static void s_verdict(ingest_verdict *out, ingest_step step, Tiendo__AckStatus status,
                      uint64_t high_water, ingest_reject_kind kind, const char *reason)
{
    out->step = step;
    out->status = status;
    out->high_water = high_water;
    out->reject_kind = kind;
    snprintf(out->reason, sizeof out->reason, "%s", reason != NULL ? reason : "");
}

void ingest_decide(const ingest_facts *f, ingest_verdict *out)
{
    const Tiendo__Envelope *env = f->envelope;
    if (!f->enrolled) {
        /* Revoked since it connected (ZAP let it in). Nothing of it is recorded, so a
         * re-enrolled key starts where it left off. */
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, 0,
                  INGEST_REJECT_NOT_ENROLLED,
                  "this agent's key is not enrolled at the collector (revoked?)");
        return;
    }
    if (!env->has_epoch || env->epoch == 0) {
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, 0,
                  INGEST_REJECT_PROTOCOL, "envelope has no epoch");
        return;
    }
    uint64_t hw = f->high_water;
    if (!s_is_report(env)) {
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_OK, hw, INGEST_REJECT_PROTOCOL,
                  NULL);
        return;
    }
    uint64_t seq = s_seq(env);
    if (seq == 0) {
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, hw,
                  INGEST_REJECT_PROTOCOL, "report envelope has no seq");
    } else if (seq <= hw) {
        /* A resend of something already decided: the same answer again. */
        if (f->kept_reason != NULL)
            s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_REJECTED, hw,
                      INGEST_REJECT_RESENT, f->kept_reason);
        else
            s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_DUPLICATE, hw,
                      INGEST_REJECT_PROTOCOL, NULL);
    } else if (seq > hw + 1) {
        char reason[96];
        snprintf(reason, sizeof reason, "out of order: expected seq %" PRIu64, hw + 1);
        s_verdict(out, INGEST_STEP_ANSWER, TIENDO__ACK_STATUS__ACK_RETRY_LATER, hw,
                  INGEST_REJECT_PROTOCOL, reason);
    } else if (f->content_reason != NULL && f->content_reason[0] != '\0') {
        /* The next seq, decided for good: the mark moves either way. */
        s_verdict(out, INGEST_STEP_RECORD, TIENDO__ACK_STATUS__ACK_REJECTED, seq, f->content_kind,
                  f->content_reason);
    } else {
        s_verdict(out, INGEST_STEP_STORE, TIENDO__ACK_STATUS__ACK_OK, seq, INGEST_REJECT_PROTOCOL,
                  NULL);
    }
}

ingest_reject_kind ingest_check_content(const Tiendo__Envelope *env, const auth_t *auth,
                                        const auth_entry *who, const td_registry_t *registry,
                                        const td_calendar_t *calendar, int64_t now_ms, char *reason,
                                        size_t reasonlen)
{
    reason[0] = '\0';
    if (env->version != TD_PROTOCOL_VERSION) {
        snprintf(reason, reasonlen, "unsupported protocol version %u (this collector speaks %d)",
                 env->version, TD_PROTOCOL_VERSION);
        return INGEST_REJECT_PROTOCOL;
    }
    if (env->body_case != TIENDO__ENVELOPE__BODY_REPORT || env->report == NULL) {
        snprintf(reason, reasonlen, "envelope carries no report");
        return INGEST_REJECT_PROTOCOL;
    }
    if (td_report_validate_at(env->report, registry, calendar, now_ms / 1000, reason, reasonlen) !=
        TD_OK) {
        if (reason[0] == '\0')
            snprintf(reason, reasonlen, "the report breaks a rule");
        return INGEST_REJECT_VALIDATION;
    }
    reason[0] = '\0';
    if (!auth_permits(auth, who, env->report->unit)) {
        snprintf(reason, reasonlen,
                 "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
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
