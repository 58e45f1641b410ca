/* backup.h: hot compacted backup of the collector's store, restore with its checks, in-use test. */
#ifndef TIENDO_BACKUP_H
#define TIENDO_BACKUP_H

#include <stddef.h>

#include "atomic_file.h"
#include "error.h"
#include "store.h"
#include "verify.h"

/* The procedures of docs/operations.md, "Backup and restore". A store folder holds
 * data.mdb (the store) and lock.mdb (LMDB's reader table). Every function here works on
 * folders and whole stores; none keeps state between calls. They may run in any thread
 * (each opens what it needs), but never two on the same destination at once. Messages
 * for the operator go into err (never to a stream). */

/* Hot, compacted copy of the open store into dest_dir/data.mdb (dest_dir is created
 * 0700 when missing). Runs in one read transaction beside a running collector; written
 * to a temporary file, fsync'd, then renamed, so a crash never leaves a half copy under
 * the real name. *bytes_out: the size written (0 on error). Errors: TD_ERR_EXISTS when
 * dest_dir already holds a data.mdb (it is left as it was); TD_ERR_TOOBIG for a path too
 * long; an errno code when dest_dir cannot be made or written; TD_ERR_STORE (or
 * TD_ERR_DISKFULL) when LMDB's copy fails. */
td_err backup_copy(store_t *store, const char *dest_dir, size_t *bytes_out, char *err,
                   size_t errlen);

/* Open the store in dir read-only and run `check` (verify_store) on it. TD_OK when it
 * passed (*result filled: free it with verify_free). TD_ERR_STORE when it did not pass:
 * *result holds what check found (print it with verify_print_json, then verify_free) and
 * err says so; on any other error *result is empty and err says why (TD_ERR_NOTFOUND: no
 * store in dir). */
td_err backup_check(const char *dir, verify_result *result, char *err, size_t errlen);

/* What a restore did. */
typedef struct {
    verify_result check;       /* the last check run: of the restored store on success, of
                                  whichever failed otherwise (empty when none ran to the end);
                                  free with verify_free */
    char kept_as[TD_PATH_MAX]; /* where the replaced data.mdb was moved ("" when none was) */
} backup_restored;

/* Restore the backup in backup_dir into state_dir (created 0700 when missing), for a
 * stopped collector: check the backup (it must pass), refuse a state_dir whose store any
 * process has open (even with force), refuse a non-empty state_dir unless force (the old
 * data.mdb is then kept as data.mdb.before-restore-<ms>, out->kept_as), drop the old
 * lock.mdb, copy data.mdb through a temporary name with fsync, and check the result.
 * Errors (err says which step and why): TD_ERR_STORE when the backup or the result does
 * not pass check (out->check holds it); TD_ERR_EXISTS for a store in use or a non-empty
 * folder without force; an errno code for a file that cannot be read, made or moved. */
td_err backup_restore(const char *backup_dir, const char *state_dir, int force,
                      backup_restored *out, char *err, size_t errlen);

/* 1 when another process has the store in dir open (a running collector, check or
 * backup), 0 when not (or when dir holds no lock.mdb), -1 on error (errno). Uses LMDB's
 * own lock-file convention. The answer may be stale as soon as it is given. */
int backup_store_in_use(const char *dir);

#endif
