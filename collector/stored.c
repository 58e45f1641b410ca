/* stored.c: bounded decoding of the protobuf the store holds, and the rule for a bad one. */
#include "stored.h"

td_err stored_report_decode(td_arena_t *arena, const uint8_t *bytes, size_t len,
                            const stored_report_name *name, Tiendo__Report **out, char *reason,
                            size_t reasonlen)
{
    ProtobufCMessage *msg = NULL;
    *out = NULL;
    if (td_message_decode_in(arena, &tiendo__report__descriptor, bytes, len, TD_MAX_FRAME, &msg) ==
        TD_OK) {
        *out = (Tiendo__Report *) msg;
        return TD_OK;
    }
    /* Never a figure that silently left a record out: refuse, and say where to look. */
    if (name != NULL) {
        char period[TD_PERIOD_TEXT_MAX];
        td_period_format(name->period, period, sizeof period);
        td_msg(reason, reasonlen,
               "the stored report of unit %s for %s (dataset %s, revision %u) does not decode, "
               "and this answer would leave it out: run `tiendo-collector check` on the "
               "collector's store",
               name->unit, period, name->dataset, name->revision);
    } else {
        td_msg(reason, reasonlen,
               "a stored report of %zu bytes does not decode: run `tiendo-collector check` on "
               "the collector's store",
               len);
    }
    return TD_ERR_STORE;
}

td_err stored_heartbeat_decode(td_arena_t *arena, const store_agent *agent, Tiendo__Heartbeat **out)
{
    ProtobufCMessage *msg = NULL;
    *out = NULL;
    if (agent->heartbeat_at_ms == 0 || agent->heartbeat_len == 0)
        return TD_ERR_NOTFOUND;
    if (td_message_decode_in(arena, &tiendo__heartbeat__descriptor, agent->heartbeat,
                             agent->heartbeat_len, TD_MAX_FRAME, &msg) != TD_OK)
        return TD_ERR_STORE;
    *out = (Tiendo__Heartbeat *) msg;
    return TD_OK;
}

td_err stored_task_decode(td_arena_t *arena, const store_task *task, const char *dataset,
                          Tiendo__TaskInfo **out, char *reason, size_t reasonlen)
{
    ProtobufCMessage *msg = NULL;
    *out = NULL;
    if (td_message_decode_in(arena, &tiendo__task_info__descriptor, task->record, task->record_len,
                             TD_MAX_FRAME * 16, &msg) == TD_OK &&
        ((Tiendo__TaskInfo *) msg)->task != NULL) {
        *out = (Tiendo__TaskInfo *) msg;
        return TD_OK;
    }
    td_msg(reason, reasonlen,
           "the stored record of task %s of unit %s (dataset %s) does not decode, and this "
           "answer would leave it out: run `tiendo-collector check` on the collector's store",
           task->task_id, task->unit, dataset);
    return TD_ERR_STORE;
}
