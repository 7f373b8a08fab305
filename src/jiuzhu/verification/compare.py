"""申报 vs 核对: a finished verification's household evaluated on what it declared and on what the departments
said, side by side, in one run of the rules (issue 13 item 6; design §5).

    side_by_side(session, principal, verification_id, month=None) -> {"month", "declared", "verified", "changes",
                                                                      "complete", "unknown_sources"}
    outcomes(session, verification) -> [fanout.Outcome]     the departments' answers, rebuilt from what was stored

The verified household is ``facts.verified_household`` over the answers as T2 recorded them: the items (refs in
full: an account is matched with the declared one on its number) with their attributes from the frozen report (a
vehicle's status, a business's name, a tax item's income type — the items table keeps no attributes), a failed
source as a failure (its items unknown, never zero). What a source could not tell is passed to the rules as
unknown (``evaluate(..., unknown=[None, unknown])``): a programme that depends on it is "unknown", not "refused".

Reading the comparison is a read of the report (the service logs it) and of the household's evaluation: the role
needs ``verification.read`` and ``rules.evaluate``; identifiers are masked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.exchange.adapters.base import Answer
from jiuzhu.exchange.format import ErrorBody, Item, SubjectResult
from jiuzhu.i18n import N_, language, t
from jiuzhu.registry import models as rm
from jiuzhu.registry import schemas as s
from jiuzhu.verification import service
from jiuzhu.verification.fanout import Outcome
from jiuzhu.verification.models import Verification, VerificationItem, VerificationQuery
from jiuzhu.verification.report import MASKERS, ref_kind
from jiuzhu.verification.resilience import SourceFailed

NOT_FINISHED = N_("verification {id} has no report yet ({status}): the comparison is made once it has ended")


class _Cause(Exception):
    """What a stored failed query failed with (its code), for ``SourceFailed``."""

    def __init__(self, code: str, message: str | None) -> None:
        super().__init__(message or code)
        self.code, self.message = code, message or code


def check_as_of(day: dt.date | None, field: str) -> dt.date | None:
    """``day`` (a verification's as-of date) unless the law in force does not cover it: the report weighs the
    departments' answers with the parameters of that day (the income look-back, …), so a day before the rules
    in force (1990-01-01) is refused at once, naming the input (``field``) and the first day covered — not
    after the departments were asked, in the words of a parameter."""
    from jiuzhu.rules.law import in_force_from

    first = in_force_from()
    if day is not None and day.strftime("%Y-%m") < first:
        raise JiuzhuError(t("{day} is before the rules in force: no law covers it; the rules cover {first}-01 "
                            "onwards", day=day, first=first), field=field)
    return day


def side_by_side(session: Session, principal: Principal, verification_id: int, month: str | None = None, *,
                 log_read: bool = True) -> dict:
    """Every programme's result on the declared and on the verified household for ``month`` (default: the
    verification's month), and what changes between the two. ``log_read=False``: the caller has just read (and
    so logged) the report for the same page."""
    from jiuzhu.rules.explain import evaluate
    from jiuzhu.rules.law import check_month  # the format, then the law in force (1990-01: none)
    from jiuzhu.verification.facts import verified_household

    principal.require(Permission.EVALUATE)
    view = service.get(session, principal, verification_id)  # verification.read, and the area: else "not found"
    v = session.get(Verification, verification_id)
    report = service.report(session, principal, verification_id) if log_read else v.report
    if report is None or not view.finished or view.status == "failed":
        raise ConflictError(t(NOT_FINISHED, id=verification_id, status=view.status_label))
    month = check_month(month) if month else v.as_of.strftime("%Y-%m")
    if month > v.as_of.strftime("%Y-%m"):  # the departments answered for as_of: a later month's facts are unknown
        raise JiuzhuError(t("month {month} is after the verification's month {latest} (the departments answered "
                            "for {as_of}): choose {latest} or an earlier month", month=month,
                            latest=v.as_of.strftime("%Y-%m"), as_of=v.as_of), field="month")
    declared = s.Household.model_validate(v.declared)
    verified, unknown = verified_household(declared, outcomes(session, v), month, as_of=v.as_of)
    before, after = evaluate([declared, verified], month, lang=language(), unknown=[None, unknown])
    return {"verification_id": v.id, "household_no": v.household_no, "month": month, "as_of": v.as_of,
            "complete": bool(v.complete), "unknown_sources": view.unknown_sources,
            "declared": before, "verified": after, "changes": changes(before, after)}


def changes(before: dict, after: dict) -> list[dict]:
    """The programmes whose status or monthly amount differs between the two evaluations."""
    was = {p["programme"]: p for p in before["programmes"]}
    out = []
    for p in after["programmes"]:
        b = was.get(p["programme"])
        if b is None or (b["status"], b["monthly_amount"]) != (p["status"], p["monthly_amount"]):
            out.append({"programme": p["programme"], "name": p["name"],
                        "status_before": b["status"] if b else None, "status_after": p["status"],
                        "amount_before": b["monthly_amount"] if b else None, "amount_after": p["monthly_amount"]})
    return out


# ------------------------------------------------------------------------------------------ the answers, rebuilt


def outcomes(session: Session, v: Verification) -> list[Outcome]:
    """One outcome per endpoint, in the endpoints' order, as the flows handed them to the report (the chunks of
    an endpoint joined; one failed chunk fails it)."""
    queries = session.scalars(select(VerificationQuery).where(VerificationQuery.verification_id == v.id)
                              .order_by(VerificationQuery.endpoint, VerificationQuery.chunk)).all()
    rows = session.scalars(select(VerificationItem).where(VerificationItem.verification_id == v.id)
                           .order_by(VerificationItem.id)).all()
    ids = dict(session.execute(select(rm.Person.id, rm.Person.id_number).where(
        rm.Person.id.in_({r.person_id for r in rows}))).all())
    attrs = _report_attrs(v.report or {})
    masked = (v.report or {}).get("masked", True)
    by_query: dict[int, list[VerificationItem]] = defaultdict(list)
    for r in rows:
        by_query[r.query_id].append(r)
    departments = {x["endpoint"]: x.get("department") or "" for x in (v.report or {}).get("sources", [])}
    out: dict[str, Outcome] = {}
    for q in queries:
        if q.status != "answered":
            failed = Outcome(q.endpoint, failure=SourceFailed(q.endpoint, _Cause(q.error_code or "internal",
                                                                                  q.error_message), q.attempts or 1))
            out[q.endpoint] = failed
            continue
        if q.endpoint in out and out[q.endpoint].failure is not None:
            continue  # a failed chunk fails the endpoint
        results = _results(by_query[q.id], ids, attrs, q.endpoint, masked)
        before = out.get(q.endpoint)
        if before is not None:
            results = tuple(before.answer.results) + results
        out[q.endpoint] = Outcome(q.endpoint, answer=Answer(
            endpoint=q.endpoint, source=q.kind, department=departments.get(q.endpoint, ""), request_id=q.request_id,
            answered_at=q.answered_at or dt.datetime.now(dt.timezone.utc), replayed=bool(q.replayed),
            kid=q.response_kid or "", latency_ms=q.latency_ms or 0.0, results=results))
    return list(out.values())


def _results(rows: list[VerificationItem], ids: dict[int, str], attrs: dict, endpoint: str,
             masked: bool) -> tuple:
    """One result per member the answer covered: found with its items, none, or refused (a member left out of
    the answer, or unknown for an ended consent, has no result: "not asked")."""
    per_person: dict[int, list[VerificationItem]] = defaultdict(list)
    for r in rows:
        per_person[r.person_id].append(r)
    results = []
    for person_id, items in per_person.items():
        number = ids[person_id]
        found = [r for r in items if r.status == "found"]
        if found:
            got = [_item(r, attrs.get(_key(number, r, endpoint, masked), {})) for r in found]
            results.append(SubjectResult(id_number=number, status="found", items=got))
        elif any(r.status == "none" for r in items):
            results.append(SubjectResult(id_number=number, status="none"))
        elif any(r.status == "unknown" and r.reason and r.reason != "consent_ended" for r in items):
            code = next(r.reason for r in items if r.reason)
            results.append(SubjectResult(id_number=number, status="refused",
                                         error=ErrorBody(code=code, message=code, retryable=False)))
    return tuple(results)


def _item(r: VerificationItem, attrs: dict) -> Item:
    ref = r.ref.split("#")[0] if r.ref else None  # the same item twice in one answer: T2 numbered the second
    return Item(item=r.item, category=r.category, ref=ref or None, month=r.month or None, value=_value(r),
                unit=r.unit, as_of=r.as_of, attrs=attrs)


def _value(r: VerificationItem):
    if r.value_fen is not None:
        return r.value_fen
    if r.value_num is not None:
        return int(r.value_num) if r.unit == "count" else f"{Decimal(r.value_num):.2f}"
    if r.unit == "bool":
        return r.value_text == "true"
    return r.value_text or ""


def _masked(ref: str | None, endpoint: str, item: str) -> str | None:
    kind = ref_kind(endpoint, item)
    return MASKERS[kind](ref) if ref and kind in MASKERS else ref


def _key(number: str, r: VerificationItem, endpoint: str, masked: bool) -> tuple:
    ref = (r.ref.split("#")[0] if r.ref else None) or None
    return (MASKERS["id"](number) if masked else number, endpoint, r.item, r.month or None,
            r.as_of.isoformat() if r.as_of else None, _masked(ref, endpoint, r.item) if masked else ref)


def _report_attrs(report: dict) -> dict[tuple, dict]:
    """The items' attributes as the frozen report holds them, keyed as ``_key`` keys a stored item (the masked
    member and ref: the report is masked)."""
    out = {}
    for m in report.get("members", []):
        for x in m.get("items", []):
            out.setdefault((m["member"], x["endpoint"], x["item"], x.get("month"), x.get("as_of"), x.get("ref")),
                           x.get("attrs") or {})
    return out
