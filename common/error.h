/* error.h: the one error enum of tiendo and its strerror. */
#ifndef TIENDO_ERROR_H
#define TIENDO_ERROR_H

#include <stddef.h>

/* Every fallible tiendo function returns one of these (TD_OK = 0). errno, zmq and
 * MDB_* codes are translated at module boundaries; the original detail goes to the
 * log or to a caller-supplied message buffer. */
typedef enum {
    TD_OK = 0,
    TD_ERR_NOMEM,       /* out of memory, or an allocation cap was hit */
    TD_ERR_INVALID,     /* bad argument or bad input (report, period, config) */
    TD_ERR_NOTFOUND,    /* no such key, unit, file or record */
    TD_ERR_EXISTS,      /* already exists */
    TD_ERR_TOOBIG,      /* input or output over its size bound */
    TD_ERR_DECODE,      /* malformed protobuf or JSON */
    TD_ERR_IO,          /* file system error */
    TD_ERR_PERMISSION,  /* file mode or ownership refused */
    TD_ERR_ZMQ,         /* ZeroMQ error */
    TD_ERR_STORE,       /* LMDB error other than the two below */
    TD_ERR_MAPFULL,     /* LMDB map full: grow and retry */
    TD_ERR_DISKFULL,    /* the disk is full: retry later */
    TD_ERR_TIMEOUT,     /* a deadline passed */
    TD_ERR_INTERRUPTED, /* a signal asked us to stop */
    TD_ERR_CONFIG,      /* configuration invalid */
    TD_ERR_PROTOCOL,    /* peer broke the protocol */
    TD_ERR__COUNT
} td_err;

/* A static, human-readable description of err, in English (marked for translation: show
 * it to people as _(td_strerror(err))); never NULL. */
const char *td_strerror(int err);

/* Map an errno value to a td_err. */
td_err td_err_from_errno(int errnum);

/* Write a message into the caller's buffer (err may be NULL or errlen 0: nothing is
 * written). The one way modules fill their "char *err, size_t errlen" parameters. fmt is
 * an English literal and the gettext msgid (xgettext collects td_msg:3 and td_fail:4):
 * the message is written in the language td_i18n_init chose, and kept in parts, its
 * English format and arguments, for td_reason_last (a daemon sends those, and the reader
 * translates them: docs/protocol.md, "Reasons"). */
void td_msg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* td_msg, then return code: for `return td_fail(TD_ERR_IO, err, errlen, "...", ...)`. */
td_err td_fail(td_err code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
