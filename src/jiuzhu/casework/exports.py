"""导出Excel of every casework list — the case worklist, the 公示 list, the applications, the reviews due — one
function for the four: the rows the list shows (the same filters, order and scope; a list longer than ``MOST`` is
refused, never cut), with the column titles in the reader's language (Chinese by default), identifiers masked as
on the screen (names 王**, an ID number's first 6 and last 4), days as date cells and money as a number with two
decimals (an amount not known is the text 未知, never 0), through ``spreadsheet.write_xlsx`` (text cells as text,
written whole or not at all). Each export is an audit row (``export``: which list, how many rows, masked), as the
registry's exports are (个人信息保护法 art. 51)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu import spreadsheet
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.casework import reviews, views, words
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.money import fen_to_yuan
from jiuzhu.registry.codes import Programme

MOST = 100_000  # rows of one file: a district's open cases fit many times over
TOO_MANY = N_("the list has more than {most} rows: narrow it (an area, a state) and export each part")
LIST_TITLES = {"cases": N_("case worklist"), "publicity": N_("public notice (公示) list"),
               "applications": N_("applications"), "reviews": N_("reviews due")}
EXPORTED = N_("{list}, {rows} rows; identifiers masked")
Row = Sequence[Any]


def export(session: Session, principal: Principal, which: str, path: Path | str, **filters) -> int:
    """Write the list ``which`` (cases, publicity, applications, reviews) with ``filters`` (the list's own) to
    ``path`` (.xlsx); how many rows. Needs the list's reading permission and ``registry.export``."""
    principal.require(Permission.READ_CASES)
    principal.require(Permission.EXPORT)
    path = spreadsheet.xlsx_path(path)
    columns, rows = BUILDERS[which](session, principal, filters)
    if len(rows) > MOST:
        raise JiuzhuError(t(TOO_MANY, most=f"{MOST:,}"), field="output")
    spreadsheet.write_xlsx(path, columns, rows, sheet=t(LIST_TITLES[which]))
    audit.append(session, actor=principal.username, action="export", subject=t(EXPORTED, list=t(LIST_TITLES[which]),
                                                                              rows=len(rows)),
                 area_code=filters.get("area") or None,
                 detail={"list": which, "rows": len(rows), "file": path.name,
                         "filters": {k: v for k, v in filters.items() if v not in (None, False, "")}})
    return len(rows)



def money(fen: int | None) -> Any:
    """A monthly amount as a number of yuan with two decimals, or 未知 (text) when not known."""
    return t("unknown") if fen is None else fen_to_yuan(fen)


def _programmes(codes: list[str]) -> str:
    return "、".join(Programme(p).words() for p in codes)


def _cases(session: Session, principal: Principal, filters: dict) -> tuple[list[str], list[Row]]:
    found = views.worklist_rows(session, principal, most=MOST + 1, **filters)
    columns = [t("case number"), t("kind"), t("household number"), t("area code"), t("programmes"), t("state"),
               t("received on"), t("time-limit status"), t("next due"), t("why unknown")]
    return columns, [(r.case_no, t("application case") if r.kind == "application" else t("review case"),
                      r.household_no, r.area_code, _programmes(r.programmes), r.state_title, r.received_on,
                      r.time_status_title, r.next_due, r.time_reason or "") for r in found]


def _publicity(session: Session, principal: Principal, filters: dict) -> tuple[list[str], list[Row]]:
    found = views.publicity(session, principal, **filters)[:MOST + 1]
    columns = [t("case number"), t("area code"), t("name (masked)"), t("household size"), t("programmes"),
               t("monthly amount by programme"), t("monthly amount (yuan)"), t("posted from"), t("posted until")]
    return columns, [(p.case_no, p.area_code, p.name, p.household_size, _programmes(p.programmes), p.amounts_text,
                      _total(p), p.publicity_from, p.publicity_until) for p in found]


def _total(entry: views.PublicityEntry) -> Any:
    fens = [a.monthly_fen for a in entry.amounts]
    return money(None if None in fens else sum(fens))


def _applications(session: Session, principal: Principal, filters: dict) -> tuple[list[str], list[Row]]:
    found = views.applications_rows(session, principal, most=MOST + 1, **filters)
    columns = [t("application number"), t("case number"), t("state"), t("household number"), t("area code"),
               t("programmes"), t("channel"), t("filed by"), t("filed for (masked)"), t("filed at")]
    return columns, [(a.application_no, a.case_no or "", a.case_state_title or "", a.household_no, a.area_code,
                      _programmes(a.programmes), t(words.CHANNEL_TITLES.get(a.channel, a.channel)), a.filed_by,
                      a.filed_for or "", a.filed_at.replace(tzinfo=None)) for a in found]


def _reviews(session: Session, principal: Principal, filters: dict) -> tuple[list[str], list[Row]]:
    found = reviews.due(session, principal, **filters)[:MOST + 1]
    columns = [t("household number"), t("area code"), t("programmes"), t("monthly amount (yuan)"),
               t("last review"), t("interval (months)"), t("due on"), t("overdue")]
    return columns, [(r.household_no, r.area_code, _programmes(r.programmes), money(r.monthly_fen), r.last_review,
                      r.interval_months, r.due_on, t("yes") if r.overdue else "") for r in found]


BUILDERS: dict[str, Callable[[Session, Principal, dict], tuple[list[str], list[Row]]]] = {
    "cases": _cases, "publicity": _publicity, "applications": _applications, "reviews": _reviews}
