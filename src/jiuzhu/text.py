"""Free text a person types — a decision's written reasons, a visit's note, an objection, an adjustment's reason —
checked once before it is stored: stripped, within its declared length, and without control characters (NUL, a
terminal's escape sequences, bells…), which would otherwise reach official notices and bank memos as they were
typed. Line breaks are allowed where a text may have several lines (written reasons).

    check_text(value, field, *, most=200, lines=False) -> str    the text, or JiuzhuError naming ``field``
"""

from __future__ import annotations

import re

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROL_BUT_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # the same, line feed allowed


def check_text(value: str, field: str, *, most: int = 200, lines: bool = False, title: str | None = None) -> str:
    """``value`` stripped (CRLF read as LF), if it holds no control character (a line feed allowed when
    ``lines``) and at most ``most`` characters; otherwise one line naming the field by its ``title`` (as the
    reader knows it; default the code ``field``, which the error carries for the form)."""
    text = (value or "").replace("\r\n", "\n").strip()
    name = title or field
    if (_CONTROL_BUT_LINES if lines else _CONTROL).search(text):
        raise JiuzhuError(t("{field}: holds a control character (such as NUL or an escape): remove it",
                            field=name), field=field)
    if len(text) > most:
        raise JiuzhuError(t("{field}: {chars} characters, at most {most}", field=name, chars=len(text), most=most),
                          field=field)
    return text
