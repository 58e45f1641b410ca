/* atomic_file.c: temporary name, fsync, rename, fsync of the folder. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static td_err s_errno_fail(const char *what, int e, char *err, size_t errlen)
{
    td_err code = e == ENOSPC || e == EDQUOT ? TD_ERR_DISKFULL : td_err_from_errno(e);
    if (code == TD_ERR_NOTFOUND || code == TD_ERR_INVALID)
        code = TD_ERR_IO;
    return td_fail(code, err, errlen, "%s: %s", what, strerror(e));
}

td_err td_atomic_open(td_atomic_file *f, const char *path, mode_t mode, const struct stat *owner,
                      char *err, size_t errlen)
{
    f->fd = -1;
    f->path[0] = f->tmp[0] = '\0';
    if (strlen(path) >= sizeof f->path)
        return td_fail(TD_ERR_TOOBIG, err, errlen, "%.200s...: path too long", path);
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->tmp, sizeof f->tmp, "%s.partial.%ld", path, (long) getpid());
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (f->fd < 0)
        return s_errno_fail(f->tmp, errno, err, errlen);
    /* Keep the old file's owner and group (root:tiendo 0640, say): a rewrite by root must
     * not leave a file the service user cannot read. Best effort when not root. */
    if (owner != NULL && fchown(f->fd, owner->st_uid, owner->st_gid) != 0) {
        /* not root: the file stays ours, which is what a non-root editor can do */
    }
    if (fchmod(f->fd, mode) != 0) {
        int e = errno;
        td_atomic_abort(f);
        return s_errno_fail(path, e, err, errlen);
    }
    return TD_OK;
}

td_err td_atomic_write(td_atomic_file *f, const void *data, size_t len, char *err, size_t errlen)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return s_errno_fail(f->tmp, n < 0 ? errno : ENOSPC, err, errlen);
        p += n;
        len -= (size_t) n;
    }
    return TD_OK;
}

void td_fsync_parent(const char *path)
{
    char dir[TD_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

td_err td_atomic_commit(td_atomic_file *f, char *err, size_t errlen)
{
    if (fsync(f->fd) != 0) {
        int e = errno;
        td_atomic_abort(f);
        return s_errno_fail(f->tmp, e, err, errlen);
    }
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0 || rename(f->tmp, f->path) != 0) {
        int e = errno;
        td_atomic_abort(f);
        return s_errno_fail(f->path, e, err, errlen);
    }
    f->tmp[0] = '\0';
    td_fsync_parent(f->path); /* the rename itself must survive a crash too */
    return TD_OK;
}

void td_atomic_abort(td_atomic_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp[0] != '\0')
        unlink(f->tmp);
    f->tmp[0] = '\0';
}

td_err td_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                       const struct stat *owner, char *err, size_t errlen)
{
    td_atomic_file f;
    td_err rc = td_atomic_open(&f, path, mode, owner, err, errlen);
    if (rc == TD_OK)
        rc = td_atomic_write(&f, data, len, err, errlen);
    if (rc == TD_OK)
        return td_atomic_commit(&f, err, errlen);
    td_atomic_abort(&f);
    return rc;
}
