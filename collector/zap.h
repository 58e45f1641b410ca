/* zap.h: the collector's ZAP handler (ZeroMQ authentication protocol, RFC 27). */
#ifndef TIENDO_ZAP_H
#define TIENDO_ZAP_H

#include "error.h"

#define ZAP_DOMAIN_AGENTS "tiendo-agents"
#define ZAP_DOMAIN_QUERY  "tiendo-query"

typedef struct zap zap_t;

/* Bind the handler (a REP on inproc://zeromq.zap.01) in ctx. Must run before any
 * CURVE server socket binds. */
td_err zap_open(zap_t **out, void *ctx);
void zap_close(zap_t **zap);

/* The socket to poll for ZMQ_POLLIN. */
void *zap_socket(zap_t *zap);

/* Answer every pending request. Accepts CURVE clients only; the User-Id of each
 * connection is the client's public key in Z85. */
void zap_handle(zap_t *zap);

#endif
