"""Files uploaded for an import: checked, and kept under ``<home>/uploads/`` until the job has read them.

    save_upload(home, name, stream, limit=MAX_BYTES)  -> Path  (the kept copy; refused with one line naming the file)

An upload is personal data: its folder is the owner's only (0700), the file is written under a temporary name and
renamed when whole (``files.atomic_output``), and it is refused before anything is kept when it is too large, of
an unknown type, or not what its name says (a workbook that is no zip package, a text file that is binary).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import BinaryIO

from jiuzhu.errors import JiuzhuError
from jiuzhu.files import ZIP_MAGIC, atomic_output, is_text, storage_error, writable_folder
from jiuzhu.i18n import t

UPLOADS = "uploads"
MAX_BYTES = 200 * 1024 * 1024  # a district's ledger as .xlsx is some tens of MB; JSON Lines of 100,000 households more
LEDGER_SUFFIXES = frozenset({".xlsx", ".csv"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
SUFFIXES = LEDGER_SUFFIXES | JSON_SUFFIXES
CHUNK = 1 << 20


def safe_name(name: str) -> str:
    """The file's own name without folders or characters a file system refuses (an upload names its file)."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r'[\x00-\x1f<>:"|?*]+', "_", base)
    return base[-120:] or "upload"


def check_name(name: str) -> str:
    """The suffix of an uploaded file's name if Jiuzhu imports it; else one line naming the file."""
    suffix = Path(safe_name(name)).suffix.lower()
    if suffix not in SUFFIXES:
        raise JiuzhuError(t("{file}: a ledger (.xlsx, .csv) or households as JSON (.json, .jsonl) can be imported, "
                            "not '{suffix}'", file=safe_name(name), suffix=suffix or "-"), field="file")
    return suffix


def check_content(name: str, head: bytes) -> None:
    """The first bytes agree with the name: .xlsx is a zip package, the others are text; else one line."""
    suffix = check_name(name)
    if not head:
        raise JiuzhuError(t("{file} is empty: it holds no household", file=safe_name(name)), field="file")
    if suffix == ".xlsx" and not head.startswith(ZIP_MAGIC):
        raise JiuzhuError(t("{file} is not an Excel workbook (.xlsx) although its name says so: save it from Excel "
                            "or WPS as .xlsx and upload it again", file=safe_name(name)), field="file")
    if suffix != ".xlsx" and (head.startswith(ZIP_MAGIC) or not is_text(head)):
        raise JiuzhuError(t("{file} is not a text file although its name ends in {suffix}: upload the file itself "
                            "(an .xlsx workbook, or text saved as UTF-8)", file=safe_name(name), suffix=suffix),
                          field="file")


def save_upload(home: Path, name: str, stream: BinaryIO, *, limit: int = MAX_BYTES) -> Path:
    """Keep an uploaded file under ``<home>/uploads`` and return its path; refuse it (nothing kept) when it is too
    large, of a type Jiuzhu does not import, or not what its name says."""
    check_name(name)
    folder = writable_folder(Path(home) / UPLOADS)
    try:
        folder.chmod(0o700)
    except OSError as exc:
        raise storage_error(exc, folder) from None
    path = folder / f"{uuid.uuid4().hex[:12]}-{safe_name(name)}"
    head = stream.read(CHUNK)
    check_content(name, head)
    size = len(head)
    with atomic_output(path) as tmp, tmp.open("wb") as out:
        out.write(head)
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise JiuzhuError(t("{file} is larger than {limit} MB: split it into several files and upload each",
                                    file=safe_name(name), limit=limit // (1024 * 1024)), field="file")
            out.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        raise JiuzhuError(t("{file} is larger than {limit} MB: split it into several files and upload each",
                            file=safe_name(name), limit=limit // (1024 * 1024)), field="file")
    return path


def remove(path: Path | str | None) -> None:
    """Forget an upload once its import has finished (it is personal data kept for no other purpose)."""
    if path:
        Path(path).unlink(missing_ok=True)
