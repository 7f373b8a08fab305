"""Why a file of the exchange could not be read — sources.toml, a key set (JWKS), a key file, the simulator's
faults — in the reader's words, one line (the system's and the parsers' own sentences are English)."""

from __future__ import annotations

import json
import re
import tomllib

from jiuzhu.i18n import N_, t

NO_FILE = N_("the file does not exist")
A_FOLDER = N_("it is a folder, not a file")
NO_PERMISSION = N_("permission denied")
NOT_UTF8 = N_("it is not UTF-8 text")
NOT_JSON = N_("it is not JSON (line {line}, column {column})")
NOT_TOML = N_("it is not valid TOML (line {line}, column {column})")
NOT_TOML_END = N_("it is not valid TOML (at its end: something is left open)")
TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def cause(exc: BaseException) -> str:
    """The reason ``exc`` gives, in the current language (a rare system error keeps the system's own words)."""
    if isinstance(exc, FileNotFoundError):
        return t(NO_FILE)
    if isinstance(exc, IsADirectoryError):
        return t(A_FOLDER)
    if isinstance(exc, PermissionError):
        return t(NO_PERMISSION)
    if isinstance(exc, UnicodeDecodeError):
        return t(NOT_UTF8)
    if isinstance(exc, json.JSONDecodeError):
        return t(NOT_JSON, line=exc.lineno, column=exc.colno)
    if isinstance(exc, tomllib.TOMLDecodeError):
        at = TOML_AT.search(str(exc))
        return t(NOT_TOML, line=at.group(1), column=at.group(2)) if at else t(NOT_TOML_END)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
