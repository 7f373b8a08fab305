"""Pydantic's validation errors in the user's language, naming the field.

``reason(error)`` turns one error of ``ValidationError.errors()`` into a sentence: the errors a household
document or a form can produce have their own message here (translated by the catalogue); a message
raised by one of our validators (``ValueError(t(...))``) is already in the user's language and is kept.
"""

from __future__ import annotations

import re
from typing import Any

from jiuzhu.i18n import N_, t

# type → message; its fields come from the error's ``ctx`` (and ``input``).
MESSAGES: dict[str, str] = {
    "missing": N_("required"),
    "extra_forbidden": N_("unknown field: not part of the format"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "dict_type": N_("must be an object"),
    "list_type": N_("must be a list ([…])"),
    "string_type": N_("must be text"),
    "string_too_short": N_("must not be blank (at least {min_length} characters)"),
    "string_too_long": N_("is too long (at most {max_length} characters)"),
    "string_pattern_mismatch": N_("'{input}' does not have the required form"),
    "string_unicode": N_("is not valid Unicode text"),
    "too_short": N_("needs at least {min_length} items"),
    "too_long": N_("has too many items (at most {max_length})"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("'{input}' is not true or false"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("'{input}' is not a whole number"),
    "int_from_float": N_("'{input}' is not a whole number"),
    "int_parsing_size": N_("'{input}' is too large"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be {ge} or more"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be {le} or less"),
    "enum": N_("'{input}' is not one of: {expected}"),
    "literal_error": N_("'{input}' is not one of: {expected}"),
    "date_type": N_("must be a date such as 2025-07-31"),
    "date_parsing": N_("'{input}' is not a date such as 2025-07-31"),
    "date_from_datetime_parsing": N_("'{input}' is not a date such as 2025-07-31"),
    "date_from_datetime_inexact": N_("'{input}' is a time, not a date such as 2025-07-31"),
    "decimal_type": N_("must be a number written as text"),
    "decimal_parsing": N_("'{input}' is not a number"),
    "json_invalid": N_("is not valid JSON"),
    "recursion_loop": N_("is nested too deeply"),
    "value_error": "{message}",
    "assertion_error": "{message}",
}


def reason(error: dict[str, Any]) -> str:
    """One error of ``ValidationError.errors()`` as a sentence in the current language."""
    kind = error.get("type", "")
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):
        message = error.get("msg", "")
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        kind = f"string_{kind}"  # a text checked after stripping: its length, not a list's
    template = MESSAGES.get(kind)
    if template is None:
        return error.get("msg", kind)
    value = error.get("input")
    if kind.startswith("date_from_datetime") and isinstance(value, int | float) and not isinstance(value, bool):
        return t(A_NUMBER, input=_short(value))  # 20250831 is a number, not a date that holds a time
    fields = {k: _short(v) for k, v in ctx.items()}
    if "expected" in ctx:  # Pydantic's "'a', 'b' or 'c'": English words inside a Chinese line
        fields["expected"] = choices(re.findall(r"'([^']*)'", str(ctx["expected"]))) or fields["expected"]
    fields["input"] = _input(value)
    try:
        return t(template, **fields)
    except (KeyError, IndexError):
        return error.get("msg", kind)


A_NUMBER = N_("{input} is a number, not a date: write the date as text, e.g. \"2025-07-31\"")
NULL = N_("null (no value)")
LIST_SEPARATOR = N_(", ")
LIST_LAST = N_("{items} or {last}")


def choices(items: list[str]) -> str:
    """``['a', 'b', 'c']`` as the user's language lists alternatives: a, b or c — a、b 或 c."""
    if len(items) < 2:
        return "".join(items)
    return t(LIST_LAST, items=t(LIST_SEPARATOR).join(items[:-1]), last=items[-1])


def _input(value: Any) -> str:
    """The value given, as the caller wrote it in JSON: null, true, false — never Python's None or True."""
    if value is None:
        return t(NULL)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _short(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
