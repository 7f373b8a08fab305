"""Files that are written whole or not at all, and storage errors a user can act on.

Every output Jiuzhu writes (exports, workbooks, snapshots, reports) goes through ``atomic_output``: the
content is written under a temporary name in the same folder and renamed into place only when complete,
so a full disk, a killed process or an error never leaves a cut file under the real name. Errors of the
operating system become one line naming the folder and the cause (``StorageError``).

    with atomic_output(path) as tmp:      # tmp: a Path beside ``path``; write it, then it is renamed
        workbook.save(tmp)
    writable_folder(folder)               # create it, or StorageError saying why not
    storage_error(exc, path)              # OSError → StorageError (disk full, read-only, no permission …)
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import N_, t

TEMPORARY_MARK = ".partial-"  # the temporary names: <name>.partial-<random>, never read as results


class StorageError(ConfigurationError):
    """A file or folder could not be written or read: disk full, read-only, no permission, missing."""

    code = "storage"


_CAUSES = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is exceeded"),
    errno.EROFS: N_("the file system is read-only"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.ENOENT: N_("the folder does not exist"),
    errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.EFBIG: N_("the file is too large for this file system or its limits"),
    errno.ENAMETOOLONG: N_("the name is too long"),
}


def storage_error(exc: OSError, path: Path | str) -> StorageError:
    """The one line a user reads for an operating-system error on ``path``."""
    cause = t(_CAUSES[exc.errno]) if exc.errno in _CAUSES else (exc.strerror or str(exc))
    return StorageError(t("cannot write {path}: {cause}; free space, choose another folder or fix its "
                          "permissions, then try again", path=path, cause=cause))


def writable_folder(folder: Path | str) -> Path:
    """``folder``, created if missing; StorageError if it cannot be created or written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f"{TEMPORARY_MARK}{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise storage_error(exc, folder) from None
    return folder


@contextlib.contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends normally it replaces ``path`` (rename,
    atomic on POSIX), otherwise it is removed. OSErrors become StorageError naming ``path``."""
    path = Path(path)
    writable_folder(path.parent)
    tmp = path.with_name(f"{path.name}{TEMPORARY_MARK}{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise storage_error(exc, path) from None
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_folder(folder: Path | str) -> Iterator[Path]:
    """Like ``atomic_output`` for a whole folder: it appears under its name only when complete."""
    folder = Path(folder)
    writable_folder(folder.parent)
    tmp = folder.with_name(f"{folder.name}{TEMPORARY_MARK}{uuid.uuid4().hex[:8]}")
    try:
        tmp.mkdir()
        yield tmp
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise storage_error(exc, folder) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
