/* keys.h: CURVE key pairs in files (Z85 text) and socket security setup. */
#ifndef TIENDO_KEYS_H
#define TIENDO_KEYS_H

#include <stddef.h>

#include "error.h"

#define TD_Z85_KEY_LEN 40 /* characters of a Z85 CURVE key; buffers need 41 */

/* Make a key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public, 0644).
 * Refuses to overwrite existing files (TD_ERR_EXISTS). */
td_err td_keys_generate(const char *prefix, char *err, size_t errlen);

/* Read a secret key file and derive its public key. Refuses a file that group or
 * others can read (TD_ERR_PERMISSION), or that holds no valid key. */
td_err td_keys_load_secret(const char *path, char secret[TD_Z85_KEY_LEN + 1],
                           char public_key[TD_Z85_KEY_LEN + 1], char *err, size_t errlen);

/* Read a public key file (first line, 40 Z85 characters). */
td_err td_keys_load_public(const char *path, char public_key[TD_Z85_KEY_LEN + 1], char *err,
                           size_t errlen);

/* Make sock a CURVE server with the given secret key, authenticated through ZAP
 * in zap_domain (non-empty; ZMQ_ZAP_ENFORCE_DOMAIN is set so it fails closed). */
td_err td_socket_curve_server(void *sock, const char *secret, const char *zap_domain);

/* Make sock a CURVE client of server_public with our key pair. */
td_err td_socket_curve_client(void *sock, const char *server_public, const char *public_key,
                              const char *secret);

/* Common options: LINGER 0, ZMTP heartbeats (ivl/timeout/ttl in ms; 0 skips). */
td_err td_socket_basics(void *sock, int heartbeat_ivl_ms, int heartbeat_timeout_ms,
                        int heartbeat_ttl_ms);

#endif
