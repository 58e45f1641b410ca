/* mdb_error.c: LMDB and errno codes from mdb_* calls, translated at the module boundary. */
#include "mdb_error.h"

#include <errno.h>
#include <lmdb.h>

td_err td_err_from_mdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return TD_OK;
    case MDB_NOTFOUND:
    case ENOENT:
        return TD_ERR_NOTFOUND;
    case MDB_MAP_FULL:
        return TD_ERR_MAPFULL;
    case MDB_KEYEXIST:
        return TD_ERR_EXISTS;
    case ENOSPC:
    case EDQUOT:
        return TD_ERR_DISKFULL;
    case ENOMEM:
        return TD_ERR_NOMEM;
    case EACCES:
    case EPERM:
        return TD_ERR_PERMISSION;
    default:
        return TD_ERR_STORE;
    }
}
