"""A household document (``registry.search.read_household_for``'s JSON values, masked) as the 一户一档 page shows it:
each value in words (codes as their labels, yes/no, money in yuan), each field named as the household format names
it (``registry.schemas``' Chinese titles; in English the field's own name).

    member_rows(doc)    [(member, [(label, text)], [Section])]: a member's facts, and each list of facts as a table
    household_rows(doc) [(label, text)] of the household's own fields
    change_rows(history)  the change log newest first, each path and value in words
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jiuzhu.i18n import language, t
from jiuzhu.money import format_amount
from jiuzhu.registry import schemas as s
from jiuzhu.registry.service import path_vocabulary, path_words

MONEY = re.compile(r"^-?\d+\.\d{2}$")
NOT_MONEY = {"floor_area_m2"}
MEMBER_LISTS = ("incomes", "financial_assets", "vehicles", "real_estate", "businesses", "supporters")
HOUSEHOLD_LISTS = ("rigid_spending", "emergencies", "enrolments")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]


def label(loc: tuple) -> str:
    """The last name along ``loc``: 工资性收入 (Chinese), wages (English)."""
    if language() == "zh":
        title = s.field_title(loc)
        if title:
            return re.sub(r"(第\d+项| \S+)$", "", title.split("·")[-1])
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    return name.replace("_", " ")


def words(path: str, key: str, value: Any) -> str:
    """One value as people read it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        if key == "urban" and "." not in path:  # the household's 城乡类别: which 低保 line applies
            return t("urban") if value else t("rural")
        return t("yes") if value else t("no")
    if isinstance(value, str):
        vocabulary = path_vocabulary(path)
        if vocabulary is not None:
            try:
                return vocabulary(value).words()
            except ValueError:
                return value
        if MONEY.match(value) and key not in NOT_MONEY:
            return t("{amount} yuan", amount=format_amount(value))
        return value
    if isinstance(value, dict):
        colon, semicolon = ("：", "；") if language() == "zh" else (": ", "; ")
        return semicolon.join(f"{label(_loc(path, k))}{colon}{words(f'{path}.{k}', k, v)}"
                              for k, v in value.items() if v is not None)
    return str(value)


def _loc(path: str, key: str) -> tuple:
    from jiuzhu.registry.service import path_loc

    return path_loc(f"{path}.{key}")


def scalars(doc: dict, path: str, skip: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for key, value in doc.items():
        if key in skip or isinstance(value, list):
            continue
        full = f"{path}.{key}" if path else key
        out.append((label(_loc(path, key) if path else (key,)), words(full, key, value)))
    return out


def section(doc: dict, path: str, key: str) -> Section | None:
    items = doc.get(key) or []
    if not items:
        return None
    columns = list(dict.fromkeys(k for item in items for k in item))
    base = f"{path}.{key}" if path else key
    rows = [[words(f"{base}[0].{c}", c, item.get(c)) for c in columns] for item in items]
    head = [label(_loc(f"{base}[0]", c)) for c in columns]
    return Section(key, label(_loc(path, key) if path else (key,)), head, rows)


def household_rows(doc: dict) -> list[tuple[str, str]]:
    return scalars(doc, "", ("members",))


def household_sections(doc: dict) -> list[Section]:
    return [sec for key in HOUSEHOLD_LISTS if (sec := section(doc, "", key)) is not None]


def member_rows(doc: dict) -> list[tuple[dict, list[tuple[str, str]], list[Section]]]:
    out = []
    for i, member in enumerate(doc.get("members", [])):
        path = f"members[{i}]"
        facts = scalars(member, path, ())
        sections = [sec for key in MEMBER_LISTS if (sec := section(member, path, key)) is not None]
        out.append((member, facts, sections))
    return out


def change_rows(history: list[dict]) -> list[dict]:
    """The change log, newest first (一户一档: newest first), each change in words."""
    rows = []
    for change in reversed(history):
        path = change["path"]
        key = path.rsplit(".", 1)[-1]
        rows.append({**change, "field": path_words(path), "old_text": words(path, key, change["old"]),
                     "new_text": words(path, key, change["new"])})
    return rows


def member_lines(doc: dict) -> list[dict]:
    """One line per member for the members tab: name, masked ID number, relation, counted, employment, phone."""
    out = []
    for i, member in enumerate(doc.get("members", [])):
        path = f"members[{i}]"
        out.append({"name": member.get("name"), "id_number": member.get("id_number"),
                    "relation": words(f"{path}.relation", "relation", member.get("relation")),
                    "counted": member.get("counted", True) is not False,
                    "exclusion": words(f"{path}.exclusion_reason", "exclusion_reason", member.get("exclusion_reason")),
                    "employment": words(f"{path}.employment", "employment", member.get("employment")),
                    "phone": member.get("phone") or "—"})
    return out
