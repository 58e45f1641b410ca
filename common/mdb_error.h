/* mdb_error.h: LMDB return codes as td_err (the one translation; daemons only). */
#ifndef TIENDO_MDB_ERROR_H
#define TIENDO_MDB_ERROR_H

#include "error.h"

/* MDB_SUCCESS -> TD_OK, MDB_NOTFOUND -> TD_ERR_NOTFOUND, MDB_MAP_FULL -> TD_ERR_MAPFULL,
 * MDB_KEYEXIST -> TD_ERR_EXISTS, ENOSPC/EDQUOT -> TD_ERR_DISKFULL, ENOMEM -> TD_ERR_NOMEM,
 * EACCES/EPERM -> TD_ERR_PERMISSION, ENOENT -> TD_ERR_NOTFOUND (no such store file), any
 * other LMDB or errno code -> TD_ERR_STORE. mdb_strerror(rc) gives the detail for logs. */
td_err td_err_from_mdb(int rc);

#endif
