"""Personal identifiers and how every output shows them (个人信息保护法): masked unless unmasked on purpose.

One list of what is an identifier (``IDENTIFIER_PATHS``) and one masking rule per kind, used by every
output of the registry's service (show, history, exports, workbooks, lists) so that no face can forget one.

    mask_id("512126195804120037")      → "512126********0037"   resident ID numbers (GB 11643)
    mask_certificate("5121261958…42")  → "512126**********3542"  certificates that embed the ID number
    mask_account("6217000012345678")   → "************5678"      bank accounts, cards, policies, plates
    mask_phone("13812345678")          → "138****5678"
    mask_document(doc)                 → a copy of the household document with every identifier masked
    mask_path_value(path, value)       → the value of a change-log path, masked if the path is an identifier's
    masked_paths(doc)                  → where a document holds masked identifiers (an export made for reading)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jiuzhu.registry.validation import mask_account, mask_id

__all__ = ["IDENTIFIER_PATHS", "mask_account", "mask_certificate", "mask_document", "mask_id", "mask_path",
           "mask_path_value", "mask_phone", "masked_paths"]


def mask_certificate(number: str) -> str:
    """Certificate numbers (disability, real estate): first 6 and last 4 characters, like an ID number."""
    return mask_id(number)


def mask_phone(number: str) -> str:
    """Phone numbers: the first 3 and last 4 digits stay visible."""
    digits = str(number)
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# Where identifiers sit in a household document (the last part names the field; [] is any list item),
# and how each is masked.
IDENTIFIER_PATHS: dict[str, Any] = {
    "members[].id_number": mask_id,
    "members[].phone": mask_phone,
    "members[].disability.certificate_no": mask_certificate,
    "members[].supporters[].id_number": mask_id,
    "members[].financial_assets[].account": mask_account,
    "members[].vehicles[].plate": mask_account,
    "members[].real_estate[].certificate_no": mask_certificate,
    "rigid_spending[].id_number": mask_id,
    "enrolments[].id_number": mask_id,
}
_PATTERNS = [(re.compile("^" + re.escape(p).replace(r"\[\]", r"\[[^\]]*\]") + "$"), f)
             for p, f in IDENTIFIER_PATHS.items()]


@lru_cache(maxsize=4096)
def _masker(path: str):
    # A document has a few dozen distinct paths and every page of the web application reads one: the answer for
    # each path is remembered (bounded), not matched against every pattern again.
    return next((f for pattern, f in _PATTERNS if pattern.match(path)), None)


def mask_document(data: dict) -> dict:
    """A copy of a household document (``model_dump(mode="json")``) with every identifier masked."""
    return _walk(data, "")


def _walk(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, f"{path}[]") for v in value]
    masker = _masker(path)
    return masker(value) if masker is not None and isinstance(value, str) and value else value


def mask_path(path: str) -> str:
    """A change-log path with the ID numbers that key its list items masked: ``members[512126…0037].name``."""
    return re.sub(r"\[(\d{17}[\dX])\]", lambda m: f"[{mask_id(m.group(1))}]", path)


def mask_path_value(path: str, value: Any) -> Any:
    """The old or new value of a change-log path, masked when the path is an identifier's (or holds one)."""
    generic = re.sub(r"\[[^\]]*\]", "[]", path)
    if isinstance(value, (dict, list)):
        prefix = generic
        return _walk(value, prefix)
    masker = _masker(generic)
    return masker(value) if masker is not None and isinstance(value, str) and value else value


def masked_paths(data: Any) -> list[str]:
    """The paths (``members[0].id_number``) whose identifier is masked (holds ``*``, which no identifier
    does): such a document was exported for reading and cannot be stored again."""
    found: list[str] = []
    _find_masked(data, "", "", found)
    return found


def _find_masked(value: Any, path: str, generic: str, found: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _find_masked(v, f"{path}.{k}" if path else str(k), f"{generic}.{k}" if generic else str(k), found)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _find_masked(v, f"{path}[{i}]", f"{generic}[]", found)
    elif isinstance(value, str) and "*" in value and _masker(generic) is not None:
        found.append(path)
