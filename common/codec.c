/* codec.c: protobuf-c unpack with a heap-capped allocator, and size-bounded pack. */
#include "codec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Each block carries its size in front so the budget can be charged on alloc and
 * free can find the real pointer; max_align_t keeps the payload aligned. */
typedef union {
    size_t size;
    max_align_t align;
} s_block_header;

typedef struct {
    size_t used;
    size_t cap;
} s_budget;

static void *s_capped_alloc(void *data, size_t size)
{
    s_budget *budget = data;
    if (size > budget->cap - budget->used)
        return NULL; /* over the cap: protobuf-c turns this into a failed unpack */
    s_block_header *block = malloc(sizeof *block + size);
    if (block == NULL)
        return NULL;
    block->size = size;
    budget->used += size;
    return block + 1;
}

static void s_capped_free(void *data, void *ptr)
{
    (void) data;
    if (ptr != NULL)
        free((s_block_header *) ptr - 1);
}

/* Used by td_message_free: frees blocks without a budget (alloc never called). */
static void *s_no_alloc(void *data, size_t size)
{
    (void) data;
    (void) size;
    return NULL;
}

static ProtobufCAllocator s_free_allocator = {s_no_alloc, s_capped_free, NULL};

td_err td_message_decode(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                         size_t max_len, ProtobufCMessage **out)
{
    *out = NULL;
    if (len > max_len)
        return TD_ERR_TOOBIG;
    /* Packed varints expand up to 8x into structs: allow 16x the wire bytes. */
    size_t cap = max_len > TD_DECODE_BUDGET / 16 ? max_len * 16 : TD_DECODE_BUDGET;
    s_budget budget = {0, cap};
    ProtobufCAllocator allocator = {s_capped_alloc, s_capped_free, &budget};
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, &allocator, len, data);
    if (msg == NULL)
        return TD_ERR_DECODE;
    *out = msg;
    return TD_OK;
}

void td_message_free(ProtobufCMessage **msg)
{
    if (msg == NULL || *msg == NULL)
        return;
    protobuf_c_message_free_unpacked(*msg, &s_free_allocator);
    *msg = NULL;
}

td_err td_message_encode(const ProtobufCMessage *msg, uint8_t *buf, size_t cap, size_t *len_out)
{
    *len_out = 0;
    if (!protobuf_c_message_check(msg))
        return TD_ERR_INVALID;
    size_t size = protobuf_c_message_get_packed_size(msg);
    if (size > cap)
        return TD_ERR_TOOBIG;
    *len_out = protobuf_c_message_pack(msg, buf);
    return TD_OK;
}

td_err td_envelope_decode(const void *data, size_t len, Tiendo__Envelope **out)
{
    return td_message_decode(&tiendo__envelope__descriptor, data, len, TD_MAX_FRAME,
                             (ProtobufCMessage **) out);
}

td_err td_ack_decode(const void *data, size_t len, Tiendo__Ack **out)
{
    return td_message_decode(&tiendo__ack__descriptor, data, len, TD_MAX_FRAME,
                             (ProtobufCMessage **) out);
}

td_err td_query_request_decode(const void *data, size_t len, Tiendo__QueryRequest **out)
{
    return td_message_decode(&tiendo__query_request__descriptor, data, len, TD_MAX_FRAME,
                             (ProtobufCMessage **) out);
}

td_err td_query_response_decode(const void *data, size_t len, Tiendo__QueryResponse **out)
{
    return td_message_decode(&tiendo__query_response__descriptor, data, len, TD_MAX_QUERY_FRAME,
                             (ProtobufCMessage **) out);
}

/* ---- arena ---- */

typedef struct s_chunk {
    struct s_chunk *next;
    size_t size, used;
    max_align_t data[];
} s_chunk;

/* Chunks form a list that is kept across resets, so a steady batch size costs no
 * malloc at all after the first batch; chunks past TD_ARENA_KEEP bytes are freed on
 * reset so one huge batch does not pin memory for ever. */
#define TD_ARENA_KEEP ((size_t) 64 << 20)

struct td_arena {
    s_chunk *first;
    s_chunk *current;
    size_t chunk_bytes;
    size_t budget_used, budget_cap; /* of the decode in progress */
};

td_err td_arena_open(td_arena_t **out, size_t chunk_bytes)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return TD_ERR_NOMEM;
    (*out)->chunk_bytes = chunk_bytes < 4096 ? 4096 : chunk_bytes;
    return TD_OK;
}

void td_arena_reset(td_arena_t *arena)
{
    size_t kept = 0;
    s_chunk **link = &arena->first;
    while (*link != NULL) {
        s_chunk *c = *link;
        if (kept + c->size > TD_ARENA_KEEP && c != arena->first) {
            *link = c->next;
            free(c);
            continue;
        }
        kept += c->size;
        c->used = 0;
        link = &c->next;
    }
    arena->current = arena->first;
}

size_t td_arena_bytes(const td_arena_t *arena)
{
    size_t total = 0;
    for (const s_chunk *c = arena->first; c != NULL; c = c->next)
        total += c->size;
    return total;
}

void td_arena_close(td_arena_t **arena)
{
    if (arena == NULL || *arena == NULL)
        return;
    s_chunk *c = (*arena)->first;
    while (c != NULL) {
        s_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(*arena);
    *arena = NULL;
}

static void *s_arena_alloc(td_arena_t *arena, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    s_chunk *c = arena->current;
    while (c != NULL && c->size - c->used < size) {
        c = c->next; /* a later chunk kept from an earlier batch */
        if (c != NULL)
            c->used = 0;
    }
    if (c == NULL) {
        size_t want = size > arena->chunk_bytes ? size : arena->chunk_bytes;
        c = malloc(sizeof *c + want);
        if (c == NULL)
            return NULL;
        c->size = want;
        c->used = 0;
        c->next = NULL;
        if (arena->current == NULL) {
            arena->first = c;
        } else {
            s_chunk *last = arena->current;
            while (last->next != NULL)
                last = last->next;
            last->next = c;
        }
    }
    arena->current = c;
    void *p = (char *) c->data + c->used;
    c->used += size;
    return p;
}

void *td_arena_copy(td_arena_t *arena, const void *data, size_t len)
{
    void *p = s_arena_alloc(arena, len ? len : 1);
    if (p != NULL && len > 0)
        memcpy(p, data, len);
    return p;
}

static void *s_arena_pb_alloc(void *data, size_t size)
{
    td_arena_t *arena = data;
    if (size > arena->budget_cap - arena->budget_used)
        return NULL;
    arena->budget_used += size;
    return s_arena_alloc(arena, size);
}

static void s_arena_pb_free(void *data, void *ptr)
{
    (void) data; /* released all at once by td_arena_reset */
    (void) ptr;
}

td_err td_message_decode_in(td_arena_t *arena, const ProtobufCMessageDescriptor *desc,
                            const void *data, size_t len, size_t max_len, ProtobufCMessage **out)
{
    *out = NULL;
    if (len > max_len)
        return TD_ERR_TOOBIG;
    arena->budget_used = 0;
    arena->budget_cap = max_len > TD_DECODE_BUDGET / 16 ? max_len * 16 : TD_DECODE_BUDGET;
    ProtobufCAllocator allocator = {s_arena_pb_alloc, s_arena_pb_free, arena};
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, &allocator, len, data);
    if (msg == NULL)
        return TD_ERR_DECODE;
    *out = msg;
    return TD_OK;
}

/* ---- envelope scanning ---- */

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

td_err td_envelope_report_bytes(const uint8_t *data, size_t len, const uint8_t **report,
                                size_t *report_len)
{
    size_t pos = 0;
    const uint8_t *found = NULL;
    size_t found_len = 0;
    while (pos < len) {
        uint64_t tag, v;
        if (s_varint(data, len, &pos, &tag) != 0)
            return TD_ERR_DECODE;
        switch (tag & 7) {
        case 0: /* varint */
            if (s_varint(data, len, &pos, &v) != 0)
                return TD_ERR_DECODE;
            break;
        case 1: /* 64-bit */
            if (len - pos < 8)
                return TD_ERR_DECODE;
            pos += 8;
            break;
        case 5: /* 32-bit */
            if (len - pos < 4)
                return TD_ERR_DECODE;
            pos += 4;
            break;
        case 2: /* length-delimited */
            if (s_varint(data, len, &pos, &v) != 0 || v > len - pos)
                return TD_ERR_DECODE;
            if ((tag >> 3) == 10) { /* Envelope.report */
                if (found != NULL)
                    return TD_ERR_DECODE; /* protobuf would merge two: refuse instead */
                found = data + pos;
                found_len = (size_t) v;
            }
            pos += (size_t) v;
            break;
        default:
            return TD_ERR_DECODE;
        }
    }
    if (found == NULL)
        return TD_ERR_NOTFOUND;
    *report = found;
    *report_len = found_len;
    return TD_OK;
}
