/* codec.h: bounded protobuf encode and decode for everything that crosses a socket. */
#ifndef TIENDO_CODEC_H
#define TIENDO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tiendo.pb-c.h"

#define TD_PROTOCOL_VERSION 1
#define TD_MAX_FRAME        65536u /* largest frame either side sends or accepts */
/* ZMQ_MAXMSGSIZE to set for a frame of up to TD_MAX_FRAME: libzmq checks the limit on
 * the frame as it arrives, CURVE-encrypted (33 bytes more: command name, nonce, MAC,
 * flags), so the socket limit needs that headroom; the decoders still cap the
 * plaintext at TD_MAX_FRAME. */
#define TD_CURVE_OVERHEAD     256u
#define TD_MAX_WIRE_FRAME     (TD_MAX_FRAME + TD_CURVE_OVERHEAD)
#define TD_MAX_QUERY_FRAME    4194304u   /* largest query response (status of many units) */
#define TD_STATUS_LAGGING_MAX 10         /* units a status answer lists as lagging, worst first */
#define TD_DECODE_BUDGET      (1u << 20) /* heap bytes one decode may use (16x max_len if larger) */

/* Unpack `len` bytes as a message of `desc`, using an allocator that fails once the
 * message would use more than max(TD_DECODE_BUDGET, 16 * max_len) bytes of heap. Returns TD_OK and
 * the message in *out (free with td_message_free), TD_ERR_TOOBIG when len > max_len, or
 * TD_ERR_DECODE for anything malformed. */
td_err td_message_decode(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                         size_t max_len, ProtobufCMessage **out);
/* Frees a message from td_message_decode and NULLs *msg; accepts NULL. */
void td_message_free(ProtobufCMessage **msg);

/* A bump allocator for decoding many messages whose lifetime ends together (one
 * ingest batch): no per-field malloc/free, one reset per batch. Not thread-safe. */
typedef struct td_arena td_arena_t;
td_err td_arena_open(td_arena_t **out, size_t chunk_bytes);
/* Forget every allocation (keeps the first chunk for reuse). */
void td_arena_reset(td_arena_t *arena);
void td_arena_close(td_arena_t **arena);
/* Bytes held by the arena's chunks. */
size_t td_arena_bytes(const td_arena_t *arena);
/* Copy len bytes into the arena; NULL when out of memory. */
void *td_arena_copy(td_arena_t *arena, const void *data, size_t len);

/* Like td_message_decode, but every allocation comes from arena (same per-message
 * cap); the message lives until td_arena_reset and must not be passed to
 * td_message_free. */
td_err td_message_decode_in(td_arena_t *arena, const ProtobufCMessageDescriptor *desc,
                            const void *data, size_t len, size_t max_len, ProtobufCMessage **out);

/* Find the bytes of the Report inside a packed Envelope without decoding it (the
 * collector stores them as received). TD_ERR_NOTFOUND when there is none,
 * TD_ERR_DECODE when the wire format is broken or the report field repeats. */
td_err td_envelope_report_bytes(const uint8_t *data, size_t len, const uint8_t **report,
                                size_t *report_len);

/* Check required fields (protobuf_c_message_check) and pack into buf. Fails with
 * TD_ERR_TOOBIG, sending nothing, when the packed size is over cap. */
td_err td_message_encode(const ProtobufCMessage *msg, uint8_t *buf, size_t cap, size_t *len_out);

/* Typed shorthands. */
td_err td_envelope_decode(const void *data, size_t len, Tiendo__Envelope **out);
td_err td_ack_decode(const void *data, size_t len, Tiendo__Ack **out);
td_err td_query_request_decode(const void *data, size_t len, Tiendo__QueryRequest **out);
td_err td_query_response_decode(const void *data, size_t len, Tiendo__QueryResponse **out);
#define td_envelope_free(pp)       td_message_free((ProtobufCMessage **) (pp))
#define td_ack_free(pp)            td_message_free((ProtobufCMessage **) (pp))
#define td_query_request_free(pp)  td_message_free((ProtobufCMessage **) (pp))
#define td_query_response_free(pp) td_message_free((ProtobufCMessage **) (pp))

#endif
