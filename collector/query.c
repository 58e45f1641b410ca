/* query.c: decodes QueryRequest frames, builds the answer, replies without blocking. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "clock.h"
#include "i18n.h"
#include "reason.h"
#include "peer_log.h"
#include "summary.h"
#include "tasks_view.h"
#include "views.h"

#define ROUTING_ID_MAX   256
#define QUERIES_PER_CALL 64 /* then go back to the poll loop so ingest is not starved */

struct query {
    store_t *store;
    const td_registry_t *registry;
    const td_calendar_t *calendar;
    const auth_t *auth;      /* the keys in force (query_set_auth) */
    int64_t silent_after_ms; /* the agents answer's threshold */
    uint8_t *buf;            /* TD_MAX_QUERY_FRAME bytes for the encoded response */
    peer_log malformed_log;  /* messages that are not one REQ request */
    peer_log unsent_log;     /* answers the socket would not take */
};

td_err query_open(query_t **out, store_t *store, const td_registry_t *registry,
                  const td_calendar_t *calendar, int64_t silent_after_ms)
{
    *out = NULL;
    query_t *q = calloc(1, sizeof *q);
    if (q == NULL)
        return TD_ERR_NOMEM;
    q->buf = malloc(TD_MAX_QUERY_FRAME);
    if (q->buf == NULL) {
        free(q);
        return TD_ERR_NOMEM;
    }
    q->store = store;
    q->registry = registry;
    q->calendar = calendar;
    q->silent_after_ms = silent_after_ms;
    *out = q;
    return TD_OK;
}

void query_set_auth(query_t *query, const auth_t *auth)
{
    query->auth = auth;
}

void query_close(query_t **query)
{
    if (query == NULL || *query == NULL)
        return;
    free((*query)->buf);
    free(*query);
    *query = NULL;
}

/* Whether why (td_reason_last) is the message error holds, not one from before: the
 * answers write their reasons with td_fail, but one that fails without a message leaves
 * the last message of an earlier query in place. */
static int s_is_the_error(const td_reason *why, const char *error)
{
    char text[TD_REASON_TEXT_MAX];
    return why->format != NULL && strcmp(td_reason_render(why, text, sizeof text), error) == 0;
}

/* Fill resp for req; returns the message to free afterwards (or NULL). A failure's reason
 * goes into error (English: the daemon runs in English) and its parts into why. */
static ProtobufCMessage *s_answer(query_t *q, const Tiendo__QueryRequest *req,
                                  Tiendo__QueryResponse *resp, char *error, size_t errlen,
                                  td_reason *why)
{
    td_err rc = TD_OK;
    ProtobufCMessage *result = NULL;
    offices_view offices = {q->auth, q->silent_after_ms, td_now_ms()};
    if (req == NULL) {
        rc = td_fail(TD_ERR_DECODE, error, errlen, "malformed query");
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_STATUS) {
        Tiendo__StatusSummary *sum = NULL;
        rc = summary_status(q->store, q->registry, q->calendar, &offices, req->status->dataset,
                            req->status->period, &sum, error, errlen);
        if (rc == TD_OK) {
            resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_STATUS;
            resp->status = sum;
            result = &sum->base;
        }
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_AGENTS) {
        Tiendo__AgentList *list = NULL;
        rc = summary_agents(q->store, &offices, &list);
        if (rc == TD_OK) {
            resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_AGENTS;
            resp->agents = list;
            result = &list->base;
        }
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_INDICATORS) {
        Tiendo__IndicatorTable *table = NULL;
        rc = views_indicators(q->store, q->registry, req->indicators->dataset,
                              req->indicators->period, req->indicators->level, &table, error,
                              errlen);
        if (rc == TD_OK) {
            resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_INDICATORS;
            resp->indicators = table;
            result = &table->base;
        }
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_UNITS ||
               req->query_case == TIENDO__QUERY_REQUEST__QUERY_OVERDUE) {
        int overdue = req->query_case == TIENDO__QUERY_REQUEST__QUERY_OVERDUE;
        Tiendo__UnitList *list = NULL;
        rc = views_units(q->store, q->registry, q->calendar,
                         overdue ? req->overdue->dataset : req->units->dataset,
                         overdue ? req->overdue->period : req->units->period,
                         overdue ? NULL : req->units->province, overdue, &list, error, errlen);
        if (rc == TD_OK) {
            resp->result_case = overdue ? TIENDO__QUERY_RESPONSE__RESULT_OVERDUE
                                        : TIENDO__QUERY_RESPONSE__RESULT_UNITS;
            if (overdue)
                resp->overdue = list;
            else
                resp->units = list;
            result = &list->base;
        }
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_UNIT) {
        Tiendo__UnitDetail *detail = NULL;
        rc = views_unit(q->store, q->registry, q->calendar, req->unit->dataset, req->unit->period,
                        req->unit->unit, &detail, error, errlen);
        if (rc == TD_OK) {
            resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_UNIT;
            resp->unit = detail;
            result = &detail->base;
        }
    } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_TASKS) {
        Tiendo__TaskList *list = NULL;
        rc = tasks_view_list(q->store, q->registry, req->tasks, offices.now_ms, &list, error,
                             errlen);
        if (rc == TD_OK) {
            resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_TASKS;
            resp->tasks = list;
            result = &list->base;
        }
    } else {
        rc = td_fail(TD_ERR_INVALID, error, errlen,
                     "unknown query (this collector speaks protocol %d)", TD_PROTOCOL_VERSION);
    }
    td_reason_clear(why);
    if (rc != TD_OK && error[0] == '\0') {
        /* no message: the code's description, itself a msgid without arguments */
        why->format = td_strerror(rc);
        snprintf(why->text, sizeof why->text, "%s", why->format);
        snprintf(error, errlen, "%s", _(why->format));
    } else if (rc != TD_OK && s_is_the_error(td_reason_last(), error)) {
        *why = *td_reason_last();
    }
    resp->has_error_code = 1;
    resp->error_code = (uint32_t) rc;
    resp->error = rc != TD_OK ? error : NULL;
    return result;
}

/* resp's error_format and error_args from why (none when it has no format); args is
 * room for the argument pointers, borrowed with why until resp is packed. */
static void s_error_parts(Tiendo__QueryResponse *resp, td_reason *why, char *args[TD_REASON_ARGS])
{
    if (resp->error == NULL || why->format == NULL)
        return;
    resp->error_format = (char *) why->format;
    resp->n_error_args = 0;
    for (int i = 0; i < why->nargs && i < TD_REASON_ARGS; i++)
        args[resp->n_error_args++] = why->args[i];
    resp->error_args = resp->n_error_args > 0 ? args : NULL;
}

void query_handle(query_t *q, void *router)
{
    for (int n = 0; n < QUERIES_PER_CALL; n++) {
        uint8_t routing_id[ROUTING_ID_MAX];
        int id_len = zmq_recv(router, routing_id, sizeof routing_id, ZMQ_DONTWAIT);
        if (id_len < 0)
            return;
        /* REQ framing: empty delimiter, then one request frame. */
        zmq_msg_t parts[3];
        int nparts = 0, more = 1, bad = id_len > (int) sizeof routing_id;
        int64_t more_opt = 0;
        size_t more_len = sizeof more_opt;
        zmq_getsockopt(router, ZMQ_RCVMORE, &more_opt, &more_len);
        more = (int) more_opt;
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, router, 0) < 0) {
                zmq_msg_close(&part);
                break;
            }
            more = zmq_msg_more(&part);
            if (nparts < 3)
                parts[nparts++] = part;
            else {
                zmq_msg_close(&part);
                bad = 1;
            }
        }
        Tiendo__QueryRequest *req = NULL;
        if (!bad && nparts == 2 && zmq_msg_size(&parts[0]) == 0)
            td_query_request_decode(zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), &req);
        for (int i = 0; i < nparts; i++)
            zmq_msg_close(&parts[i]);
        if (bad || nparts != 2) {
            peer_log_event(&q->malformed_log, td_mono_ms(), "dropped",
                           "dropped a malformed query message (%d frames)", nparts + 1);
            continue;
        }

        Tiendo__QueryResponse resp = TIENDO__QUERY_RESPONSE__INIT;
        resp.has_version = 1;
        resp.version = TD_PROTOCOL_VERSION;
        char error[512] = "";
        td_reason why;
        char *error_args[TD_REASON_ARGS];
        ProtobufCMessage *result = s_answer(q, req, &resp, error, sizeof error, &why);
        s_error_parts(&resp, &why, error_args);
        size_t len = 0;
        td_err rc = td_message_encode(&resp.base, q->buf, TD_MAX_QUERY_FRAME, &len);
        if (rc != TD_OK) {
            Tiendo__QueryResponse fail = TIENDO__QUERY_RESPONSE__INIT;
            fail.has_error_code = 1;
            fail.error_code = (uint32_t) rc;
            td_reason_set(&why, "the answer is too big to send");
            fail.error = why.text;
            s_error_parts(&fail, &why, error_args);
            td_message_encode(&fail.base, q->buf, TD_MAX_QUERY_FRAME, &len);
        }
        summary_free(&result);
        td_query_request_free(&req);
        if (zmq_send(router, routing_id, (size_t) id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(router, q->buf, len, ZMQ_DONTWAIT) < 0)
            peer_log_event(&q->unsent_log, td_mono_ms(), "not sent",
                           "could not send a query answer: %s", zmq_strerror(zmq_errno()));
    }
}
