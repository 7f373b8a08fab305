"""Checks of what a user typed, made before any long work starts: each refusal is one line naming the option,
argument or file, and what to do (JiuzhuError: exit code 2).

    date(value, "--on")                   YYYY-MM-DD, a real date
    input_file(path, {".json", …})        exists, a file, not empty, readable, of its kind (UTF-8 JSON, a real .xlsx)
    output_file(path, {".xlsx", …})       a file name of a known kind whose folder can be written
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t

HEAD_BYTES = 1 << 16  # the start of a file, enough to tell its kind and encoding


def refuse(option: str, reason: str) -> JiuzhuError:
    return JiuzhuError(t("{option}: {reason}", option=option, reason=reason))


def date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise refuse(option, t("'{value}' is not a date; write it as 2025-08-31", value=value)) from None


def input_file(path: Path, suffixes: set[str], option: str = "") -> Path:
    """A file to read: it exists, is a file, is not empty, can be read, and its start is of its kind."""
    label = f"{option} {path}".strip()
    if not path.exists():
        raise JiuzhuError(t("{file}: no such file; check the name and the folder", file=label))
    if path.is_dir():
        raise JiuzhuError(t("{file} is a folder, not a file", file=label))
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise JiuzhuError(t("{file}: unknown file type '{suffix}'; use {suffixes}", file=label, suffix=suffix,
                            suffixes=", ".join(sorted(suffixes))))
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as exc:
        raise JiuzhuError(t("{file} cannot be read: {cause}", file=label, cause=exc.strerror or exc)) from None
    if not head.strip():
        raise JiuzhuError(t("{file} is empty", file=label))
    if suffix in (".json", ".jsonl"):
        from jiuzhu.registry.interchange import check_file

        check_file(path)  # encoding, binary data, a masked export: the interchange's own check names it
    # A ledger (.xlsx, .csv) is checked by the ledger's reader, which names what the file is instead.
    return path


def output_file(path: Path, suffixes: set[str], option: str = "") -> Path:
    """A file to write: a known kind, not a folder, in a folder that can be written (created if missing)."""
    from jiuzhu.files import writable_folder

    label = f"{option} {path}".strip()
    if path.is_dir():
        example = path / ("export" + sorted(suffixes)[0])
        raise JiuzhuError(t("{file} is a folder; give a file name such as {example}", file=label, example=example))
    if path.suffix.lower() not in suffixes:
        raise JiuzhuError(t("{file}: unknown file type '{suffix}'; use {suffixes}", file=label,
                            suffix=path.suffix.lower(), suffixes=", ".join(sorted(suffixes))))
    folder = path.absolute().parent
    if not folder.is_dir():  # a typo in a folder name must not scatter personal data into new folders
        raise JiuzhuError(t("{file}: the folder {folder} does not exist; create it first or choose another",
                            file=label, folder=folder))
    writable_folder(folder)
    return path
