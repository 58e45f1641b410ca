/* zap.h: the collector's ZAP handler (ZeroMQ authentication protocol, RFC 27). */
#ifndef TIENDO_ZAP_H
#define TIENDO_ZAP_H

#include <stdint.h>

#include "auth.h"
#include "error.h"

#define ZAP_DOMAIN_AGENTS "tiendo-agents"
#define ZAP_DOMAIN_QUERY  "tiendo-query"

/* A zap_t and its socket belong to the thread that polls them (the serving loop);
 * refusals are logged at most once a second (peer_log.h). */
typedef struct zap zap_t;

/* Bind the handler (a REP on inproc://zeromq.zap.01) in ctx. Must run before any
 * CURVE server socket binds. TD_ERR_NOMEM, TD_ERR_ZMQ (logged). */
td_err zap_open(zap_t **out, void *ctx);
/* Close the socket, free and NULL *zap; accepts NULL. */
void zap_close(zap_t **zap);

/* The socket to poll for ZMQ_POLLIN. */
void *zap_socket(zap_t *zap);

/* The keys to accept from now on (borrowed; NULL refuses everyone). Connections
 * already made stay up: the ingest checks each message against the current keys. */
void zap_set_auth(zap_t *zap, const auth_t *auth);

/* Answer every pending request. Accepts CURVE clients only, and only keys enrolled in
 * the role of the socket's domain (agent keys on the agents socket, query keys on the
 * query socket); the User-Id of each connection is the client's public key in Z85. */
void zap_handle(zap_t *zap);

/* Counters since start. */
typedef struct {
    uint64_t accepted;
    uint64_t refused; /* unknown key, wrong role, or not CURVE */
} zap_stats;
const zap_stats *zap_get_stats(const zap_t *zap);

#endif
