"""``jiuzhu household show`` and ``history``: one household, identifiers masked unless --unmask.

Masking and the access log belong to the registry's service (``read_household``, ``read_history``), so that
every face shows the same thing and the log records truly what was shown.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from jiuzhu.cli.context import actor, open_registry
from jiuzhu.cli.documents import HistoryChange, HistoryDoc
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.db import session_scope
from jiuzhu.i18n import N_, month_text, t
from jiuzhu.money import format_amount
from jiuzhu.registry import service
from jiuzhu.registry.codes import DisabilityCategory, ExclusionReason, Labelled, Programme, Relation, Sex

HouseholdNo = Annotated[str, typer.Argument(help=N_("the household number, e.g. 500111119-000001"),
                                            show_default=False)]
Unmask = Annotated[bool, typer.Option(help=N_("show full ID numbers and accounts (the access is logged)"))]


def household_show(
    household_no: HouseholdNo,
    unmask: Unmask = False,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the household document (docs/schema/household.schema.json)"))] = False,
) -> None:
    with session_scope(open_registry(looking_for=_not_in(household_no))) as session:
        data = service.read_household(session, household_no, actor=actor(), unmask=unmask, purpose="view")
        area = service.area_name(session, data["area_code"])
    if as_json:
        print_json(data)
    else:
        _print_household(data, area)


def _not_in(household_no: str) -> str:
    return t("household {household_no} is not in the registry", household_no=household_no)


def _print_household(data: dict, area: str) -> None:
    urban = t("urban") if data["urban"] else t("rural")
    say(t("household {no}  {area}  {address}  {urban}", no=data["household_no"],
          area=area, address=data.get("address") or "", urban=urban))
    members = table(t("members"), [(t("name"), False), (t("ID number"), False), (t("relation"), False),
                                   (t("sex"), False), (t("birth date"), False), (t("counted"), False),
                                   (t("disability"), False), (t("latest month"), False),
                                   (t("income counted (yuan)"), True)])
    for mem, income in zip(data["members"], service.latest_incomes(data), strict=True):
        dis = mem.get("disability")
        add_row(members, mem["name"], mem["id_number"], Relation(mem["relation"]).words(),
                Sex(mem["sex"]).words(), mem["birth_date"],
                t("yes") if mem["counted"] else t("no ({reason})", reason=_words(ExclusionReason,
                                                                                 mem.get("exclusion_reason"))),
                t("{category} grade {grade}", category=DisabilityCategory(dis["category"]).words(),
                  grade=dis["grade"]) if dis else "",
                month_text(income.month) if income.month else t("unknown"), _counted(income))
    print_table(members, t("the household has no member"))
    for e in data.get("enrolments", []):
        say(t("enrolled in {programme}: {amount} yuan a month, since {start}",
              programme=Programme(e["programme"]).words(), amount=format_amount(e.get("monthly_amount")),
              start=e["start_date"]))


def _counted(income: service.LatestIncome) -> str:
    amount = format_amount(income.counted)
    return t("{amount} (declared, no income recorded)", amount=amount) if income.declared else amount


def _words(vocabulary: type[Labelled], code: str | None) -> str:
    return vocabulary(code).words() if code else ""


def household_history(
    household_no: HouseholdNo,
    unmask: Unmask = False,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the changes as JSON (docs/schema/cli/history.schema.json)"))] = False,
) -> None:
    with session_scope(open_registry(looking_for=_not_in(household_no))) as session:
        changes = service.read_history(session, household_no, actor=actor(), unmask=unmask)
    doc = HistoryDoc(household_no=household_no, unmasked=unmask, changes=[HistoryChange(**c) for c in changes])
    if as_json:
        print_json(doc)
        return
    rows = table(t("changes of household {no}", no=household_no),
                 [(t("when"), False), (t("who"), False), (t("why"), False), (t("field"), False),
                  (t("old value"), False), (t("new value"), False)])
    for c in doc.changes:
        add_row(rows, f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, _reason(c.reason), _path(c.path),
                _value(c.path, c.old), _value(c.path, c.new))
    print_table(rows, t("no recorded change"))


# The change log's own markers and the reasons Jiuzhu itself wrote before it wrote them in Chinese: shown in the
# reader's words (``--json`` gives them as stored).
_MARKERS = {"(created)": N_("(created)"), "(bulk load)": N_("(bulk load)")}
_REASONS = {"import": N_("import"), "bulk load of a snapshot": N_("bulk load of a snapshot"),
            "demo": N_("demo data")}


def _reason(text: str) -> str:
    return t(_REASONS[text]) if text in _REASONS else text


def _path(path: str) -> str:
    return t(_MARKERS[path]) if path in _MARKERS else service.path_words(path)


def _value(path: str, value) -> str:
    """A value of the change log as a reader reads it: codes as their words, yes/no, "none" for an empty list."""
    if value is None:
        return "-"
    if isinstance(value, bool) and path == "urban":  # which 低保 line applies
        return t("urban") if value else t("rural")
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if value == [] or value == {}:
        return t("none")
    if path == "(created)" and isinstance(value, dict) and "members" in value:
        return t("{members} members", members=value["members"])
    if path == "(bulk load)" and isinstance(value, dict):
        rows = value.get("rows") or {}
        return t("{households} households, {persons} people from {source}", households=rows.get("households", "?"),
                 persons=rows.get("persons", "?"), source=value.get("source", "?"))
    vocabulary = service.path_vocabulary(path) if isinstance(value, str) else None
    if vocabulary is not None and value in vocabulary._value2member_map_:
        return vocabulary(value).words()
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

