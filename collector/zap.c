/* zap.c: answers libzmq's authentication requests for the collector's sockets. */
#include "zap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "keys.h"
#include "log.h"
#include "peer_log.h"

#define ZAP_FRAMES 7 /* version, request id, domain, address, identity, mechanism, key */

struct zap {
    void *socket;
    const auth_t *auth;
    zap_stats stats;
    peer_log refusal_log; /* its count is stats.refused */
};

td_err zap_open(zap_t **out, void *ctx)
{
    *out = NULL;
    zap_t *zap = calloc(1, sizeof *zap);
    if (zap == NULL)
        return TD_ERR_NOMEM;
    zap->socket = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (zap->socket == NULL ||
        zmq_setsockopt(zap->socket, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(zap->socket, "inproc://zeromq.zap.01") != 0) {
        td_error("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        zap_close(&zap);
        return TD_ERR_ZMQ;
    }
    *out = zap;
    return TD_OK;
}

void zap_close(zap_t **zap)
{
    if (zap == NULL || *zap == NULL)
        return;
    if ((*zap)->socket != NULL)
        zmq_close((*zap)->socket);
    free(*zap);
    *zap = NULL;
}

void *zap_socket(zap_t *zap)
{
    return zap->socket;
}

void zap_set_auth(zap_t *zap, const auth_t *auth)
{
    zap->auth = auth;
}

const zap_stats *zap_get_stats(const zap_t *zap)
{
    return &zap->stats;
}

static void s_reply(void *sock, const char *request_id, size_t id_len, const char *code,
                    const char *text, const char *user_id)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, request_id, id_len, ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user_id, strlen(user_id), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

/* Refuse, logging at most one line a second (peer_log) so a reconnecting stranger
 * cannot flood the log; the line says how many were refused so far. */
static void s_refuse(zap_t *zap, const char *request_id, size_t id_len, const char *code,
                     const char *text, const char *who, const char *address)
{
    zap->stats.refused = peer_log_event(&zap->refusal_log, td_mono_ms(), "refused",
                                        "refused a connection from %s: %s %s", address, who, text);
    s_reply(zap->socket, request_id, id_len, code, text, "");
}

void zap_handle(zap_t *zap)
{
    for (;;) {
        char frames[ZAP_FRAMES][256];
        size_t sizes[ZAP_FRAMES] = {0};
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, zap->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&part);
                if (n == 0)
                    return; /* nothing pending */
                break;
            }
            more = zmq_msg_more(&part);
            if (n < ZAP_FRAMES) {
                size_t len = zmq_msg_size(&part);
                sizes[n] = len < sizeof frames[n] ? len : sizeof frames[n] - 1;
                memcpy(frames[n], zmq_msg_data(&part), sizes[n]);
                frames[n][sizes[n]] = '\0';
            }
            n++;
            zmq_msg_close(&part);
        }
        if (n < 6) {
            s_reply(zap->socket, "", 0, "500", "malformed ZAP request", "");
            continue;
        }
        const char *request_id = frames[1];
        if (strcmp(frames[5], "CURVE") != 0 || n != ZAP_FRAMES || sizes[6] != 32) {
            s_refuse(zap, request_id, sizes[1], "400", "(only CURVE is accepted)", frames[5],
                     frames[3]);
            continue;
        }
        char key[TD_Z85_KEY_LEN + 1];
        zmq_z85_encode(key, (const uint8_t *) frames[6], 32);
        const auth_entry *e = auth_find(zap->auth, (const uint8_t *) frames[6]);
        auth_role wanted =
            strcmp(frames[2], ZAP_DOMAIN_QUERY) == 0 ? AUTH_ROLE_QUERY : AUTH_ROLE_AGENT;
        if (e == NULL) {
            s_refuse(zap, request_id, sizes[1], "400", "is not enrolled", key, frames[3]);
            continue;
        }
        if (e->role != wanted || (strcmp(frames[2], ZAP_DOMAIN_QUERY) != 0 &&
                                  strcmp(frames[2], ZAP_DOMAIN_AGENTS) != 0)) {
            s_refuse(zap, request_id, sizes[1], "400",
                     wanted == AUTH_ROLE_QUERY ? "is an agent key, not a query key"
                                               : "is a query key, not an agent key",
                     key, frames[3]);
            continue;
        }
        zap->stats.accepted++;
        td_debug("ZAP: accepted %s (%s) in domain %s from %s", key, e->name, frames[2], frames[3]);
        s_reply(zap->socket, request_id, sizes[1], "200", "OK", key);
    }
}
