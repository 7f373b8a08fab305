"""Enrolments in a ledger: from the rows, and over what the registry holds.

Listed: a household with 享受救助 rows lists its enrolments there, whole (ended ones, end and review dates,
taper); each person's row then shows those in force in the month exported, and what it shows must be one
of them (or blank). Without 享受救助 rows (a ledger kept by hand) the persons' rows are the enrolments: a
household programme (最低生活保障, 低保边缘家庭, 刚性支出困难家庭) may be shown on several rows and counts once,
those rows agreeing; any other programme is the row's person's.

Over the registry an import never ends or removes an enrolment: each one of the ledger updates the stored
one of the same programme and person (same start date, or else the latest open-ended one) in the columns
the file has, or is added; stored enrolments the ledger does not show stay (those of members who left go).
"""

from __future__ import annotations

from typing import Any

from jiuzhu.i18n import t
from jiuzhu.registry import schemas as s
from jiuzhu.registry.ledger.columns import COLUMNS, HOUSEHOLD_PROGRAMMES, KIND_LABELS
from jiuzhu.registry.ledger.problems import HouseholdRejected, for_nobody, not_applied
from jiuzhu.registry.ledger.rows import Row

ENROLMENT_COLUMNS = [col for col in COLUMNS if col.root == "enrolment"]
PROGRAMME = ENROLMENT_COLUMNS[0].header
FIELDS = [col.loc[-1] for col in ENROLMENT_COLUMNS]


def from_rows(rows: list[Row], member_rows: list[Row], ids: set[str], household_no: str) -> list[dict]:
    """The ledger's enrolments of one household (see the module's docstring)."""
    listed = [(row, row.items["enrolment"]) for row in rows if row.part == "enrolment"]
    for row, item in listed:
        if item["id_number"] is not None and item["id_number"] not in ids:
            raise for_nobody(household_no, row.number, KIND_LABELS["enrolment"])
    if not listed:
        return _from_person_rows(member_rows, household_no)
    items = [item for _, item in listed]
    for row in member_rows:
        if row.items.get("enrolment") and not _shown_among(row, items):
            reason = t("the enrolment on this person's row is none of those on the 享受救助 rows; change the 享受救助 "
                       "rows (this row only shows those in force), or leave its cells blank")
            raise not_applied(household_no, row.number, PROGRAMME, reason)
    return items


def _shown_among(row: Row, items: list[dict]) -> bool:
    shown = row.items["enrolment"]
    owners = {None, row.member["id_number"]}
    present = [f for f, col in zip(FIELDS, ENROLMENT_COLUMNS, strict=True) if col.header in row.cells]
    return any(item["id_number"] in owners and all(item[f] == shown[f] for f in present) for item in items)


def _from_person_rows(member_rows: list[Row], household_no: str) -> list[dict]:
    out: list[dict] = []
    first_of: dict[Any, Row] = {}
    for row in member_rows:
        e = row.items.get("enrolment")
        if e is None:
            continue
        if e["programme"] in HOUSEHOLD_PROGRAMMES and e["programme"] in first_of:
            other_row = first_of[e["programme"]]
            other = other_row.items["enrolment"]
            for col in ENROLMENT_COLUMNS[1:]:
                key = col.loc[-1]
                if e[key] != other[key]:
                    msg = t("{column} {value} of {programme} disagrees with {other} on row {row}; a household "
                            "programme has one amount and dates", column=col.header, value=col.format(e[key]),
                            programme=e["programme"].label, other=col.format(other[key]), row=other_row.number)
                    raise HouseholdRejected(col.header, t(
                        "household {household_no} not stored: rows disagree on {column} (row {rows})",
                        household_no=household_no, column=col.header, rows=row.number), {row.number: (col.header, msg)})
            continue
        if e["programme"] in HOUSEHOLD_PROGRAMMES:
            first_of[e["programme"]] = row
        out.append(e)
    return out


def merge(stored: list[s.Enrolment], ledger: list[dict], ids: set[str], present: set[str]) -> list[dict]:
    """Stored enrolments (of remaining members) updated by the ledger's; an import never ends one."""
    out = [e.model_dump() for e in stored if e.id_number is None or e.id_number in ids]
    fields = [f for f, col in zip(FIELDS, ENROLMENT_COLUMNS, strict=True) if col.header in present][1:] \
        if PROGRAMME in present else []
    used: set[int] = set()
    for new in ledger:
        match = _match(out, new, used)
        if match is None:
            out.append(new)
            used.add(len(out) - 1)
        else:
            out[match] = {**out[match], **{f: new[f] for f in fields}}
            used.add(match)
    return out


def _match(out: list[dict], new: dict, used: set[int]) -> int | None:
    candidates = [i for i, e in enumerate(out) if i not in used and e["programme"] == new["programme"]
                  and e["id_number"] == new["id_number"]]
    same_start = [i for i in candidates if out[i]["start_date"] == new["start_date"]]
    open_ended = sorted((i for i in candidates if out[i]["end_date"] is None), key=lambda i: out[i]["start_date"])
    return same_start[0] if same_start else (open_ended[-1] if open_ended else None)
