/* codec.c: protobuf-c unpack with a heap-capped allocator, and size-bounded pack. */
#include "codec.h"

#include <stddef.h>
#include <stdlib.h>

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
