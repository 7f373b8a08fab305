"""The 核对报告 as JSON (issue 13 item 6; domain.md §6; docs/verification-report.md): per member and per source each
item with its as-of date; income by category and per capita; financial assets; property, vehicles, businesses,
provident fund; each difference from what the household declared; completeness per source.

    report = build_report(meta, declared, outcomes, "2025-08")            # identifiers masked
    report = build_report(meta, declared, outcomes, "2025-08", unmask=True)

Pure, from the same material as ``facts.verify``. The models below *are* the format ``jiuzhu-verification-report/1``:
``docs/schema/verification-report.schema.json`` is written from them (``python -m jiuzhu.verification.report``) and
a test keeps the two equal. Money in integer fen. What is not known is ``null`` with ``known: false`` — never 0 —
and, for a total, ``at_least_fen``: the sum of the parts that are known. The report informs; the caseworker
decides (domain §6): it holds no evaluation (the flows run ``rules.explain.evaluate`` on both households).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.accounts.models import User
from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import endpoints
from jiuzhu.exchange.errors import CLIENT_ERRORS
from jiuzhu.exchange.format import ERRORS, Item
from jiuzhu.exchange.sources import catalogue, kind_of
from jiuzhu.i18n import N_, language, t
from jiuzhu.money import yuan_to_fen
from jiuzhu.months import month_end
from jiuzhu.registry import areas
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import COUNTED_INCOME
from jiuzhu.registry.privacy import mask_account, mask_certificate, mask_id
from jiuzhu.rules.inputs.documents import present_members
from jiuzhu.verification.facts import Reading, Verified, declared_covers, max_age_days, verify
from jiuzhu.verification.fanout import Outcome

REPORT_FORMAT = "jiuzhu-verification-report/1"
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "schema" / "verification-report.schema.json"
ROUNDING = N_("each member's monthly average of each income category over the window, rounded half up to the fen "
            "(as the rules compute it); the per-capita figure is the total divided by the counted members, "
            "rounded half up to the fen")

# Which income category of the household format each kind of source informs (a failed source leaves that category
# unknown in the report; the rules see the member's whole income unknown).
INCOME_OF_KIND = {"hrss.social_security": ("wages",), "tax": ("wages",), "hrss.pensions": ("pension",),
                  "hrss.unemployment": ("unemployment_benefit",), "hrss.work_injury": ("transfer_net",)}

LEFT_OUT_SOURCE = N_("{count} member(s) not asked: their authorization ended (withdrawn) after the verification began")
LEFT_OUT_MEMBER = N_("not asked: the member's authorization ended (withdrawn) after the verification began")

_FAILURES = {
    "unreachable": N_("cannot connect"), "timeout": N_("no answer in time"),
    "breaker_open": N_("not asked: the source failed repeatedly just now"),
    "bad_response": N_("its answer could not be trusted"),
    "consent_ended": N_("not asked: the members' authorizations ended (withdrawn) after the verification began"),
}


# ------------------------------------------------------------------------------------------ the format


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Purpose(_Out):
    kind: str
    reference: str


class Window(_Out):
    from_: str = Field(alias="from")
    to: str


SourceStatus = Literal["answered", "stale", "refused", "failed"]


class Source(_Out):
    endpoint: str
    kind: str
    department: str
    status: SourceStatus = Field(description="answered: every member answered and fresh; stale: an item older "
                                             "than max_age_days; refused: a member refused or left out; failed")
    reason: str | None = Field(None, description="why not answered, in words (translated)")
    code: str | None = None
    attempts: int | None = None
    request_id: str | None = None
    answered_at: dt.datetime | None = None
    replayed: bool = False
    as_of: dt.date | None = Field(None, description="the latest as-of date of its items")
    max_age_days: int | None = None
    found: int = 0
    none: int = 0
    refused: int = 0
    not_asked: int = 0
    stale_items: int = 0


class MemberItem(_Out):
    endpoint: str
    item: str
    category: str
    ref: str | None
    month: str | None
    value_fen: int | None = Field(None, description="money (units fen, fen/month)")
    value: str | int | bool | None = Field(None, description="anything else: m2, date, bool, code, count")
    unit: str
    as_of: dt.date
    stale: bool
    attrs: dict[str, str | int | bool | None] = Field(default_factory=dict)


class MemberUnknown(_Out):
    endpoint: str
    categories: list[str] = Field(description="the source's categories (exchange format)")
    status: Literal["failed", "refused", "not_asked", "stale", "unreadable"]
    reason: str


class ConsentRef(_Out):
    """The consent the member's queries relied on (given by the flows, from the consent records)."""

    record_id: str
    signer: str = Field(description="self, guardian or proxy")
    valid_until: dt.date | None = None


class MemberReport(_Out):
    member: str = Field(description="ID number, masked unless unmasked")
    name: str
    relation: str
    counted: bool
    asked: bool
    consent: ConsentRef | None = None
    items: list[MemberItem]
    unknown: list[MemberUnknown]
    unknown_categories: list[str] = Field(description="what the rules are told is unknown for this member")


class IncomeCategory(_Out):
    monthly_fen: int | None
    known: bool
    at_least_fen: int
    basis: Literal["verified", "declared"] = Field(
        "verified", description="declared: no source asked informs this category (business and property income "
                                "always), so the figure is the household's own, shown as such")


class Income(_Out):
    months: list[str]
    by_category: dict[str, IncomeCategory]
    total_monthly_fen: int | None
    known: bool
    at_least_fen: int
    counted_members: int
    per_capita_monthly_fen: int | None
    rounding: str


class Account(_Out):
    member: str
    kind: str
    institution: str | None
    ref: str | None
    balance_fen: int
    as_of: dt.date
    source: str = Field(description="declared, or the endpoint that reported it")


class Assets(_Out):
    financial_fen: int | None
    known: bool
    at_least_fen: int
    accounts: list[Account]


class PropertyOut(_Out):
    member: str
    ref: str | None
    use: str
    floor_area_m2: str
    location: str | None
    acquired_on: dt.date | None
    sources: list[str]


class VehicleOut(_Out):
    member: str
    ref: str | None
    kind: str
    registered_on: dt.date | None
    mobility_for_disabled: bool
    sources: list[str]


class BusinessOut(_Out):
    member: str
    uscc: str
    name: str | None
    registered_capital_fen: int | None
    registered_on: dt.date | None
    sources: list[str]


class FundOut(_Out):
    member: str
    known: bool
    balance_fen: int | None
    monthly_deposit_fen: int | None
    as_of: dt.date | None


class DifferenceOut(_Out):
    member: str
    kind: str
    endpoint: str
    month: str | None
    ref: str | None
    declared_fen: int | None
    verified_fen: int | None
    declared: str | None
    verified: str | None
    as_of: dt.date | None


class Completeness(_Out):
    endpoints: int
    answered: int
    failed: int
    refused: int
    stale: int
    complete: bool


class Report(_Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              json_schema_extra={"$id": "https://jiuzhu.example/schema/verification-report.schema.json"})

    format: Literal["jiuzhu-verification-report/1"] = REPORT_FORMAT
    verification_id: int | None
    household_no: str
    area_code: str
    office: str | None = Field(description="the requesting office: sources.toml's [requester] name, else the "
                                          "civil-affairs bureau of the household's district")
    purpose: Purpose
    requested_by: str
    requested_by_name: str | None = Field(None, description="who asked, as people read it: the account's display "
                                                            "name; the user name and (command line) for the CLI")
    as_of: dt.date
    month: str = Field(description="the month the facts are for (the rules' month)")
    window: Window
    created_at: dt.datetime
    language: str
    masked: bool
    complete: bool = Field(description="every source answered every member, fresh, and every item was read")
    sources: list[Source]
    members: list[MemberReport]
    income: Income
    assets: Assets
    property: list[PropertyOut]
    vehicles: list[VehicleOut]
    businesses: list[BusinessOut]
    housing_fund: list[FundOut]
    differences: list[DifferenceOut]
    completeness: Completeness
    notice: str = Field(description="the report informs; the decision is the caseworker's (domain §6)")


def report_sha256(report: dict) -> str:
    """SHA-256 of the report's canonical JSON (sorted keys, no spaces, UTF-8): what the flows store with it and
    the PDF prints, so that a printed copy can be matched to the stored report."""
    text = json.dumps(report, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_schema() -> dict:
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema"} | schema


def schema_text() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ------------------------------------------------------------------------------------------ building it


@dataclass(frozen=True)
class ReportMeta:
    """What the report says of the verification itself (the flows fill it from the ``verifications`` row)."""

    household_no: str
    area_code: str
    purpose_kind: str
    purpose_reference: str
    requested_by: str
    as_of: dt.date
    verification_id: int | None = None
    window_from: str | None = None  # default: the rules' income window before the month
    window_to: str | None = None
    created_at: dt.datetime | None = None  # default: now (UTC)
    office: str | None = None  # the requesting office, for the PDF's header (default: ``office_of``)
    requested_by_name: str | None = None  # who asked, as people read it (``handler_name``)


OFFICE_OF_DISTRICT = N_("{district} civil affairs bureau")
CLI_OPERATOR = N_("{user} (command line)")


def office_of(area_code: str) -> str:
    """The requesting office a report names (核对机构): who we are to the departments (sources.toml's [requester]
    name), else the civil-affairs bureau of the household's district — never blank."""
    try:
        return _requester_name(*_stamp(endpoints.default_path()))
    except ConfigurationError:
        return t(OFFICE_OF_DISTRICT, district=areas.area_name(area_code[:6]))


def _stamp(path: Path) -> tuple[str, int | None, int | None]:
    try:
        stat = path.stat()
    except OSError:
        return str(path), None, None  # load() says why (missing, unreadable), never cached
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _requester_name(path: str, mtime_ns: int | None, size: int | None) -> str:
    """sources.toml's [requester] name, read again only when the file changed (a batch names the office in each
    of its reports: reading and parsing the file for each was a fifth of a report's time)."""
    return endpoints.load(Path(path)).requester.name


def handler_name(session: Session, username: str) -> str:
    """Who asked (经办人) as people read it: the account's display name; a user name with no account is the command
    line's operator (its operating-system user or JIUZHU_ACTOR), said so; never blank."""
    shown = session.scalar(select(User.display_name).where(User.username == username)) if username else None
    if shown:
        return shown
    return t(CLI_OPERATOR, user=username) if username else t("unknown")


NOTICE = N_("This report informs the decision; it does not make it. The decision is the caseworker's.")


def build_report(meta: ReportMeta, declared: s.Household, outcomes: list[Outcome], month: str, *,
                 unmask: bool = False, max_age: dict[str, int] | None = None,
                 consents: Mapping[str, Mapping] | None = None, left_out: Collection[str] = ()) -> dict:
    """The report as JSON-ready data (``Report``), identifiers masked unless ``unmask``. ``consents``: per ID
    number, the consent relied on ({record_id, signer, valid_until}), shown with the member. ``left_out``: the ID
    numbers of members whose authorization ended while the verification ran (withdrawn): the later queries left
    them out, and the report says so rather than 'not in the answer'."""
    v = verify(declared, list(outcomes), month, as_of=meta.as_of, max_age=max_age)
    ages = max_age if max_age is not None else max_age_days(meta.as_of)
    mask = _Masks(unmask)
    sources = _sources(v, list(outcomes), ages, frozenset(left_out))
    members = [_member(v, m, mask, ages, (consents or {}).get(m.id_number), m.id_number in left_out)
               for m in declared.members]
    complete = all(x.status == "answered" for x in sources) and not v.unknown and not v.unreadable
    report = Report(
        verification_id=meta.verification_id, household_no=meta.household_no, area_code=meta.area_code,
        office=meta.office or office_of(meta.area_code),
        purpose=Purpose(kind=meta.purpose_kind, reference=meta.purpose_reference),
        requested_by=meta.requested_by, requested_by_name=meta.requested_by_name, as_of=meta.as_of, month=month,
        window=Window(**{"from": meta.window_from or v.window[0], "to": meta.window_to or v.window[-1]}),
        created_at=meta.created_at or dt.datetime.now(dt.timezone.utc), language=language(), masked=not unmask,
        complete=complete, sources=sources, members=members, income=_income(v), assets=_assets(v, declared, mask),
        property=_homes(v, declared, mask), vehicles=_vehicles(v, declared, mask),
        businesses=_businesses(v, declared, mask), housing_fund=_fund(v, mask),
        differences=[_difference(d, mask) for d in v.differences],
        completeness=Completeness(endpoints=len(sources), answered=sum(x.status == "answered" for x in sources),
                                  failed=sum(x.status == "failed" for x in sources),
                                  refused=sum(x.status == "refused" for x in sources),
                                  stale=sum(x.status == "stale" for x in sources), complete=complete),
        notice=t(NOTICE))
    return report.model_dump(mode="json", by_alias=True)


class _Masks:
    def __init__(self, unmask: bool):
        self.unmask = unmask

    def id(self, number: str) -> str:
        return number if self.unmask else mask_id(number)

    def ref(self, ref: str | None, kind: str | None) -> str | None:
        """``ref`` masked by its kind: the sources catalogue's (``exchange.sources.REF_KINDS``) or ``id``; a kind
        that is not personal (an employer's USCC, a pension scheme) as it is."""
        if ref is None or self.unmask or kind is None or kind not in MASKERS:
            return ref
        return MASKERS[kind](ref)


# How a ref of each kind is masked (registry.privacy); uscc and scheme are not personal.
MASKERS: dict[str, Callable[[str], str]] = {
    "account": mask_account, "policy": mask_account, "plate": mask_account, "certificate": mask_certificate,
    "id": mask_id, "id_number": mask_id}


def ref_kind(endpoint: str, item: str) -> str | None:
    """What an item's ref is, as the sources catalogue declares it (defined there once)."""
    spec = kind_of(endpoint).item(item)
    return spec.ref if spec else "id_number"  # an item the catalogue does not know: masked as the most sensitive


def failure_reason(code: str | None, attempts: int | None = None) -> str:
    """A failed query's reason in words: the client's and the departments' codes (docs/exchange.md)."""
    words = t(_FAILURES[code]) if code in _FAILURES else \
        t(ERRORS[code].message) if code in ERRORS else (code or "?")
    if attempts and attempts > 1:
        return t("{reason} (tried {attempts} times)", reason=words, attempts=attempts)
    return words


def refusal_reason(code: str | None) -> str:
    return t(ERRORS[code].message) if code in ERRORS else (code or "?")


assert set(_FAILURES) - {"breaker_open", "consent_ended"} <= set(CLIENT_ERRORS) | set(ERRORS)


def _sources(v: Verified, outcomes: list[Outcome], ages: dict[str, int], left_out: frozenset[str]) -> list[Source]:
    out = []
    for position, outcome in enumerate(outcomes):
        per_member = [rs[position] for rs in v.readings.values()]
        ended = sum(r.status == "not_asked" and who in left_out for who, rs in v.readings.items()
                    for r in rs[position:position + 1])
        kind = kind_of(outcome.endpoint).kind
        spec = catalogue().get(outcome.endpoint)
        department = per_member[0].department if per_member else (spec.department if spec else kind)
        counts = {k: sum(r.status == k for r in per_member) for k in ("found", "none", "refused", "not_asked")}
        items = [x for r in per_member for x in r.items + r.stale]
        stale = sum(len(r.stale) for r in per_member)
        if outcome.failure is not None:
            status, reason = "failed", failure_reason(outcome.failure.code, outcome.failure.attempts)
        elif counts["refused"] or counts["not_asked"] > ended:
            status, reason = "refused", t("{refused} member(s) refused, {missing} not in the answer",
                                          refused=counts["refused"], missing=counts["not_asked"])
        elif ended:
            status, reason = "refused", t(LEFT_OUT_SOURCE, count=ended)
        elif stale:
            status, reason = "stale", t("{count} item(s) older than {days} days", count=stale,
                                        days=ages.get(kind))
        else:
            status, reason = "answered", None
        answer = outcome.answer
        out.append(Source(
            endpoint=outcome.endpoint, kind=kind, department=department, status=status, reason=reason,
            code=outcome.failure.code if outcome.failure else None,
            attempts=outcome.failure.attempts if outcome.failure else None,
            request_id=answer.request_id if answer else None, answered_at=answer.answered_at if answer else None,
            replayed=bool(answer and answer.replayed), as_of=max((x.as_of for x in items), default=None),
            max_age_days=ages.get(kind), stale_items=stale, **counts))
    return out


def _member(v: Verified, m: s.Member, mask: _Masks, ages: dict[str, int], consent: Mapping | None,
            left_out: bool = False) -> MemberReport:
    found = v.readings.get(m.id_number)
    items, unknown = [], []
    for r in found or []:
        items += [_item(r, x, mask, stale=False) for x in r.items]
        items += [_item(r, x, mask, stale=True) for x in r.stale]
        if not r.learned:
            unknown.append(_unknown(r, ages, left_out))
    for who, endpoint, why in v.unreadable:
        if who == m.id_number:
            unknown.append(MemberUnknown(endpoint=endpoint, categories=list(kind_of(endpoint).categories),
                                         status="unreadable",
                                         reason=t("the answer does not fit the household format: {detail}",
                                                  detail=why)))
    return MemberReport(member=mask.id(m.id_number), name=m.name, relation=m.relation.value, counted=m.counted,
                        asked=found is not None, consent=ConsentRef(**consent) if consent else None,
                        items=items, unknown=unknown,
                        unknown_categories=sorted(v.unknown.get(m.id_number, ())))


def _item(r: Reading, x: Item, mask: _Masks, *, stale: bool) -> MemberItem:
    money = x.unit in ("fen", "fen/month")
    attrs = {k: v for k, v in x.attrs.items() if not (k == "spouse" and not mask.unmask)}
    return MemberItem(endpoint=r.endpoint, item=x.item, category=x.category,
                      ref=mask.ref(x.ref, ref_kind(r.endpoint, x.item)), month=x.month,
                      value_fen=x.value if money else None, value=None if money else x.value,
                      unit=x.unit, as_of=x.as_of, stale=stale, attrs=attrs)


def _unknown(r: Reading, ages: dict[str, int], left_out: bool = False) -> MemberUnknown:
    categories = list(kind_of(r.endpoint).categories)
    if r.status == "failed":
        return MemberUnknown(endpoint=r.endpoint, categories=categories, status="failed",
                             reason=failure_reason(r.code, r.attempts))
    if r.status == "refused":
        return MemberUnknown(endpoint=r.endpoint, categories=categories, status="refused",
                             reason=refusal_reason(r.code))
    if r.status == "not_asked":
        return MemberUnknown(endpoint=r.endpoint, categories=categories, status="not_asked",
                             reason=t(LEFT_OUT_MEMBER) if left_out else t("the answer does not cover this member"))
    oldest = min(x.as_of for x in r.stale)
    return MemberUnknown(endpoint=r.endpoint, categories=categories, status="stale",
                         reason=t("its data as of {date} is older than {days} days", date=oldest.isoformat(),
                                  days=ages.get(r.kind)))


# -- income (domain §4: wages, net business, property and transfer income, pensions, unemployment benefit) ------


def _avg(total_fen: int, months: int) -> int:
    """Half up to the fen, in integers (as rules.inputs.documents averages)."""
    return (2 * total_fen + months) // (2 * months)


def _income(v: Verified) -> Income:
    doc, window = v.household, v.window
    counted = [m for m in present_members(doc, v.month) if m.counted]
    covered = declared_covers(doc, v.month)
    # Per category, each member's average (None: not known) and the floor the figures on hand give (an unknown
    # part may only add to them).
    parts: dict[str, list[int | None]] = {c: [] for c in COUNTED_INCOME}
    floors: dict[str, int] = dict.fromkeys(COUNTED_INCOME, 0)
    for m in counted:
        blind = _income_blind(v, m.id_number)
        by_month = {i.month: i for i in m.incomes}
        for category in COUNTED_INCOME:
            values = [getattr(by_month[mo], category) if mo in by_month else None for mo in window]
            average = _avg(sum(yuan_to_fen(x) for x in values if x is not None), len(window))
            floors[category] += average
            unknown = category in blind or (not covered and any(x is None for x in values))
            parts[category].append(None if unknown else average)
    # A category no source asked informs (business and property income always; others when their source is not
    # configured) is the declaration's figure, and says so: its 0.00 is never a department's answer.
    informed = {c for rs in v.readings.values() for r in rs for c in INCOME_OF_KIND.get(r.kind, ())}
    by_category = {c: IncomeCategory(monthly_fen=None if None in p else sum(p), known=None not in p,
                                     at_least_fen=floors[c], basis="verified" if c in informed else "declared")
                   for c, p in parts.items()}
    known = all(c.known for c in by_category.values())
    total = sum(c.monthly_fen for c in by_category.values()) if known else None
    return Income(months=window, by_category=by_category, total_monthly_fen=total, known=known,
                  at_least_fen=sum(c.at_least_fen for c in by_category.values()), counted_members=len(counted),
                  per_capita_monthly_fen=_avg(total, len(counted)) if total is not None and counted else None,
                  rounding=t(ROUNDING))


def _income_blind(v: Verified, id_number: str) -> set[str]:
    """The income categories a source could not tell of this member (failed, refused, stale, unreadable)."""
    out: set[str] = set()
    for r in v.readings.get(id_number, []):
        if not r.learned:
            out.update(INCOME_OF_KIND.get(r.kind, ()))
    if "income" in v.unknown.get(id_number, ()) and not out:
        out.update(COUNTED_INCOME)  # unknown for a reason not tied to one category: all of it
    return out


# -- assets and holdings --------------------------------------------------------------------------------------


def _verified_refs(v: Verified, id_number: str, *kinds: str) -> dict[str, str]:
    return {x.ref: r.endpoint for r in v.readings.get(id_number, []) if r.kind in kinds for x in r.items if x.ref}


def _assets(v: Verified, declared: s.Household, mask: _Masks) -> Assets:
    end = month_end(v.month)
    accounts: list[Account] = []
    known = True
    for m in present_members(v.household, v.month):
        if not m.counted:
            continue
        known = known and "assets" not in v.unknown.get(m.id_number, ())
        reported = _verified_refs(v, m.id_number, "bank", "insurer", "securities")
        latest: dict[tuple, s.FinancialAsset] = {}
        for a in m.financial_assets:
            if a.as_of <= end:
                key = (a.kind, a.institution, a.account)
                if key not in latest or (a.as_of, a.amount) > (latest[key].as_of, latest[key].amount):
                    latest[key] = a
        for a in latest.values():
            source = reported.get(a.account, "declared") if a.account else "declared"
            accounts.append(Account(member=mask.id(m.id_number), kind=a.kind.value, institution=a.institution,
                                    ref=mask.ref(a.account, "account"), balance_fen=yuan_to_fen(a.amount),
                                    as_of=a.as_of, source=source))
    total = sum(a.balance_fen for a in accounts)
    return Assets(financial_fen=total if known else None, known=known, at_least_fen=total, accounts=accounts)


def _sources_of(ref: str | None, declared_refs: set, reported: dict[str, str]) -> list[str]:
    out = ["declared"] if ref is None or ref in declared_refs else []
    return out + ([reported[ref]] if ref in reported else [])


def _declared_member(declared: s.Household, id_number: str) -> s.Member | None:
    return next((m for m in declared.members if m.id_number == id_number), None)


def _held(v: Verified, declared: s.Household, field: str, ref: Callable[[Any], str | None], endpoint: str,
          row: Callable[[s.Member, Any, list[str]], Any]) -> list:
    """Each member's holdings of one kind (``field`` of the member: homes, vehicles, businesses) as verified, each
    with where it is known from: declared, the source's endpoint, or both (matched on ``ref``)."""
    out = []
    for m in v.household.members:
        before = _declared_member(declared, m.id_number)
        mine = {ref(x) for x in getattr(before, field)} if before else set()
        reported = _verified_refs(v, m.id_number, endpoint)
        out += [row(m, x, _sources_of(ref(x), mine, reported)) for x in getattr(m, field)]
    return out


def _homes(v: Verified, declared: s.Household, mask: _Masks) -> list[PropertyOut]:
    def row(m: s.Member, r: s.RealEstate, sources: list[str]) -> PropertyOut:
        return PropertyOut(member=mask.id(m.id_number), ref=mask.ref(r.certificate_no, "certificate"), use=r.use.value,
                           floor_area_m2=f"{r.floor_area_m2:.2f}", location=r.location, acquired_on=r.acquired_on,
                           sources=sources)
    return _held(v, declared, "real_estate", lambda r: r.certificate_no, "real_estate", row)


def _vehicles(v: Verified, declared: s.Household, mask: _Masks) -> list[VehicleOut]:
    def row(m: s.Member, x: s.Vehicle, sources: list[str]) -> VehicleOut:
        return VehicleOut(member=mask.id(m.id_number), ref=mask.ref(x.plate, "account"), kind=x.kind.value,
                          registered_on=x.registered_on, mobility_for_disabled=x.mobility_for_disabled, sources=sources)
    return _held(v, declared, "vehicles", lambda x: x.plate, "public_security.vehicles", row)


def _businesses(v: Verified, declared: s.Household, mask: _Masks) -> list[BusinessOut]:
    return _held(v, declared, "businesses", lambda b: b.uscc, "market_regulation", lambda m, b, sources: BusinessOut(
        member=mask.id(m.id_number), uscc=b.uscc, name=b.name,
        registered_capital_fen=None if b.registered_capital is None else yuan_to_fen(b.registered_capital),
        registered_on=b.registered_on, sources=sources))


def _fund(v: Verified, mask: _Masks) -> list[FundOut]:
    out = []
    for id_number, found in v.readings.items():
        for r in found:
            if r.kind != "housing_fund":
                continue
            balance = max((x for x in r.items if x.item == "fund_balance"), key=lambda x: x.as_of, default=None)
            deposit = max((x for x in r.items if x.item == "monthly_deposit"), key=lambda x: x.month, default=None)
            out.append(FundOut(member=mask.id(id_number), known=r.learned,
                               balance_fen=balance.value if balance and r.learned else (0 if r.learned else None),
                               monthly_deposit_fen=deposit.value if deposit and r.learned else
                               (0 if r.learned else None),
                               as_of=balance.as_of if balance else None))
    return out


def _difference(d, mask: _Masks) -> DifferenceOut:
    return DifferenceOut(member=mask.id(d.id_number), kind=d.kind, endpoint=d.endpoint, month=d.month,
                         ref=mask.ref(d.ref, d.ref_kind), declared_fen=d.declared_fen, verified_fen=d.verified_fen,
                         declared=d.declared, verified=d.verified, as_of=d.as_of)


if __name__ == "__main__":
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(SCHEMA_PATH)
