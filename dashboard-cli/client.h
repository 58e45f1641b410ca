/* client.h: one question to the collector's query socket and its answer (REQ, CURVE client). */
#ifndef TIENDO_CLI_CLIENT_H
#define TIENDO_CLI_CLIENT_H

#include <stddef.h>

#include "error.h"
#include "keys.h"
#include "tiendo.pb-c.h"

typedef struct {
    const char *endpoint;                   /* e.g. tcp://127.0.0.1:7421 (borrowed) */
    char server_public[TD_Z85_KEY_LEN + 1]; /* the collector's public key */
    char public_key[TD_Z85_KEY_LEN + 1];    /* ours */
    char secret[TD_Z85_KEY_LEN + 1];        /* ours */
    int timeout_ms;                         /* how long to wait for the answer */
} client_params;

/* Send req to the collector and wait up to p->timeout_ms for one answer frame, which is
 * decoded (bounded by TD_MAX_QUERY_FRAME) into *out (free with td_query_response_free).
 * Uses its own ZeroMQ context, closed before returning. Returns:
 *   TD_OK          an answer arrived (it may still carry error_code != 0);
 *   TD_ERR_TIMEOUT nothing arrived in time (collector down, or not at that address);
 *   TD_ERR_CONFIG  the endpoint was refused by ZeroMQ (bad syntax, unknown host form);
 *   TD_ERR_PERMISSION the collector refused our key (not enrolled as a query key) or
 *                  the secure handshake failed (wrong collector public key);
 *   TD_ERR_ZMQ     another socket error;
 *   TD_ERR_DECODE / TD_ERR_PROTOCOL / TD_ERR_TOOBIG  an answer we cannot read;
 *   TD_ERR_INTERRUPTED a signal stopped the wait.
 * err gets a human-readable detail for every error but the timeout. */
td_err client_query(const client_params *p, const Tiendo__QueryRequest *req,
                    Tiendo__QueryResponse **out, char *err, size_t errlen);

#endif
