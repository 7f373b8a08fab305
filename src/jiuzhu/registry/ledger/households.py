"""The rows of one household → its document, merged with the household the registry holds.

All or nothing: a household with any rejected row, or that cannot be put together (no head, rows that
disagree, a detail row for nobody), raises ``HouseholdRejected``; the import then leaves it exactly as
stored and reports every one of its rows. Household columns: a blank cell takes the household's value
from its other rows (merged cells), filled cells must agree; a column the file does not have keeps the
registry's value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from jiuzhu.errors import RecordErrors
from jiuzhu.i18n import t
from jiuzhu.registry import schemas as s
from jiuzhu.registry import service
from jiuzhu.registry.codes import Relation
from jiuzhu.registry.ledger import enrolments as enrol
from jiuzhu.registry.ledger.columns import HOUSEHOLD_COLUMNS, KIND_LABELS
from jiuzhu.registry.ledger.merging import member_document
from jiuzhu.registry.ledger.problems import HouseholdRejected, RowProblem, for_nobody, not_applied
from jiuzhu.registry.ledger.rows import HH_NO, ID, MONTH, NAME, RELATION, Row
from jiuzhu.registry.ledger.views import household_view


@dataclass
class Prepared:
    """A household document ready to store, with its rows (and the person's row of each member)."""

    doc: s.Household
    rows: list[Row]
    member_rows: list[Row]
    stored: s.Household | None = None  # as the registry holds it, if it does

    @property
    def unchanged(self) -> bool:
        """The registry already holds the household as the ledger gives it (a ledger imported twice)."""
        old = self.stored
        return old is not None and (old == self.doc or old.model_dump(mode="json") == self.doc.model_dump(mode="json"))


def prepare(household_no: str, rows: list[Row], stored: s.Household | None, present: set[str]) -> Prepared:
    """The household's document from its rows over ``stored``; HouseholdRejected if it cannot be stored."""
    bad = [row for row in rows if not row.ok]
    if bad:
        numbers = ", ".join(str(row.number) for row in bad)
        raise HouseholdRejected(HH_NO, t("household {household_no} not stored because row {rows} was rejected",
                                         household_no=household_no, rows=numbers))
    household = _household_part(household_no, rows, stored, present)
    member_rows = [row for row in rows if row.part == "member"]
    details = _details_by_person(rows, member_rows, household_no)
    _check_heads(member_rows, household_no)
    stored_members = {mem.id_number: mem for mem in stored.members} if stored else {}
    members = []
    for row in member_rows:
        id_number = row.member["id_number"]
        try:
            members.append(member_document(row, details[id_number], stored_members.get(id_number), present))
        except RowProblem as problem:
            raise not_applied(household_no, problem.row.number, problem.header, problem.reason) from None
    data: dict[str, Any] = {**household, "members": members}
    data.update(_household_lists(rows, member_rows, stored, {mem["id_number"] for mem in members}, present,
                                 household_no))
    return Prepared(_validated(data, member_rows, household_no), rows, member_rows, stored)


# --------------------------------------------------------------------------- household columns


def _household_part(household_no: str, rows: list[Row], stored: s.Household | None, present: set[str]) -> dict:
    household: dict[str, Any] = {"household_no": household_no}
    for col in HOUSEHOLD_COLUMNS[1:]:
        key = col.loc[-1]
        given = [(row, row.view["household"][key]) for row in rows if key in row.view.get("household", {})]
        if given:
            household[key] = _agreed(col, given, household_no)
        elif col.header not in present and stored is not None:
            household[key] = household_view(stored)[key]
        elif col.required:
            raise HouseholdRejected(col.header, t("household {household_no} not stored: no row gives its {column}",
                                                  household_no=household_no, column=col.header))
        else:
            household[key] = None
    return household


def _agreed(col, given: list[tuple[Row, Any]], household_no: str) -> Any:
    """The value most rows give (the first row's among equals); any row giving another is at fault."""
    values = [v for _, v in given]
    value = max(values, key=lambda v: (values.count(v), -values.index(v)))
    first = next(row for row, v in given if v == value)
    culprits = {row.number: (col.header, t("{column} {value} disagrees with {other} on row {row}; the rows of "
                                           "one household must agree", column=col.header, value=col.format(v),
                                           other=col.format(value), row=first.number))
                for row, v in given if v != value}
    if culprits:
        numbers = ", ".join(str(n) for n in culprits)
        raise HouseholdRejected(col.header, t(
            "household {household_no} not stored: rows disagree on {column} (row {rows})",
            household_no=household_no, column=col.header, rows=numbers), culprits)
    return value


# --------------------------------------------------------------------------- people and their detail rows


def _details_by_person(rows: list[Row], member_rows: list[Row], household_no: str) -> dict[str, dict[str, list]]:
    """Each person's detail items by part, in file order; a detail row must name a person of the household."""
    people = {row.member["id_number"]: row for row in member_rows}
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.part == "member" or row.part in ("rigid", "emergency", "enrolment"):
            continue
        owner = people.get(row.view["member"]["id_number"])
        if owner is None:
            raise for_nobody(household_no, row.number, KIND_LABELS[row.part])
        _check_same_person(row, owner, household_no)
        out[owner.member["id_number"]][row.part].append(row.items[row.part])
    for id_number in out:
        _check_months(people[id_number], [r for r in rows if r.part == "income"
                                          and r.view["member"]["id_number"] == id_number], household_no)
    return out


def _check_same_person(row: Row, owner: Row, household_no: str) -> None:
    for header, key in ((NAME, "name"), (RELATION, "relation")):
        value = row.view["member"].get(key)
        if value is not None and value != owner.member[key]:
            raise not_applied(household_no, row.number, header, t(
                "{column} disagrees with the person's row {other}", column=header, other=owner.number))


def _check_months(owner: Row, income_rows: list[Row], household_no: str) -> None:
    seen = {owner.items["income"]["month"]: owner} if owner.items.get("income") else {}
    for row in income_rows:
        month = row.items["income"]["month"]
        if month in seen:
            raise not_applied(household_no, row.number, MONTH, t("{month} is already on row {other}", month=month,
                                                                 other=seen[month].number))
        seen[month] = row


def _check_heads(member_rows: list[Row], household_no: str) -> None:
    heads = [row for row in member_rows if row.member["relation"] == Relation.head]
    if len(heads) == 1:
        return
    if heads:
        numbers = ", ".join(str(r.number) for r in heads)
        msg = t("household {household_no} not stored: {count} rows are 户主 (rows {rows}); a household has one head",
                household_no=household_no, count=len(heads), rows=numbers)
    else:
        msg = t("household {household_no} not stored: no row is its 户主 (head)", household_no=household_no)
    raise HouseholdRejected(RELATION, msg)


# --------------------------------------------------------------------------- the household's own lists


def _household_lists(rows: list[Row], member_rows: list[Row], stored: s.Household | None, ids: set[str],
                     present: set[str], household_no: str) -> dict:
    """Rigid spending and emergencies (their rows, else as stored), enrolments (merged)."""
    old = stored.model_dump() if stored is not None else None
    for row in rows:
        if row.part == "rigid" and row.items["rigid"]["id_number"] not in ids | {None}:
            raise for_nobody(household_no, row.number, KIND_LABELS["rigid"])
    rigid = [row.items["rigid"] for row in rows if row.part == "rigid"]
    if not rigid and old is not None:
        rigid = [r for r in old["rigid_spending"] if r["id_number"] in ids | {None}]
    emergencies = [row.items["emergency"] for row in rows if row.part == "emergency"]
    if not emergencies and old is not None:
        emergencies = old["emergencies"]
    ledger = enrol.from_rows(rows, member_rows, ids, household_no)
    stored_enrolments = list(stored.enrolments) if stored is not None else []
    return {"rigid_spending": rigid, "emergencies": emergencies,
            "enrolments": enrol.merge(stored_enrolments, ledger, ids, present)}


# --------------------------------------------------------------------------- the whole document


def _validated(data: dict, member_rows: list[Row], household_no: str) -> s.Household:
    try:
        return service.parse_household(data, record=household_no)
    except RecordErrors as exc:
        culprits: dict[int, tuple[str, str]] = {}
        for e in exc.errors:
            row = _row_of(e.field, member_rows)
            if row is not None:
                culprits.setdefault(row.number, (ID, t("merged with the registry's record the person is invalid: "
                                                       "{field}: {reason}", field=e.field, reason=e.reason)))
        reasons = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors)
        raise HouseholdRejected(HH_NO, t("household {household_no} not stored: {reasons}",
                                         household_no=household_no, reasons=reasons), culprits) from None


def _row_of(field: str, member_rows: list[Row]) -> Row | None:
    if not field.startswith("members["):
        return None
    index = int(field[len("members["):field.index("]")])
    return member_rows[index] if index < len(member_rows) else None
