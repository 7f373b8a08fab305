"""Value-level differences between two household documents, for the change log.

Lists are matched by a natural key where one exists (members by ID number,
incomes by month), so that inserting a member does not show every later member
as changed; other lists are matched by position.
"""

from __future__ import annotations

from typing import Any

LIST_KEYS = {
    "members": "id_number",
    "incomes": "month",
}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [1]}}`` → ``{"a.b[0]": 1}``, with keyed lists as ``members[<id>]``."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list):
        field = prefix.rsplit(".", 1)[-1].split("[")[-1]
        key = LIST_KEYS.get(field)
        for i, item in enumerate(value):
            tag = item[key] if key and isinstance(item, dict) and key in item else i
            out.update(flatten(item, f"{prefix}[{tag}]"))
        if not value:
            out[prefix] = []
    else:
        out[prefix] = value
    return out


def diff_documents(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """Every path whose value differs, with the old and new value (None when absent)."""
    a, b = flatten(old), flatten(new)
    paths = sorted(set(a) | set(b))
    return [(p, a.get(p), b.get(p)) for p in paths if a.get(p) != b.get(p)]
