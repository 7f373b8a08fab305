"""Checks of what a user typed, made before any long work starts: each refusal is one line naming the option,
argument or file, and what to do (JiuzhuError: exit code 2).

    date(value, "--on")                   YYYY-MM-DD, a real date

Files are checked by ``jiuzhu.files`` (check_suffix, check_output) and by the services that read them.
"""

from __future__ import annotations

import datetime as dt

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t


def refuse(option: str, reason: str) -> JiuzhuError:
    return JiuzhuError(t("{option}: {reason}", option=option, reason=reason))


def date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise refuse(option, t("'{value}' is not a date; write it as 2025-08-31", value=value)) from None
