/* stored.c: bounded decoding of the protobuf the store holds, and the rule for a bad one. */
#include "stored.h"

#include <string.h>

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

/* ---- the partial read of a task record ---- */

static int s_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t b = p[(*pos)++];
        v |= (uint64_t) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* One field of a message's wire form at *pos: its number, wire type, and its varint
 * value or bytes. -1 when broken. */
typedef struct {
    uint32_t number;
    unsigned type;
    uint64_t value;
    const uint8_t *bytes;
    size_t len;
} s_field;

static int s_next(const uint8_t *p, size_t len, size_t *pos, s_field *f)
{
    uint64_t tag, v;
    if (s_varint(p, len, pos, &tag) != 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
        return -1;
    f->number = (uint32_t) (tag >> 3);
    f->type = (unsigned) (tag & 7);
    switch (f->type) {
    case 0:
        return s_varint(p, len, pos, &f->value);
    case 1:
    case 5: {
        size_t n = f->type == 1 ? 8 : 4;
        if (len - *pos < n)
            return -1;
        *pos += n;
        return 0;
    }
    case 2:
        if (s_varint(p, len, pos, &v) != 0 || v > len - *pos)
            return -1;
        f->bytes = p + *pos;
        f->len = (size_t) v;
        *pos += (size_t) v;
        return 0;
    default:
        return -1;
    }
}

/* Copy a date field into to (a text of another length than a date's is no date either:
 * td_date_parse reads exactly YYYY-MM-DD, so "" stands for it). */
static char *s_date_text(char *to, size_t size, const s_field *f)
{
    size_t n = f->len < size ? f->len : 0;
    memcpy(to, f->bytes, n);
    to[n] = '\0';
    return to;
}

/* 0: read; 1: the record merges two tasks (protobuf-c must do it); -1: broken. Later
 * occurrences of a field win, as in protobuf. */
static int s_due_walk(const uint8_t *rec, size_t rec_len, stored_task_due_t *out)
{
    const uint8_t *task = NULL;
    size_t task_len = 0, pos = 0;
    s_field f;
    while (pos < rec_len) {
        if (s_next(rec, rec_len, &pos, &f) != 0)
            return -1;
        if (f.number != 4) /* TaskInfo.task */
            continue;
        if (f.type != 2)
            return -1;
        if (task != NULL)
            return 1;
        task = f.bytes;
        task_len = f.len;
    }
    if (task == NULL)
        return -1;
    for (pos = 0; pos < task_len;) {
        if (s_next(task, task_len, &pos, &f) != 0)
            return -1;
        int varint = f.number == 3 || f.number == 6, text = f.number == 5 || f.number == 7;
        if ((varint && f.type != 0) || (text && f.type != 2))
            return -1;
        if (f.number == 3) { /* ActionTask.task_group */
            out->task.has_task_group = 1;
            out->task.task_group = (uint32_t) f.value;
        } else if (f.number == 6) { /* status */
            out->task.has_status = 1;
            out->task.status = (Tiendo__TaskStatus) f.value;
        } else if (f.number == 5) { /* deadline */
            out->task.deadline = s_date_text(out->deadline, sizeof out->deadline, &f);
        } else if (f.number == 7) { /* completed_on */
            out->task.completed_on = s_date_text(out->completed_on, sizeof out->completed_on, &f);
        }
    }
    return 0;
}

td_err stored_task_due(td_arena_t *arena, const store_task *task, const char *dataset,
                       stored_task_due_t *out, char *reason, size_t reasonlen)
{
    memset(out, 0, sizeof *out);
    tiendo__action_task__init(&out->task);
    if (s_due_walk(task->record, task->record_len, out) == 0)
        return TD_OK;
    /* what the walk does not read, protobuf-c does: the same answer either way */
    Tiendo__TaskInfo *full = NULL;
    td_err rc = stored_task_decode(arena, task, dataset, &full, reason, reasonlen);
    if (rc != TD_OK)
        return rc;
    const Tiendo__ActionTask *t = full->task;
    memset(out, 0, sizeof *out);
    tiendo__action_task__init(&out->task);
    out->task.has_status = t->has_status;
    out->task.status = t->status;
    out->task.has_task_group = t->has_task_group;
    out->task.task_group = t->task_group;
    s_field f = {0};
    if (t->deadline != NULL) {
        f.bytes = (const uint8_t *) t->deadline;
        f.len = strlen(t->deadline);
        out->task.deadline = s_date_text(out->deadline, sizeof out->deadline, &f);
    }
    if (t->completed_on != NULL) {
        f.bytes = (const uint8_t *) t->completed_on;
        f.len = strlen(t->completed_on);
        out->task.completed_on = s_date_text(out->completed_on, sizeof out->completed_on, &f);
    }
    return TD_OK;
}
