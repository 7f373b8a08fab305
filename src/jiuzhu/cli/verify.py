"""``jiuzhu verify HOUSEHOLD`` (核对) in the foreground, and ``jiuzhu verify report ID``.

``verify HOUSEHOLD`` starts a verification as the operator (the members' consents must all be valid), runs it here
— a line per source as it answers — then says whether it is complete or which sources are unknown. Exit code 0:
complete; 1: done but some sources' items are unknown; 2: refused (no consent, …) or failed. The departments are
those of ``<home>/exchange/sources.toml`` (docs/exchange.md), asked with the key of ``<home>/exchange/keys``.

``verify report ID`` prints a verification's sources and the report's summary (``--json``: the report as frozen;
``--pdf FILE``: the PDF in the chosen language, written complete or not at all; both given: both). An option of
another form of the command is refused by name (``OPTIONS``), never ignored.

``verify batch --area AREA [--programme dibao] [--purpose review --ref …] [--as-of] [--limit N]`` verifies the
households of an area as one job (``verify_batch``, as the web application submits it), run here in the
foreground with its progress; ``verify batch --resume JOB`` takes up a batch whose process was killed (it waits
for that run's claim to run out). Then its summary: households, done, incomplete, blocked, failed, differences,
seconds, per source. Exit code 0: every household done and complete; 1: some incomplete, blocked or failed; 2:
refused, or the job failed.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.access import Principal
from jiuzhu.cli.context import ExitCode, actor, check_ref, err_console, household_number, open_registry
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, language, t
from jiuzhu.registry import areas
from jiuzhu.verification import flows, service
from jiuzhu.verification.schemas import VerificationView

HELP = N_("Verify a household's economic situation with the departments (核对), under its members' consent: a line "
          "per source as it answers, then whether it is complete (exit code 1: some sources unknown). "
          "'jiuzhu verify report ID' shows a verification's report (--json, --pdf FILE). "
          "'jiuzhu verify batch --area AREA' verifies an area's households as one job (--programme dibao, --limit N; "
          "--resume JOB after the process was killed).")
WAIT_SECONDS = 120  # when a server's runner took the verification first: how long to wait for it


def _operator() -> Principal:
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


def verify(
    household: Annotated[str, typer.Argument(help=N_(
        "the household number, e.g. 500111119-000001 (or: report ID)"), show_default=False,
        callback=household_number)],
    verification: Annotated[str | None, typer.Argument(help=N_(
        "after 'report': the verification's number"), show_default=False)] = None,
    extra: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
    as_of: Annotated[dt.datetime | None, typer.Option("--as-of", help=N_(
        "the day the departments answer for (YYYY-MM-DD); default today"), formats=["%Y-%m-%d"])] = None,
    purpose: Annotated[str | None, typer.Option(help=N_("what it is for: application, review or spot_check"))] = None,
    ref: Annotated[str | None, typer.Option(help=N_("which application or review (free text, may be empty)"),
                                            callback=check_ref)] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help=N_("with 'report': write the report as a PDF here"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON instead of lines"))] = False,
    area: Annotated[str | None, typer.Option("--area", help=N_(
        "with 'batch': the area whose households are verified, e.g. 500111119"))] = None,
    programme: Annotated[str | None, typer.Option("--programme", help=N_(
        "with 'batch': only the households enrolled in this programme on the as-of date, e.g. dibao"))] = None,
    limit: Annotated[int | None, typer.Option("--limit", help=N_(
        "with 'batch': at most this many households (in household-number order)"))] = None,
    resume: Annotated[int | None, typer.Option("--resume", help=N_(
        "with 'batch': take up this batch job after its process was killed"))] = None,
    wave_size: Annotated[int, typer.Option("--wave-size", hidden=True)] = 100,
) -> None:
    given = {"--as-of": as_of, "--purpose": purpose, "--ref": ref, "--pdf": pdf, "--area": area,
             "--programme": programme, "--limit": limit, "--resume": resume}
    mode = household if household in ("batch", "report") else "single"
    _refuse_extra([verification, *(extra or [])] if mode != "report" else list(extra or []))
    _refuse_options(mode, {name for name, value in given.items() if value is not None},
                    resuming=resume is not None)
    purpose, ref = purpose or "review", ref or ""
    if mode != "report":
        from jiuzhu.verification.compare import check_as_of

        check_as_of(as_of.date() if as_of else None, "as_of")
    if mode == "batch":
        from jiuzhu.cli import verify_batch

        verify_batch.run(area=area, programme=programme, purpose=purpose, ref=ref,
                         as_of=as_of.date() if as_of else None, limit=limit, resume=resume, as_json=as_json,
                         wave_size=wave_size)
        return
    if mode == "report":
        _report(_verification_number(verification), as_json=as_json, pdf=pdf)
        return
    engine = open_registry(looking_for=t("household {household_no} is not in the registry", household_no=household))
    with session_scope(engine) as session:
        started = _unfinished(session, household, Purpose(purpose, ref), as_of.date() if as_of else None,
                              quiet=as_json)
        if started is None:
            started = service.start(session, _operator(), household, Purpose(purpose, ref),
                                    as_of.date() if as_of else None)
        exchange = flows.load_exchange()  # in the transaction: without sources.toml nothing stays queued
    if not as_json:
        say(t("verification {id} of household {household_no}: asking the departments …", id=started.id,
              household_no=household))
    status = flows.run_here(engine, started.id, exchange=exchange, on_outcome=None if as_json else _line)
    view = _finished(engine, started.id) if status is None else _get(engine, started.id)
    if as_json:
        print_json(view)
    else:
        _summary(view)
    if view.status == "failed":
        raise typer.Exit(ExitCode.REFUSED)
    if view.status != "done":
        raise typer.Exit(ExitCode.REJECTED)


# Which options each form of the command takes: any other given is refused by name, never silently ignored.
OPTIONS = {
    "single": {"--as-of", "--purpose", "--ref"},
    "report": {"--pdf"},
    "batch": {"--as-of", "--purpose", "--ref", "--area", "--programme", "--limit", "--resume"},
}
USAGE = {"single": N_("jiuzhu verify HOUSEHOLD"), "report": N_("jiuzhu verify report ID"),
         "batch": "jiuzhu verify batch"}


def _refuse_options(mode: str, given: set[str], *, resuming: bool) -> None:
    """An option given to a form of the command it does not apply to is refused, naming it and where it
    applies (``--pdf`` without ``report`` once exited 0 writing nothing). ``--resume`` takes the job as it was
    submitted: its area, purpose, date and limit cannot be given again."""
    for option in sorted(given - OPTIONS[mode]):
        where = " / ".join(t(USAGE[m]) for m in ("single", "report", "batch") if option in OPTIONS[m])
        raise JiuzhuError(t("option {option} does not apply to {command}; it is for {where}", option=option,
                            command=t(USAGE[mode]), where=where))
    if mode == "batch" and resuming:
        for option in sorted(given - {"--resume"}):
            raise JiuzhuError(t("option {option} cannot be given with --resume: the job goes on as it was "
                                "submitted", option=option))


def _refuse_extra(args: list[str | None]) -> None:
    unexpected = [a for a in args if a is not None]
    if unexpected:
        raise JiuzhuError(t("unexpected argument: {args}; see jiuzhu verify --help", args=" ".join(unexpected)))


def _verification_number(value: str | None) -> int:
    """The ID of ``verify report ID`` (an argument, not an option: named as the user writes it)."""
    if value is None or not value.strip():
        raise JiuzhuError(t("which verification? jiuzhu verify report ID"))
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 2**62:
        raise JiuzhuError(t("verify report ID: '{value}' is not a verification number (a whole number such as 8, "
                            "from jiuzhu verify HOUSEHOLD)", value=text))
    return int(text)


def _unfinished(session, household: str, purpose: Purpose, as_of: dt.date | None,
                quiet: bool = False) -> VerificationView | None:
    """The same verification left unfinished (the command interrupted, its process killed): taken up again — the
    stored requests resent, the departments replay — rather than refused as 'running'. Another purpose or date is
    another verification: ``service.start`` refuses it while this one is unfinished."""
    waiting = service.unfinished(session, _operator(), household)
    if waiting is None or (waiting.purpose_kind, waiting.purpose_ref) != (purpose.kind, purpose.ref) or (
            as_of is not None and waiting.as_of != as_of):
        return None
    if not quiet:
        say(t("verification {id} of household {household_no} was not finished: taking it up again", id=waiting.id,
              household_no=household))
    return waiting


def _line(outcome) -> None:
    """One source as it answers (the event loop calls this), named as staff know it: 重庆农村商业银行 (bank.cqrcb)."""
    from jiuzhu.exchange.sources import catalogue

    spec = catalogue().get(outcome.endpoint)
    name = f"{spec.department}（{outcome.endpoint}）" if spec else outcome.endpoint
    if outcome.answered:
        a = outcome.answer
        found = sum(1 for r in a.results if r.status == "found")
        say(t("{endpoint}: answered ({found} of {asked} members found, {ms} ms{replayed})",
              endpoint=name, found=found, asked=len(a.results), ms=round(a.latency_ms),
              replayed=t(", replayed") if a.replayed else ""))
    else:
        f = outcome.failure
        say(t("{endpoint}: unknown — {reason} (after {attempts} attempts)", endpoint=name,
              reason=getattr(f.cause, "message", None) or _code_words(f.code), attempts=f.attempts))


def _code_words(code: str) -> str:
    """A failure's code in words (signature_invalid → 请求的签名无效), the code itself only when it is unknown."""
    from jiuzhu.exchange.format import ERRORS

    return t(ERRORS[code].message) if code in ERRORS else code


def _get(engine, verification_id: int) -> VerificationView:
    with session_scope(engine) as session:
        return service.get(session, _operator(), verification_id)


def _finished(engine, verification_id: int) -> VerificationView:
    """A server's runner took it first: wait for it to end there."""
    deadline = time.monotonic() + WAIT_SECONDS
    view = _get(engine, verification_id)
    while not view.finished and time.monotonic() < deadline:
        time.sleep(0.5)
        view = _get(engine, verification_id)
    return view


def _summary(view: VerificationView) -> None:
    if view.status == "failed":
        say(t("verification {id} failed: {error}", id=view.id, error=view.error or "-"))
    elif view.complete:
        say(t("verification {id}: complete — every one of {n} sources answered (report {sha})", id=view.id,
              n=len(view.sources), sha=(view.report_sha256 or "")[:12]))
    elif not view.unknown_sources:
        say(t("verification {id}: incomplete — what the departments hold on members whose authorization ended is "
              "unknown (report {sha})", id=view.id, sha=(view.report_sha256 or "")[:12]))
    else:
        say(t("verification {id}: incomplete — unknown from {n} of {total} sources: {names} (report {sha})",
              id=view.id, n=len(view.unknown_sources), total=len(view.sources), names=", ".join(view.unknown_sources),
              sha=(view.report_sha256 or "")[:12]))


def _report(verification_id: int, *, as_json: bool, pdf: Path | None) -> None:
    from jiuzhu.files import check_output

    if pdf is not None:  # a .pdf in a folder that exists: never a typo's database, device or new folder
        check_output(pdf, {".pdf"}, "--pdf")
    engine = open_registry()
    with session_scope(engine) as session:
        view = service.get(session, _operator(), verification_id)
        report = service.report(session, _operator(), verification_id)
    if report is None:
        raise JiuzhuError(t("verification {id} has no report yet ({status})", id=verification_id,
                            status=view.status_label))
    if pdf is not None:  # with --json too: the file written, then the JSON on stdout (the line to stderr)
        _write_pdf(report, pdf)
        written = t("report of verification {id} written to {path}", id=verification_id, path=pdf)
        if not as_json:
            say(written)
            return
        err_console.print(written, markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json(report)
        return
    sources = table(t("verification {id} of household {household_no} ({status})", id=view.id,
                      household_no=view.household_no, status=view.status_label),
                    [(t("source"), False), (t("state"), False), (t("attempts"), True), (t("reason"), False)])
    for s in view.sources:
        add_row(sources, s.endpoint, s.status_label, str(s.attempts), s.error_message or "")
    print_table(sources, t("no source was asked"))
    for line in report_lines(report):
        say(line)
    _summary(view)


FIRST_DIFFERENCES = 3  # the text names this many differences; --json and the PDF hold them all


def report_lines(report: dict) -> list[str]:
    """The report's summary as lines: income (total and per person a month), financial assets, the differences
    from the declaration (how many, the first few) and the completeness. An amount that is not known is said
    unknown with what is known at least — never 0, which would say it is nothing."""
    from jiuzhu.verification.pdf import DIFFERENCE_LABELS

    income, assets = report.get("income") or {}, report.get("assets") or {}
    done = report.get("completeness") or {}
    lines = [t("income, monthly average: {total} in total, {per_capita} per person ({members} members counted)",
               total=_amount(income.get("total_monthly_fen") if income.get("known") else None,
                             income.get("at_least_fen")),
               per_capita=_amount(income.get("per_capita_monthly_fen") if income.get("known") else None, None),
               members=income.get("counted_members", 0)),
             t("financial assets: {amount}", amount=_amount(assets.get("financial_fen") if assets.get("known")
                                                             else None, assets.get("at_least_fen")))]
    differences = report.get("differences") or []
    named = "; ".join(f"{t(DIFFERENCE_LABELS[d['kind']]) if d.get('kind') in DIFFERENCE_LABELS else d.get('kind')}"
                      f" ({d.get('member', '')})" for d in differences[:FIRST_DIFFERENCES])
    more = t(" and {n} more", n=len(differences) - FIRST_DIFFERENCES) if len(differences) > FIRST_DIFFERENCES else ""
    lines.append(t("differences from the declaration: {n} — {named}{more}", n=len(differences), named=named,
                   more=more) if differences else t("differences from the declaration: none"))
    lines.append(t("completeness: {answered} of {endpoints} sources answered, {stale} too old, {refused} refused, "
                   "{failed} failed", answered=done.get("answered", 0), endpoints=done.get("endpoints", 0),
                   stale=done.get("stale", 0), refused=done.get("refused", 0), failed=done.get("failed", 0)))
    return lines


def _amount(fen: int | None, at_least_fen: int | None) -> str:
    from jiuzhu.money import format_yuan

    if fen is not None:
        return t("{amount} yuan", amount=format_yuan(fen))
    if at_least_fen:
        return t("unknown (at least {amount} yuan)", amount=format_yuan(at_least_fen))
    return t("unknown")


def _write_pdf(report: dict, path: Path) -> None:
    from jiuzhu.files import atomic_output
    from jiuzhu.verification.pdf import render_pdf

    data = render_pdf(report, language())  # as --lang / JIUZHU_LANG, like the web's PDF
    with atomic_output(path) as tmp:
        Path(tmp).write_bytes(data)
