"""Files that are written whole or not at all, and storage errors a user can act on.

Every output Jiuzhu writes (exports, workbooks, snapshots, reports) goes through ``atomic_output``: the
content is written under a temporary name in the same folder and renamed into place only when complete,
so a full disk, a killed process or an error never leaves a cut file under the real name. Errors of the
operating system become one line naming the folder and the cause (``StorageError``).

    with atomic_output(path) as tmp:      # tmp: a Path beside ``path``; write it, then it is renamed
        workbook.save(tmp)
    writable_folder(folder)               # create it, or StorageError saying why not
    check_suffix(path, {".csv", …})       the suffix that chooses a reader or writer, or one line naming the file
    check_output(path, {".csv", …})       a file to write: of a known kind, not a folder, its folder there and
                                          writable (no folder is created: a typo must not scatter personal data)
    storage_error(exc, path)              # OSError → StorageError (disk full, read-only, no permission …)

A folder of personal data that takes long to write (a scan's folder, what-if's snapshot of the registry) is
staged: ``locked_folder(folder)`` writes ``<folder>.partial-<random>`` beside a lock file that the writing process
holds, and ``commit()`` gives it its real name (never committed: removed at the end). A process killed with
kill -9 leaves at most a partial folder whose lock nobody holds; ``clean_abandoned(parent)`` removes those and
leaves alone the ones whose lock is held (a process still writing):

    with locked_folder(folder) as staging:     # staging.work: the partial folder (owner only), to fill
        ...; staging.commit()                   # renamed to ``folder``; without commit: removed
    clean_abandoned(parent, prefix="")          # -> the partial folders of crashed processes, removed

Files that people bring are text of some encoding: ``is_text(sample)`` and ``guess_encoding(sample)`` are the
one check and the one guess every reader (JSON, CSV) uses to say what a file that is not UTF-8 looks like.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from jiuzhu.errors import ConfigurationError, JiuzhuError
from jiuzhu.i18n import N_, t

TEMPORARY_MARK = ".partial-"  # the temporary names: <name>.partial-<random>, never read as results
LOCK = ".lock"  # <name>.partial-<random>.lock: held by the process writing a staged folder


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
    errno.EEXIST: N_("a file of that name is in the way (a folder is needed)"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.EFBIG: N_("the file is too large for this file system or its limits"),
    errno.ENAMETOOLONG: N_("the name is too long"),
}


NO_NEW_FILES = N_("the folder exists but no file can be made in it (a system folder such as /proc)")


def storage_error(exc: OSError, path: Path | str) -> StorageError:
    """The one line a user reads for an operating-system error on ``path``."""
    cause = t(_CAUSES[exc.errno]) if exc.errno in _CAUSES else (exc.strerror or str(exc))
    if exc.errno == errno.ENOENT and Path(path).is_dir():  # /proc, /sys: the folder is there, no file can be made
        cause = t(NO_NEW_FILES)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageError(t("cannot write {path}: {cause}; free space, choose another folder or fix its "
                              "permissions, then try again", path=path, cause=cause))
    return StorageError(t("cannot write {path}: {cause}; choose another folder (or move what is in the way) "
                          "and try again", path=path, cause=cause))


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


def check_suffix(path: Path | str, suffixes: set[str] | tuple[str, ...], option: str = "") -> str:
    """The suffix of ``path`` (lower case) if it is one of ``suffixes``: which reader or writer to use; else one
    line naming the file (after ``option``, the command's option it was given as, if any)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise JiuzhuError(t("{file}: unknown file type '{suffix}'; use {suffixes}", file=_label(path, option),
                            suffix=suffix, suffixes=", ".join(sorted(suffixes))))
    return suffix


def check_output(path: Path | str, suffixes: set[str] | tuple[str, ...], option: str = "") -> Path:
    """``path`` if a file of one of ``suffixes`` can be written there: not a folder, in a folder that exists and
    can be written; else one line naming it. Every writer of personal data checks its path with this."""
    path = Path(path)
    if path.is_dir():
        example = path / ("export" + sorted(suffixes)[0])
        raise JiuzhuError(t("{file} is a folder; give a file name such as {example}", file=_label(path, option),
                            example=example))
    check_suffix(path, suffixes, option)
    folder = path.absolute().parent
    if not folder.is_dir():  # a typo in a folder name must not scatter personal data into new folders
        raise JiuzhuError(t("{file}: the folder {folder} does not exist; create it first or choose another",
                            file=_label(path, option), folder=folder))
    writable_folder(folder)
    return path


def _label(path: Path, option: str) -> str:
    return f"{option} {path}".strip()


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


# --------------------------------------------------------------------------- staged folders and crashes

class LockedFolder:
    """``<folder>.partial-<random>`` (``work``) while a process writes it, renamed to ``folder`` by ``commit``. The
    lock file ``<partial>.lock`` is created and locked before the folder and removed after it, so a partial folder
    whose lock is free (or missing) belongs to no running process."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.work = self.folder.with_name(f"{self.folder.name}{TEMPORARY_MARK}{uuid.uuid4().hex[:8]}")
        self.lock = self.work.with_name(self.work.name + LOCK)
        self.fd: int | None = None
        self.committed = False

    def __enter__(self) -> LockedFolder:
        writable_folder(self.folder.parent)
        try:
            self.fd = os.open(self.lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(self.fd, f"{os.getpid()}\n".encode())
            self.work.mkdir(mode=0o700)  # personal data: the owner only
        except OSError as exc:
            self._release()
            raise storage_error(exc, self.folder) from None
        return self

    def commit(self) -> None:
        """Give the complete folder its real name."""
        try:
            os.replace(self.work, self.folder)
        except OSError as exc:
            raise storage_error(exc, self.folder) from None
        self.committed = True

    def __exit__(self, *exc) -> None:
        if not self.committed:
            shutil.rmtree(self.work, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        with contextlib.suppress(OSError):
            self.lock.unlink()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


locked_folder = LockedFolder  # ``with locked_folder(folder) as staging``


def clean_abandoned(parent: Path | str, prefix: str = "") -> list[Path]:
    """Remove the partial folders (and files) under ``parent`` whose name starts with ``prefix`` and whose lock no
    process holds: what crashed processes left; return them. A missing ``parent`` holds none."""
    parent = Path(parent)
    try:
        return _clean(parent, prefix) if parent.is_dir() else []
    except OSError as exc:
        raise storage_error(exc, parent) from None


def _clean(parent: Path, prefix: str) -> list[Path]:
    removed = []
    for entry in sorted(parent.iterdir()):
        if not entry.name.startswith(prefix) or TEMPORARY_MARK not in entry.name or entry.name.endswith(LOCK):
            continue
        with _abandoned(entry.with_name(entry.name + LOCK)) as abandoned:
            if abandoned:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
                removed.append(entry)
    for lock in parent.glob(f"{prefix}*{TEMPORARY_MARK}*{LOCK}"):  # a crash between the lock and the folder
        with _abandoned(lock) as abandoned:
            if abandoned and not lock.with_name(lock.name.removesuffix(LOCK)).exists():
                lock.unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def _abandoned(lock: Path) -> Iterator[bool]:
    """Yield whether no process holds ``lock`` (its writer crashed); if so, hold it, and remove it at the end."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        yield True
        return
    except PermissionError:  # another user's (a shared temporary folder): not ours to judge or remove
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        yield False
        return
    try:
        yield True
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


# --------------------------------------------------------------------------- text of unknown encoding

ZIP_MAGIC = b"PK\x03\x04"  # a zip package: .xlsx, .docx, an archive
_CJK = ("\u4e00", "\u9fff")
# What a file that is not UTF-8 may be, in the order tried: (codec, name, the script its text must hold). A
# Chinese Windows program writes GB18030/GBK; the others are said so that the user knows what to convert.
_GUESSES = (
    ("gb18030", "GB18030/GBK", (_CJK,)),
    ("big5", "Big5 (繁體中文)", (_CJK,)),
    ("shift_jis", "Shift_JIS (日本語)", (("\u3040", "\u30ff"), ("\uff61", "\uff9f"), _CJK)),
    ("euc_kr", "EUC-KR (한국어)", (("\uac00", "\ud7a3"),)),
    ("cp1252", "Windows-1252 (Western European)", ()),
)


def is_text(sample: bytes | str) -> bool:
    """Whether ``sample`` reads as text: no NUL and hardly any control characters (at most one in a hundred)."""
    if isinstance(sample, bytes):
        if b"\x00" in sample:
            return False
        sample = sample.decode("latin-1")
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return "\x00" not in sample and control <= len(sample) // 100


def guess_encoding(sample: bytes) -> str:
    """What the bytes of a file that is not UTF-8 look like, as a noun phrase in the current language for a
    message ("GB18030/GBK text, common in files from Chinese Windows programs"): a guess, said as one."""
    if sample.startswith(ZIP_MAGIC):
        return t("binary data (a spreadsheet, an archive …), not text")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            b"\x00" in sample and any(_decodes(sample, codec) for codec in ("utf-16-le", "utf-16-be"))):
        return t("UTF-16 text")
    if not is_text(sample):
        return t("binary data (a spreadsheet, an archive …), not text")
    for codec, name, scripts in _GUESSES:
        if _decodes(sample, codec, scripts):
            if codec == "gb18030":
                return t("{encoding} text, common in files from Chinese Windows programs", encoding=name)
            return t("{encoding} text", encoding=name)
    return t("text of an unknown encoding")


def _decodes(sample: bytes, codec: str, scripts: tuple = ()) -> bool:
    """``sample`` decodes as text in ``codec`` (a character cut at its end is fine), holding a character of one of
    ``scripts`` (ranges of characters) if any are given."""
    try:
        text = codecs.getincrementaldecoder(codec)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    if not is_text(text):
        return False
    return not scripts or any(low <= ch <= high for ch in text for low, high in scripts)
