/* keys.c: CURVE key files (Z85 text) and the security options of our sockets. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* Debian's zmq.h declares this option only under the DRAFT API, but libzmq 4.3.4
 * accepts and applies it in every build (zmq_setsockopt returns 0): without it a
 * missing ZAP handler would let every client in. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

/* Write text to a new file with the given mode; O_EXCL so an existing key is never
 * clobbered. fsync so a key we reported as made survives a crash. */
static td_err s_write_new(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: %s", path, strerror(errno));
    size_t len = strlen(text);
    td_err rc = TD_OK;
    if (fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t) len || fsync(fd) != 0)
        rc = td_fail(td_err_from_errno(errno), err, errlen, "%s: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == TD_OK)
        rc = td_fail(TD_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
    if (rc != TD_OK)
        unlink(path);
    return rc;
}

td_err td_keys_generate(const char *prefix, char *err, size_t errlen)
{
    char public_key[TD_Z85_KEY_LEN + 1], secret[TD_Z85_KEY_LEN + 1];
    char path_key[4096], path_pub[4096], text[TD_Z85_KEY_LEN + 2];
    if (snprintf(path_key, sizeof path_key, "%s.key", prefix) >= (int) sizeof path_key ||
        snprintf(path_pub, sizeof path_pub, "%s.pub", prefix) >= (int) sizeof path_pub)
        return td_fail(TD_ERR_TOOBIG, err, errlen, "%s: path too long", prefix);
    if (access(path_key, F_OK) == 0 || access(path_pub, F_OK) == 0)
        return td_fail(TD_ERR_EXISTS, err, errlen,
                       "%s.key or .pub already exists; refusing to overwrite a key", prefix);
    if (zmq_curve_keypair(public_key, secret) != 0)
        return td_fail(TD_ERR_ZMQ, err, errlen, "cannot make a key pair: %s",
                       zmq_strerror(zmq_errno()));
    snprintf(text, sizeof text, "%s\n", secret);
    td_err rc = s_write_new(path_key, text, 0600, err, errlen);
    memset(secret, 0, sizeof secret);
    memset(text, 0, sizeof text);
    if (rc != TD_OK)
        return rc;
    snprintf(text, sizeof text, "%s\n", public_key);
    rc = s_write_new(path_pub, text, 0644, err, errlen);
    if (rc != TD_OK)
        unlink(path_key);
    return rc;
}

/* Read the first line of a key file into key (exactly 40 Z85 characters). */
static td_err s_read_key(const char *path, int fd, char key[TD_Z85_KEY_LEN + 1], char *err,
                         size_t errlen)
{
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        return td_fail(TD_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
    buf[n] = '\0';
    size_t len = strcspn(buf, "\r\n");
    uint8_t raw[32];
    if (len != TD_Z85_KEY_LEN)
        return td_fail(TD_ERR_INVALID, err, errlen,
                       "%s: not a key file (expected one line of 40 Z85 characters)", path);
    buf[len] = '\0';
    if (zmq_z85_decode(raw, buf) == NULL)
        return td_fail(TD_ERR_INVALID, err, errlen, "%s: not a valid Z85 key", path);
    memcpy(key, buf, TD_Z85_KEY_LEN + 1);
    memset(buf, 0, sizeof buf);
    return TD_OK;
}

td_err td_keys_load_secret(const char *path, char secret[TD_Z85_KEY_LEN + 1],
                           char public_key[TD_Z85_KEY_LEN + 1], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    td_err rc = TD_OK;
    if (fstat(fd, &st) != 0) {
        rc = td_fail(TD_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
    } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = td_fail(TD_ERR_PERMISSION, err, errlen,
                     "%s: secret key is readable by others; run: chmod 600 %s", path, path);
    } else {
        rc = s_read_key(path, fd, secret, err, errlen);
    }
    close(fd);
    if (rc == TD_OK && zmq_curve_public(public_key, secret) != 0)
        rc = td_fail(TD_ERR_INVALID, err, errlen, "%s: cannot derive the public key", path);
    return rc;
}

td_err td_keys_load_public(const char *path, char public_key[TD_Z85_KEY_LEN + 1], char *err,
                           size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: %s", path, strerror(errno));
    td_err rc = s_read_key(path, fd, public_key, err, errlen);
    close(fd);
    return rc;
}

static td_err s_setopt_int(void *sock, int option, int value)
{
    return zmq_setsockopt(sock, option, &value, sizeof value) == 0 ? TD_OK : TD_ERR_ZMQ;
}

td_err td_socket_curve_server(void *sock, const char *secret, const char *zap_domain)
{
    if (zap_domain == NULL || zap_domain[0] == '\0')
        return TD_ERR_INVALID; /* an empty domain would let every key in */
    if (s_setopt_int(sock, ZMQ_CURVE_SERVER, 1) != TD_OK ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, TD_Z85_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, zap_domain, strlen(zap_domain)) != 0 ||
        s_setopt_int(sock, ZMQ_ZAP_ENFORCE_DOMAIN, 1) != TD_OK)
        return TD_ERR_ZMQ;
    return TD_OK;
}

td_err td_socket_curve_client(void *sock, const char *server_public, const char *public_key,
                              const char *secret)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, TD_Z85_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, TD_Z85_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, TD_Z85_KEY_LEN) != 0)
        return TD_ERR_ZMQ;
    return TD_OK;
}

td_err td_socket_basics(void *sock, int heartbeat_ivl_ms, int heartbeat_timeout_ms,
                        int heartbeat_ttl_ms)
{
    if (s_setopt_int(sock, ZMQ_LINGER, 0) != TD_OK)
        return TD_ERR_ZMQ;
    if (heartbeat_ivl_ms > 0 &&
        (s_setopt_int(sock, ZMQ_HEARTBEAT_IVL, heartbeat_ivl_ms) != TD_OK ||
         s_setopt_int(sock, ZMQ_HEARTBEAT_TIMEOUT, heartbeat_timeout_ms) != TD_OK ||
         s_setopt_int(sock, ZMQ_HEARTBEAT_TTL, heartbeat_ttl_ms) != TD_OK))
        return TD_ERR_ZMQ;
    return TD_OK;
}
