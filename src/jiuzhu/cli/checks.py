"""Checks of what a user typed, made before any long work starts: each refusal is one line naming the option,
argument or file, and what to do (JiuzhuError: exit code 2).

    date(value, "--on")                   YYYY-MM-DD, a real date
    kind(path, {".json", …})              one of the suffixes a command reads (the reader checks the file)
    output_file(path, {".xlsx", …})       a file name of a known kind whose folder can be written
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t


def refuse(option: str, reason: str) -> JiuzhuError:
    return JiuzhuError(t("{option}: {reason}", option=option, reason=reason))


def date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise refuse(option, t("'{value}' is not a date; write it as 2025-08-31", value=value)) from None


def kind(path: Path, suffixes: set[str], option: str = "") -> str:
    """The suffix of ``path`` (lower case) if it is one of ``suffixes``: which reader or writer a command uses.
    The file itself (there, readable, of its kind) is checked by the service that reads it."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        label = f"{option} {path}".strip()
        raise JiuzhuError(t("{file}: unknown file type '{suffix}'; use {suffixes}", file=label, suffix=suffix,
                            suffixes=", ".join(sorted(suffixes))))
    return suffix


def output_file(path: Path, suffixes: set[str], option: str = "") -> Path:
    """A file to write: a known kind, not a folder, in a folder that can be written (created if missing)."""
    from jiuzhu.files import writable_folder

    label = f"{option} {path}".strip()
    if path.is_dir():
        example = path / ("export" + sorted(suffixes)[0])
        raise JiuzhuError(t("{file} is a folder; give a file name such as {example}", file=label, example=example))
    kind(path, suffixes, option)
    folder = path.absolute().parent
    if not folder.is_dir():  # a typo in a folder name must not scatter personal data into new folders
        raise JiuzhuError(t("{file}: the folder {folder} does not exist; create it first or choose another",
                            file=label, folder=folder))
    writable_folder(folder)
    return path
