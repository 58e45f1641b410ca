/* decide.h: the ingest decision for one envelope (status, reason, high-water mark), pure. */
#ifndef TIENDO_DECIDE_H
#define TIENDO_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "calendar.h"
#include "reason.h"
#include "registry.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* The rules of docs/protocol.md ("Acknowledgements"), with no I/O: ingest.c reads the
 * delivery state from the store, asks ingest_needs what else the decision depends on,
 * looks that up, calls ingest_decide and writes what the verdict says. The agent's unit
 * test answers its scripted collector with the same function. Every function here is
 * pure and thread-safe. */

/* Why an envelope was rejected: the reason label of tiendo_collector_rejected_total. */
typedef enum {
    INGEST_REJECT_VALIDATION,   /* the report broke a rule (td_report_validate_at) */
    INGEST_REJECT_PROTOCOL,     /* no epoch or seq, no report, an unsupported version */
    INGEST_REJECT_OUT_OF_SCOPE, /* a unit outside the key's scope */
    INGEST_REJECT_NOT_ENROLLED, /* the key was revoked while connected */
    INGEST_REJECT_RESENT,       /* a resend of a seq rejected before: the same answer */
} ingest_reject_kind;

/* What the caller must write before it answers. */
typedef enum {
    INGEST_STEP_ANSWER, /* nothing: a heartbeat, a duplicate, a resend of a rejection, an
                           envelope out of order, or one refused without a record */
    INGEST_STEP_STORE,  /* store the report as the next revision, then answer OK */
    INGEST_STEP_RECORD, /* keep the rejection reason of (agent, epoch, seq), then answer */
} ingest_step;

/* What the decision depends on. */
typedef struct {
    int enrolled;                     /* the key is enrolled with the agent role */
    const Tiendo__Envelope *envelope; /* decoded (borrowed) */
    uint64_t high_water; /* delivery mark of (agent, epoch), after any restore gap; only
                            read when enrolled and the envelope has an epoch */
    /* INGEST_NEED_KEPT_REASON: the reason kept for this seq (English), NULL when it was
     * stored; and its parts (NULL, or format "": none, e.g. kept by an older collector) */
    const char *kept_reason;
    const store_reason_parts *kept_parts;
    /* INGEST_NEED_CONTENT_CHECK: why the report cannot be stored (English; NULL or "": it
     * can), the kind of that refusal, and its parts (NULL: none); ingest_check_content
     * gives all three */
    const char *content_reason;
    ingest_reject_kind content_kind;
    const td_reason *content_parts;
} ingest_facts;

typedef enum {
    INGEST_NEED_NOTHING,
    INGEST_NEED_KEPT_REASON,   /* a resend (seq <= high water): look up its kept reason */
    INGEST_NEED_CONTENT_CHECK, /* the next seq: check its content (ingest_check_content) */
} ingest_need;

/* Which of the facts' lookups the decision needs, from enrolled, envelope, high_water. */
ingest_need ingest_needs(const ingest_facts *facts);

typedef struct {
    ingest_step step;
    Tiendo__AckStatus status;
    uint64_t high_water;            /* the mark after this envelope (the ack's high_water) */
    ingest_reject_kind reject_kind; /* when status is REJECTED */
    char reason[STORE_REASON_MAX];  /* English; "" unless REJECTED or RETRY_LATER */
    store_reason_parts parts;       /* the reason's parts (Ack.reason_format, reason_args):
                                       a resend gets those kept; format "" when none */
} ingest_verdict;

/* The verdict, every REJECTED and RETRY_LATER reason with its parts (docs/protocol.md,
 * "Reasons"):
 *  - not enrolled: REJECTED (not enrolled), nothing recorded, high water 0;
 *  - no epoch: REJECTED (protocol), high water 0;
 *  - a heartbeat: OK with the mark;
 *  - a report without a seq: REJECTED (protocol), nothing recorded;
 *  - seq <= high water: REJECTED again with the kept reason and parts (resent), else
 *    DUPLICATE;
 *  - seq > high water + 1: RETRY_LATER "out of order: expected seq N" (go-back-N);
 *  - seq == high water + 1: STORE and OK, or RECORD and REJECTED with content_reason
 *    and content_parts; either way the mark moves to seq. */
void ingest_decide(const ingest_facts *facts, ingest_verdict *out);

/* Why the report of env (the next seq) cannot be stored, in why (text "" and format NULL
 * when it can): protocol version, a body that is no report, the rules of
 * td_report_check_at at now_ms, then the key's scope (auth_permits). The English text,
 * whatever the language. Returns the kind to pass as content_kind; why->text is the
 * content_reason and why the content_parts. */
ingest_reject_kind ingest_check_content(const Tiendo__Envelope *env, const auth_t *auth,
                                        const auth_entry *who, const td_registry_t *registry,
                                        const td_calendar_t *calendar, int64_t now_ms,
                                        td_reason *why);

/* The agent's claim "everything below N was acknowledged" (Envelope.first_unsettled):
 * 1 with *first_unsettled = N when env makes a consistent claim, else 0 (none, or a report
 * claiming beyond its own seq: ignored). When N > high water + 1, seqs high water + 1 ..
 * N - 1 are a restore gap (docs/protocol.md): acknowledged by an earlier copy of the store
 * and missing from this one. */
int ingest_settled_claim(const Tiendo__Envelope *env, uint64_t *first_unsettled);

#endif
