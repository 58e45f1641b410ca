/* atomic_file.h: replace a file so that readers and crashes see the old or the new one whole. */
#ifndef TIENDO_ATOMIC_FILE_H
#define TIENDO_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

#define TD_PATH_MAX 4096

/* A file being written under a temporary name beside its final one (PATH.partial.PID).
 * Not thread-safe; one per writer. */
typedef struct {
    int fd; /* write here (or hand it to mdb_env_copyfd2); -1 when not open */
    char path[TD_PATH_MAX];
    char tmp[TD_PATH_MAX + 32];
} td_atomic_file;

/* Create the temporary file with mode (umask still applies to nothing: fchmod sets it
 * exactly). When owner is not NULL its uid and gid are given to the new file (best effort:
 * root keeps root:tiendo 0640, another user cannot chown and keeps its own). Errors:
 * TD_ERR_TOOBIG (path too long), TD_ERR_IO/TD_ERR_PERMISSION/TD_ERR_DISKFULL from open;
 * err says which file and why. */
td_err td_atomic_open(td_atomic_file *f, const char *path, mode_t mode, const struct stat *owner,
                      char *err, size_t errlen);

/* Write all len bytes (retrying short writes and EINTR). ENOSPC -> TD_ERR_DISKFULL. */
td_err td_atomic_write(td_atomic_file *f, const void *data, size_t len, char *err, size_t errlen);

/* fsync the file, rename it over path, fsync the folder: when it returns TD_OK the new
 * content survives a crash. On error the temporary file is removed and path is untouched.
 * The file is closed either way. */
td_err td_atomic_commit(td_atomic_file *f, char *err, size_t errlen);

/* Close and remove the temporary file; path is untouched. Accepts a file never opened or
 * already committed. */
void td_atomic_abort(td_atomic_file *f);

/* The whole thing for content in memory: open, write, commit. */
td_err td_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                       const struct stat *owner, char *err, size_t errlen);

/* fsync the folder holding path (so a rename or a new file in it survives a crash). */
void td_fsync_parent(const char *path);

#endif
