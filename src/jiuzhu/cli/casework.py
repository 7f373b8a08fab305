"""``jiuzhu apply`` and ``jiuzhu case …``: applications and cases from the command line, for the operator (the
installation's whole jurisdiction). Thin: each command parses, makes one call of ``jiuzhu.casework`` and prints
its view (a table, or ``--json``); bad input is one line naming the field, Chinese first, exit code 2.

Wiring (cli/main.py): ``command(app, "apply", casework_cli.apply, casework_cli.APPLY_HELP)`` and
``app.add_typer(casework_cli.case_app, name="case")``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu import paging
from jiuzhu.access import Principal
from jiuzhu.cli.context import acting_account, actor, household_number, open_registry, options_named
from jiuzhu.cli.output import add_row, print_json, print_table, say, say_written, table
from jiuzhu.cli.rules import STATUS
from jiuzhu.cli.usage import JiuzhuCommand, JiuzhuGroup
from jiuzhu.db import session_scope
from jiuzhu.i18n import N_, count_text, t
from jiuzhu.money import format_amount
from jiuzhu.registry import areas
from jiuzhu.registry.codes import Programme

APPLY_HELP = N_("File an application for one or several programmes (一件事一次办): the rules say which apply; its "
                "case is opened.")
case_app = typer.Typer(cls=JiuzhuGroup, help=N_("Cases: the procedure of an application or a review, step by step, "
                                                "with its timeline and time limits."), no_args_is_help=True,
                       rich_markup_mode="rich", add_completion=False, pretty_exceptions_enable=False)
AsJson = Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))]
CaseNo = Annotated[str, typer.Argument(help=N_("the case number, C-… or R-… (jiuzhu case list shows them)"),
                                       show_default=False)]
Month = Annotated[str | None, typer.Option(help=N_("the month the rules assess, YYYY-MM (default: this month)"))]
Output = Annotated[Path | None, typer.Option(help=N_(
    "导出Excel: write every row of the list (not only a page) to this .xlsx file, identifiers masked"),
    dir_okay=False)]


# The services' names of inputs that are options of other names here (the one-line error names the option typed);
# None: an argument, named in the message itself.
OPTIONS = {"programmes": "programme", "verification_id": "verification", "expected_version": "version",
           "household_no": None, "case": None, "action": None}


def _options_named():
    return options_named(OPTIONS)


def _operator() -> Principal:
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


def apply(
    household_no: Annotated[str, typer.Argument(help=N_("the household number, e.g. 500111119-000001"),
                                                show_default=False, callback=household_number)],
    programme: Annotated[list[str] | None, typer.Option(help=N_(
        "a programme asked for (repeat for several; with --entry: the entry's)"))] = None,
    channel: Annotated[str, typer.Option(help=N_("phone, office, proxy (帮代办) or outreach"))] = "office",
    filed_for: Annotated[str | None, typer.Option(help=N_(
        "帮代办: the resident it is filed for (name or ID number)"))] = None,
    month: Month = None,
    entry: Annotated[int | None, typer.Option(help=N_("a 应享未享 worklist entry to turn into the application"))
                     ] = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import applications, views

    with _options_named(), session_scope(open_registry()) as session:
        if entry is not None:
            app, _ = applications.from_entry(session, _operator(), entry, month=month, household_no=household_no,
                                             programmes=programme)
        else:
            app, _ = applications.file(session, _operator(), household_no=household_no, programmes=programme or [],
                                       channel=channel, filed_for=filed_for, month=month)
        shown = views.application_view(session, app)
    if as_json:
        print_json(shown)
        return
    say(t("application {application}: case {case} opened", application=shown.application_no, case=shown.case_no))
    rows = table(t("what the rules say"), [(t("programme"), False), (t("asked"), False), (t("result"), False),
                                           (t("monthly amount"), True)])
    for a in shown.assessment:
        # the result in words (符合 / 不符合 / 需补充信息); an amount only where eligible, unknown as 未知
        amount = format_amount(a["monthly_amount"]) if a["status"] == "eligible" else "—"
        add_row(rows, a["name"], t("yes") if a["asked"] else "", t(STATUS[a["status"]]), amount)
    print_table(rows, "")


def case_show(case_no: CaseNo, as_json: AsJson = False) -> None:
    from jiuzhu.casework import views

    with _options_named(), session_scope(open_registry()) as session:
        shown = views.case_view(session, _operator(), case_no)
    if as_json:
        print_json(shown)
        return
    _print_case(shown)


def _print_case(shown) -> None:
    say(t("case {case} ({kind}), household {household_no}: {state}; time limits: {status}", case=shown.case_no,
          kind=shown.kind_title, household_no=shown.household_no, state=shown.state_title,
          status=shown.time_status_title))
    if shown.time_reason:
        say(shown.time_reason)
    rows = table(t("timeline"), [("#", True), (t("day"), False), (t("who"), False), (t("action"), False),
                                 (t("state"), False), (t("why"), False)])
    for e in shown.timeline:
        add_row(rows, str(e.seq), e.on.isoformat(), e.actor, e.action_title, e.to_state_title, e.reason or "")
    print_table(rows, "")
    # what to type after ``jiuzhu case act NO``, with what it does
    say(t("possible now: {actions}", actions=t(", ").join(f"{a.action}（{a.title}）" for a in shown.next_actions)
          or "-"))
    if shown.notice:
        say(shown.notice)


def case_list(
    state: Annotated[str | None, typer.Option(help=N_(
        "only cases in this state: its code or its title (e.g. publicity, 公示中)"))] = None,
    status: Annotated[str | None, typer.Option(help=N_(
        "only this time-limit status: on_track, at_risk, breached or unknown, or its title (已超期, 即将超期 …)"))
                      ] = None,
    kind: Annotated[str | None, typer.Option(help=N_("application or review"))] = None,
    include_closed: Annotated[bool, typer.Option("--all", help=N_("closed cases too"))] = False,
    area: Annotated[str | None, typer.Option(help=N_("only this township or village code"))] = None,
    page: Annotated[int, typer.Option(min=1, max=1_000_000, help=N_("the page to show (from 1)"))] = 1,
    limit: Annotated[int, typer.Option(min=1, max=500, help=N_("cases a page"))] = 50,
    output: Output = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import views

    if output is not None:
        _export("cases", output, state=state, status=status, kind=kind, include_closed=include_closed, area=area)
        return
    with _options_named(), session_scope(open_registry(), write=False) as session:
        found = views.worklist(session, _operator(), state=state, status=status, kind=kind,
                               include_closed=include_closed, area=area, page=page, per_page=limit)
    if as_json:
        print_json([c.model_dump(mode="json") for c in found.items])
        return
    rows = table(t("cases"), [(t("case"), False), (t("household"), False), (t("state"), False),
                              (t("time limits"), False), (t("next due"), False)])
    for c in found.items:
        add_row(rows, c.case_no, c.household_no, c.state_title, c.time_status_title,
                c.next_due.isoformat() if c.next_due else "-")
    print_table(rows, t(EMPTY["cases"]))
    _count(found.total, found.page, limit)


def case_act(
    case_no: CaseNo,
    action: Annotated[str, typer.Argument(help=N_(
        "check, resubmit, authorize, start_verification, verify, visit, propose, publish, object, approve, reject, "
        "special, enrol, decide, enact, notify"), show_default=False)],
    missing: Annotated[list[str] | None, typer.Option(help=N_("check: a missing paper (repeat)"))] = None,
    staff: Annotated[list[str] | None, typer.Option(help=N_("visit: a member of staff (at least two)"))] = None,
    note: Annotated[str | None, typer.Option(help=N_("visit, propose: what was found"))] = None,
    visited_on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help=N_(
        "visit: the day (YYYY-MM-DD; default today)"))] = None,
    verification: Annotated[int | None, typer.Option(help=N_("verify: the finished verification's number"))] = None,
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help=N_(
        "start_verification: the day the departments answer as of (YYYY-MM-DD; default today)"))] = None,
    objection: Annotated[str | None, typer.Option(help=N_("object: the objection as raised"))] = None,
    raised_by: Annotated[str | None, typer.Option(help=N_("object: who raised it"))] = None,
    reasons: Annotated[str | None, typer.Option(help=N_("approve, reject, decide: the written reasons"))] = None,
    reason: Annotated[str | None, typer.Option(help=N_("special: why 45 working days"))] = None,
    programme: Annotated[list[str] | None, typer.Option(help=N_("approve: only these programmes"))] = None,
    outcome: Annotated[str | None, typer.Option(help=N_("decide (a review): keep, adjust or stop"))] = None,
    taper_from: Annotated[str | None, typer.Option(help=N_("propose (a review): the 低保 taper's first month"))
                          ] = None,
    version: Annotated[int | None, typer.Option(help=N_("the case's version you read (refused if changed)"))] = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import actions, views

    with _options_named(), session_scope(open_registry()) as session:
        who = acting_account(session, t("deciding a case")) if action in actions.DECISIONS else _operator()
        case = actions.act(session, who, case_no, action, expected_version=version, missing=missing or None,
                           staff=staff or None, note=note, visited_on=visited_on.date() if visited_on else None,
                           verification_id=verification, as_of=as_of.date() if as_of else None,
                           objection=objection, raised_by=raised_by, reasons=reasons, reason=reason,
                           programmes=programme or None, outcome=outcome, taper_from=taper_from)
        shown = views.view(session, case)
    if as_json:
        print_json(shown)
        return
    _print_case(shown)
    if action == "start_verification":  # queued: who asks the departments, and how to link the answer after
        latest = shown.timeline[-1] if shown.timeline else None
        queued = (latest.detail or {}).get("verification") if latest else None
        say(t("verification {id} queued: the server's runner (jiuzhu serve) asks the departments; once it has "
              "finished, link it: jiuzhu case act {case} verify --verification {id}", id=queued or "-",
              case=shown.case_no))


def case_publicity(
    area: Annotated[str | None, typer.Option(help=N_("only this township or village code"))] = None,
    output: Output = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import views

    if output is not None:
        _export("publicity", output, area=area)
        return
    with _options_named(), session_scope(open_registry(), write=False) as session:
        found = views.publicity(session, _operator(), area=area)
    if as_json:
        print_json([p.model_dump(mode="json") for p in found])
        return
    rows = table(t("public notice (公示)"), [(t("case"), False), (t("name"), False), (t("members"), True),
                                             (t("monthly amount by programme"), False), (t("total"), True),
                                             (t("until"), False)])
    for p in found:
        add_row(rows, p.case_no, p.name, str(p.household_size), p.amounts_text, p.monthly_amount,
                p.publicity_until.isoformat())
    print_table(rows, t(EMPTY["publicity"]))


def case_reviews_due(
    within_days: Annotated[int, typer.Option(min=0, max=366, help=N_("due within this many days"))] = 31,
    area: Annotated[str | None, typer.Option(help=N_("only this township or village code"))] = None,
    output: Output = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import reviews

    if output is not None:
        _export("reviews", output, within_days=within_days, area=area)
        return
    with _options_named(), session_scope(open_registry(), write=False) as session:
        found = reviews.due(session, _operator(), within_days=within_days, area=area)
    if as_json:
        print_json([r.model_dump(mode="json") for r in found])
        return
    rows = table(t("reviews due"), [(t("household"), False), (t("months"), True), (t("last review"), False),
                                    (t("due"), False), (t("overdue"), False)])
    for r in found:
        add_row(rows, r.household_no, str(r.interval_months), r.last_review.isoformat(), r.due_on.isoformat(),
                t("overdue") if r.overdue else "")
    print_table(rows, t(EMPTY["reviews"]))


def case_review(
    household_no: Annotated[str, typer.Argument(help=N_("the household number"), show_default=False,
                                                callback=household_number)],
    month: Month = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import reviews, views

    with _options_named(), session_scope(open_registry()) as session:
        shown = views.view(session, reviews.open_review(session, _operator(), household_no, month=month))
    if as_json:
        print_json(shown)
        return
    _print_case(shown)


def case_applications(
    area: Annotated[str | None, typer.Option(help=N_("only this township or village code"))] = None,
    page: Annotated[int, typer.Option(min=1, max=1_000_000, help=N_("the page to show (from 1)"))] = 1,
    limit: Annotated[int, typer.Option(min=1, max=500, help=N_("applications a page"))] = 50,
    output: Output = None,
    as_json: AsJson = False,
) -> None:
    from jiuzhu.casework import views

    if output is not None:
        _export("applications", output, area=area)
        return
    with _options_named(), session_scope(open_registry(), write=False) as session:
        found = views.applications_list(session, _operator(), area=area, page=page, per_page=limit)
    if as_json:
        print_json([a.model_dump(mode="json") for a in found.items])
        return
    rows = table(t("applications"), [(t("application"), False), (t("case"), False), (t("household"), False),
                                     (t("programme"), False), (t("state"), False), (t("filed"), False)])
    for a in found.items:
        add_row(rows, a.application_no, a.case_no or "-", a.household_no,
                "、".join(Programme(p).words() for p in a.programmes),
                a.case_state_title or "-", a.filed_at.strftime("%Y-%m-%d %H:%M"))
    print_table(rows, t(EMPTY["applications"]))
    _count(found.total, found.page, limit)


def _count(total: int, page: int, per_page: int) -> None:
    say(t("{n} in all", n=count_text(total)) + t(", ") + t("page {page} of {pages}", page=page,
                                                            pages=max(1, paging.page_count(total, per_page))))


EMPTY = {"cases": N_("no case"), "publicity": N_("nothing is under public notice"),
         "reviews": N_("no review is due"), "applications": N_("no application")}


def _export(which: str, output: Path, **filters) -> None:
    """导出Excel of a list: every row, written atomically, an audit row of the export."""
    from jiuzhu.casework import exports

    with _options_named(), session_scope(open_registry()) as session:
        rows = exports.export(session, _operator(), which, output, **filters)
    say_written(output, rows, t(EMPTY[which]))


def _command(name: str, func, help_text: str) -> None:
    case_app.command(name, cls=JiuzhuCommand, help=help_text)(func)


_command("show", case_show, N_("A case: its state, timeline, time limits and what may follow."))
_command("list", case_list, N_("Cases by state and time-limit status (breached, unknown, at risk first)."))
_command("act", case_act, N_("An action on a case (each one a row of its timeline and of the audit log)."))
_command("publicity", case_publicity, N_("The 公示 list: proposed decisions posted, names masked."))
_command("reviews-due", case_reviews_due, N_("Households whose review falls due (12 months if stable, else 6)."))
_command("review", case_review, N_("Open a household's review case."))
_command("applications", case_applications, N_("Applications, newest first, with their case's state."))
