"""The kinds of jobs: a scan, an import, a what-if — each the existing flow, with its progress reported.

Submitting (a face calls these; every bad input is refused here, before anything is queued):

    submit_scan(session, principal, month=..., area=None, workbooks="township", full=False)   -> JobView
    submit_import(session, principal, path=..., name=..., reason="导入")                      -> JobView
    submit_whatif(session, principal, changes=[...], month=..., area=None)                   -> JobView
    submit_verify_batch(session, principal, area=..., programme=None, purpose_kind="review", purpose_ref="",
                        as_of=None, limit=None)                                               -> JobView

Running (the worker calls ``HANDLERS[kind](ctx)``; each returns the job's result, a JSON object). What a second
run does after a worker died (docs/jobs.md):

- scan: the flow commits its run (``scan_runs``) and only then names its folder; a run this job recorded before
  it died is found (same month, area and submitter, started after the job first started) and is the result —
  the scan is not repeated. Otherwise it runs again (incremental against the last complete run).
- import of a ledger: the whole file in one transaction, committed together with the job's "done": a second
  run starts from nothing stored. JSON / JSON Lines: committed every 500 households; the second run skips the
  households already stored unchanged (the first run's batches), so nothing is stored twice.
- what-if: writes nothing; a second run computes it again.
- verify_batch: the households are written once; each wave commits its T1 and its T2; a second run skips the
  households done or blocked, resends the stored requests of a wave prepared and not recorded (same request ids:
  the departments replay) and goes on with the rest (verification/batch.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.jobs import service, uploads
from jiuzhu.jobs.service import JobView
from jiuzhu.jobs.worker import JobContext

CHECKING = N_("checking the input")
SNAPSHOT = N_("taking a snapshot of the registry and evaluating households")
LISTING = N_("writing the worklists and workbooks")
READING = N_("reading the file")
STORING = N_("storing households")
COMPARING = N_("comparing the rules before and after the change")
RESUMED = N_("resuming after the server restarted")
VERIFYING = N_("asking the departments about the households, wave by wave")
NO_HOUSEHOLDS = N_("no household of {area} to verify{programme}")
ENROLLED_IN = N_(" enrolled in {programme} on {date}")
BAD_LIMIT = N_("the limit must be at least 1 household")


def workers() -> int:
    """Processes for a scan's rules: every core but one, which stays with the server's requests."""
    return max(1, (os.cpu_count() or 2) - 1)


# --------------------------------------------------------------------------- submitting


def submit_scan(session: Session, principal: Principal, *, month: str, area: str | None = None,
                workbooks: str | None = "township", full: bool = False) -> JobView:
    """Queue a scan of ``area`` (default: the principal's whole area) for ``month``; refused at once when the
    month, the area or the registry cannot be scanned (the checks of ``flows.check_scan``, in the caller's
    transaction), or another scan of the area is queued or running."""
    from jiuzhu.discovery.workbooks import check_by
    from jiuzhu.months import check_not_future
    from jiuzhu.registry.areas import check_within
    from jiuzhu.registry.summary import require_households
    from jiuzhu.rules import law

    principal.require(Permission.SCAN)
    asked = area or principal.area_code
    scope = check_within(principal, asked) if asked else None  # the one check of an area given (registry.areas)
    law.check_month(month)
    check_not_future(month)
    if workbooks is not None:
        check_by(workbooks)
    require_households(session, scope)
    return service.submit(session, kind="scan", principal=principal, scope=scope,
                          params={"month": month, "workbooks": workbooks, "full": bool(full)})


def submit_import(session: Session, principal: Principal, *, path: Path, name: str,
                  reason: str = "导入") -> JobView:
    """Queue the import of an uploaded file (kept at ``path`` by ``uploads.save_upload``; ``name``: as uploaded)."""
    principal.require(Permission.WRITE_REGISTRY)
    suffix = uploads.check_name(name)
    if not reason.strip():
        raise JiuzhuError(t("give the reason of the import, for the change log"), field="reason")
    return service.submit(session, kind="import", principal=principal, scope=principal.area_code,
                          params={"name": uploads.safe_name(name), "format": suffix.lstrip("."),
                                  "reason": reason.strip()[:200], "_path": str(path)})


def submit_whatif(session: Session, principal: Principal, *, changes: list[str], month: str,
                  area: str | None = None) -> JobView:
    """Queue a what-if over the registry of ``area`` (default: the principal's); bad changes refused at once."""
    from jiuzhu.registry.areas import check_within
    from jiuzhu.rules import law
    from jiuzhu.rules.whatif import parse_change

    principal.require(Permission.WHATIF)
    asked = area or principal.area_code
    scope = check_within(principal, asked) if asked else None  # the one check of an area given (registry.areas)
    law.check_month(month)
    if not changes:
        raise JiuzhuError(t("give at least one change: --set NAME=VALUE"), field="changes")
    for change in changes:
        try:
            parse_change(change, f"{month}-01")
        except JiuzhuError as exc:
            raise JiuzhuError(exc.message, field="changes") from None
    return service.submit(session, kind="whatif", principal=principal, scope=scope,
                          params={"changes": list(changes), "month": month})


def submit_verify_batch(session: Session, principal: Principal, *, area: str, programme: str | None = None,
                        purpose_kind: str = "review", purpose_ref: str = "", as_of=None, limit: int | None = None,
                        wave_size: int = 100) -> JobView:
    """Queue the verification of the households of ``area`` (those enrolled in ``programme`` on ``as_of`` if given;
    at most ``limit``) for the purpose (a periodic review: ``review``): refused at once unless the principal may
    verify, the area lies inside its own, the purpose and programme are known, the as-of date has passed and some
    household is there; one batch per area at a time. Each household is asked about only if all its members'
    authorizations are valid when its wave comes (else it is ``blocked``, with the reason)."""
    import datetime as dt

    from jiuzhu import clock
    from jiuzhu.consent.service import TOO_LONG
    from jiuzhu.registry.areas import check_within
    from jiuzhu.registry.codes import Programme, parse_programme
    from jiuzhu.verification import batch_service, plan
    from jiuzhu.verification.compare import check_as_of
    from jiuzhu.verification.service import AS_OF_FUTURE, BAD_PURPOSE

    principal.require(Permission.VERIFY)
    scope = check_within(principal, area)
    if purpose_kind not in plan.PURPOSE_TITLES:
        raise JiuzhuError(t(BAD_PURPOSE, purpose=purpose_kind), field="purpose")
    if programme is not None:
        programme = parse_programme(programme).value
    today = clock.today()
    as_of = as_of or today
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if as_of > today:
        raise JiuzhuError(t(AS_OF_FUTURE, date=as_of.isoformat()), field="as_of")
    check_as_of(as_of, "as_of")  # a day no law in force covers: refused now, not after the departments answered
    if len(purpose_ref or "") > 100:  # as the consent records keep it: refused, never cut
        raise JiuzhuError(t(TOO_LONG, what="purpose_ref", chars=100), field="purpose_ref")
    if limit is not None and limit < 1:
        raise JiuzhuError(t(BAD_LIMIT), field="limit")
    if not batch_service.count_households(session, scope, programme, as_of):
        enrolled = t(ENROLLED_IN, programme=Programme(programme).words(), date=as_of.isoformat()) if programme else ""
        raise JiuzhuError(t(NO_HOUSEHOLDS, area=scope, programme=enrolled), field="area")
    return service.submit(session, kind="verify_batch", principal=principal, scope=scope, params={
        "area": scope, "programme": programme, "purpose_kind": purpose_kind, "purpose_ref": purpose_ref or "",
        "as_of": as_of.isoformat(), "limit": limit, "wave_size": max(1, min(int(wave_size), 500))})


# --------------------------------------------------------------------------- running


def run_scan(ctx: JobContext) -> dict:
    from jiuzhu.discovery import flows

    job, params = ctx.job, ctx.job.params
    if ctx.resumed:
        ctx.stage(RESUMED)
        done = _recorded_run(ctx)
        if done is not None:
            return done
    ctx.progress(0.0, CHECKING)
    total = flows.check_scan(ctx.engine, month=params["month"], area=job.scope, workbooks=params.get("workbooks"))
    ctx.progress(0.02, SNAPSHOT)

    def advance(households: int) -> None:
        ctx.progress(0.02 + 0.88 * min(households / max(total, 1), 1.0), SNAPSHOT)

    outcome = flows.scan(ctx.engine, month=params["month"], home=ctx.home, actor=job.submitted_by, area=job.scope,
                         full=bool(params.get("full")), workers=workers(), progress=advance,
                         workbooks=params.get("workbooks"), checked=total)
    return scan_result(flows.summarise(outcome), outcome.run_id)


def scan_result(summary, run_id: int | None) -> dict:
    """What a scan job tells: the run, its counts and its totals per list and programme (no personal data)."""
    return {"run_id": run_id, "month": summary.month, "area": summary.area, "mode": summary.mode,
            "households": summary.households, "persons": summary.persons, "evaluated": summary.evaluated,
            "reused": summary.reused, "seconds": round(summary.seconds, 3), "new": summary.new,
            "resolved": summary.resolved, "failed_households": len(summary.failed),
            "totals": [{"list": r["list"], "programme": r["programme"], "entries": r["entries"],
                        "amount_fen": r["amount_fen"]} for r in summary.rows],
            "workbooks": [p.name for p in summary.workbooks]}


def _recorded_run(ctx: JobContext) -> dict | None:
    """The run an earlier, interrupted run of this scan job recorded (its flow commits the run before the job
    is marked done), as the job's result; None if it recorded none."""
    from jiuzhu.discovery.models import Finding, ScanRun

    job = ctx.job
    with session_scope(ctx.engine, write=False) as session:
        area = ScanRun.area_code.is_(None) if job.scope is None else ScanRun.area_code == job.scope
        run = session.scalars(select(ScanRun).where(
            ScanRun.month == job.params["month"], area, ScanRun.actor == job.submitted_by,
            ScanRun.started_at >= job.first_started).order_by(ScanRun.id.desc())).first()
        if run is None or not Path(run.folder).is_dir():
            return None
        rows = session.execute(select(Finding.list, Finding.programme, Finding.amount_fen)
                               .where(Finding.run_id == run.id, Finding.change != "resolved")).all()
    totals: dict[tuple[str, str], list[int]] = {}
    for kind, programme, fen in rows:
        entry = totals.setdefault((kind, programme), [0, 0])
        entry[0] += 1
        entry[1] += int(fen or 0)
    workbooks = Path(run.folder) / "workbooks"
    return {"run_id": run.id, "month": run.month, "area": run.area_code, "mode": "resumed",
            "households": run.households, "persons": run.persons, "evaluated": run.evaluated,
            "reused": run.households - run.evaluated, "seconds": round(run.seconds, 3), "new": None,
            "resolved": None, "failed_households": run.failed or 0,
            "totals": [{"list": k, "programme": p, "entries": n, "amount_fen": fen}
                       for (k, p), (n, fen) in sorted(totals.items())],
            "workbooks": sorted(p.name for p in workbooks.glob("*.xlsx")) if workbooks.is_dir() else []}


def run_import(ctx: JobContext) -> dict:
    job, params = ctx.job, ctx.job.params
    path = Path(params["_path"])
    if not path.is_file():
        raise JiuzhuError(t("{file}: the uploaded file is no longer kept on the server; upload it again",
                            file=params["name"]))
    ctx.progress(0.0, READING)
    try:
        if job.area_code is not None:
            check_areas(ctx, path, params["format"], params["name"])
        if params["format"] in ("xlsx", "csv"):
            result = _import_ledger(ctx, path)
        else:
            result = _import_json(ctx, path)
    except JiuzhuError:
        uploads.remove(path)
        raise
    uploads.remove(path)
    return result


def _import_ledger(ctx: JobContext, path: Path) -> dict:
    from jiuzhu.registry.ledger import import_ledger

    params, size = ctx.job.params, {"rows": 1}

    def total(rows: int) -> None:
        size["rows"] = max(rows, 1)
        ctx.progress(0.05, STORING)

    with session_scope(ctx.engine) as session:
        report = import_ledger(session, path, actor=ctx.job.submitted_by, reason=params["reason"],
                               progress=lambda done: ctx.progress(0.05 + 0.95 * done / size["rows"], STORING),
                               total=total)
        result = ledger_result(report, params["name"])
        ctx.finish_in(session, result)  # the households and "done" in one transaction
    return result


def _import_json(ctx: JobContext, path: Path) -> dict:
    from jiuzhu.registry import interchange

    params, size = ctx.job.params, {"bytes": 1}

    def total(n: int) -> None:
        size["bytes"] = max(n, 1)

    report = interchange.import_households_file(
        ctx.engine, path, actor=ctx.job.submitted_by, reason=params["reason"], total=total,
        progress=lambda done: ctx.progress(min(done / size["bytes"], 1.0), STORING))
    return json_result(report, params["name"], resumed=ctx.resumed)


def ledger_result(report, name: str) -> dict:
    """A ledger import's report, row by row and column by column."""
    rejections = [{"row": r.row, "record": t("row {row}", row=r.row), "household_no": r.household_no,
                   "field": r.field, "reason": r.reason} for r in report.rejected]
    return {"file": name, "format": "ledger", "rows": report.rows, "stored_households": report.stored_households,
            "stored_people": report.stored_people, "unchanged_households": len(report.unchanged),
            "rejected_households": len(report.rejected_households), "rejected_rows": len(report.rejected_rows),
            "rejections": rejections, "warnings": list(report.warnings), "resumed": False}


def json_result(report, name: str, *, resumed: bool) -> dict:
    """A JSON import's report, record by record and field by field."""
    rejections = [{"row": None, "record": e.record, "household_no": None, "field": e.field, "reason": e.reason}
                  for e in report.rejected]
    return {"file": name, "format": "json", "rows": report.records, "stored_households": report.stored_households,
            "stored_people": None, "unchanged_households": len(report.unchanged),
            "rejected_households": report.rejected_households, "rejected_rows": None, "rejections": rejections,
            "warnings": [t("the import was resumed after the server restarted: households stored before the "
                           "restart are counted as unchanged")] if resumed else [],
            "resumed": resumed}


def check_areas(ctx: JobContext, path: Path, fmt: str, name: str) -> None:
    """An account imports households of its own area only: a file with a household of another area (by its
    区划代码, or the area the registry holds it in) is refused whole, naming the first such records."""
    from jiuzhu.registry import areas

    records = _ledger_areas(path) if fmt in ("xlsx", "csv") else _json_areas(path)
    stored = _stored_areas(ctx, {no for _, no, _ in records if no})
    prefix = areas.prefix(ctx.job.area_code)
    # The records as the person knows them: the uploaded file's name, not the name it is stored under.
    outside = [record.replace(path.name, name, 1) for record, no, code in records
               if (code and not code.upper().startswith(prefix)) or
               (no in stored and not (stored[no] or "").startswith(prefix))]
    if outside:
        raise JiuzhuError(t("{file}: {records} are households outside your area {area}; an account imports its own "
                            "area's households only: remove them, or ask an account of their area",
                            file=name, records=", ".join(outside[:5]) + (" …" if len(outside) > 5 else ""),
                            area=ctx.job.area_code), field="file")


def _ledger_areas(path: Path) -> list[tuple[str, str | None, str | None]]:
    from jiuzhu.registry.ledger import load_sheet
    from jiuzhu.registry.ledger.cells import is_blank

    sheet = load_sheet(path)
    area = sheet.headers.index("区划代码") if "区划代码" in sheet.headers else None
    number = sheet.headers.index("户编号") if "户编号" in sheet.headers else None
    out = []
    for row, cells in sheet.rows:
        code = cells[area] if area is not None and area < len(cells) else None
        no = cells[number] if number is not None and number < len(cells) else None
        out.append((t("row {row}", row=row), None if is_blank(no) else str(no).strip(),
                    None if is_blank(code) else str(code).strip()))
    return out


def _json_areas(path: Path) -> list[tuple[str, str | None, str | None]]:
    from jiuzhu.registry import interchange

    interchange.check_file(path)
    out = []
    for record, data in interchange.read_documents(path):
        if isinstance(data, dict):
            no, code = data.get("household_no"), data.get("area_code")
            out.append((record, no if isinstance(no, str) else None, code if isinstance(code, str) else None))
    return out


def _stored_areas(ctx: JobContext, numbers: set[str]) -> dict[str, str | None]:
    from jiuzhu.registry.models import Household

    found: dict[str, str | None] = {}
    ordered = sorted(numbers)
    with session_scope(ctx.engine, write=False) as session:
        for i in range(0, len(ordered), 500):
            found.update(session.execute(select(Household.household_no, Household.area_code)
                                         .where(Household.household_no.in_(ordered[i:i + 500]))).all())
    return found


def run_whatif(ctx: JobContext) -> dict:
    from jiuzhu.files import writable_folder
    from jiuzhu.registry import areas
    from jiuzhu.rules.whatif import run

    params = ctx.job.params
    ctx.progress(0.05, COMPARING)
    report = run(params["changes"], params["month"], engine=ctx.engine, area=ctx.job.scope,
                 scratch=writable_folder(ctx.home / "tmp"))
    return {"reform": report.reform, "month": report.month, "area": ctx.job.scope, "households": report.households,
            "changes": json.loads(json.dumps(report.changes)),
            "programmes": _deltas(report.programmes),
            # 政策测算 by township: only the programmes a township's households move in (eligible or paid)
            "townships": [{"code": code, "name": areas.area_name(code),
                           "programmes": [d for d in _deltas(by) if d["eligible_before"] or d["eligible_after"]]}
                          for code, by in sorted(report.townships.items())]}


TOTALLED = ("eligible_before", "eligible_after", "newly_eligible", "no_longer_eligible", "cost_before_fen",
            "cost_after_fen")


def township_totals(result: dict) -> list[dict]:
    """A what-if's by-township table added up per programme (the table's 合计 rows), in the order of its
    programmes: households eligible before and after, newly and no longer eligible, the cost a month before and
    after. Every household lies in one township, so each total equals the programme's own figure above it."""
    totals: dict[str, dict] = {p["programme"]: {"programme": p["programme"], "label": p["label"],
                                                **dict.fromkeys(TOTALLED, 0)}
                               for p in result.get("programmes") or []}
    for town in result.get("townships") or []:
        for p in town["programmes"]:
            into = totals.setdefault(p["programme"], {"programme": p["programme"], "label": p["label"],
                                                      **dict.fromkeys(TOTALLED, 0)})
            for key in TOTALLED:
                into[key] += p.get(key) or 0
    return [t for t in totals.values() if any(t[key] for key in TOTALLED)]


def _deltas(programmes: dict) -> list[dict]:
    from jiuzhu.registry.codes import Programme

    return [{"programme": key, "label": Programme(key).words(), "eligible_before": d.eligible_before,
             "eligible_after": d.eligible_after, "newly_eligible": d.newly_eligible,
             "no_longer_eligible": d.no_longer_eligible, "cost_before_fen": d.cost_before_fen,
             "cost_after_fen": d.cost_after_fen} for key, d in programmes.items()]


def batch_spec(job) -> object:
    """The batch a ``verify_batch`` job verifies, from its parameters."""
    import datetime as dt

    from jiuzhu.verification.batch_service import BatchSpec

    p = job.params
    return BatchSpec(area=p["area"], purpose_kind=p["purpose_kind"], purpose_ref=p.get("purpose_ref") or "",
                     as_of=dt.date.fromisoformat(p["as_of"]), requested_by=job.submitted_by,
                     language=job.language or "zh", programme=p.get("programme"), limit=p.get("limit"),
                     wave_size=int(p.get("wave_size") or 100))


def run_verify_batch(ctx: JobContext) -> dict:
    """The batch (verification/batch.py), its progress the households ended so far; a second run resumes it."""
    from jiuzhu.jobs.worker import LeaseLost
    from jiuzhu.verification import batch, flows

    if ctx.resumed:
        ctx.stage(RESUMED)
    exchange = EXCHANGE or flows.load_exchange()

    def check(session) -> None:
        if ctx.lost.is_set() or not service.holds(session, ctx.job.id, ctx.worker.owner):
            raise LeaseLost(ctx.job.id)

    def progress(ended: int, total: int) -> None:
        ctx.progress(ended / max(total, 1), VERIFYING)

    return batch.run_blocking(ctx.engine, ctx.job.id, batch_spec(ctx.job), exchange, check=check,
                              progress=progress)


EXCHANGE = None  # the exchange a batch asks with; None: the installation's (sources.toml and key; tests set it)

HANDLERS = {"scan": run_scan, "import": run_import, "whatif": run_whatif, "verify_batch": run_verify_batch}
