"""From the departments' answers to the verified facts of a household: what the rules are run on beside what the
household declared (issue 13 item 6; domain.md §4, §6; docs/verification-report.md).

    household, unknown = verified_household(declared, outcomes, "2025-08")
    evaluate([declared, household], "2025-08", unknown=[None, unknown])   # rules.explain: side by side

Pure: no database, no HTTP. ``outcomes`` are ``fanout.Outcome``s (an ``Answer`` or a ``SourceFailed``) of one
verification. Per counted member (共同生活家庭成员 alive on the as-of date: the only members asked):

- Wages by month: 人社's social-insurance record, else tax's 工资薪金 of an employer 人社 has no record of, where a
  record exists; otherwise the declared figure stands — informal work is in no department's file, so "no record"
  is not "no income" (domain §4: wages are counted whatever their source).
- Pensions (less the central basic pension of the residents' scheme, recorded but not counted, domain §4),
  unemployment benefit, work-injury allowance (转移净收入, the larger of the declared and the recorded) from 人社.
- Accounts (deposits, insurance cash values, securities): the union of the declared and the institutions'; an
  account the institution reports (institution + account number) replaces the declared statements of it, and the
  declared statements of that institution without a number (they cannot be told apart): its balance as of its
  date wins.
- Vehicles (held: status 正常), homes, businesses (存续): the union, matched on plate, certificate, USCC.
- Death date, disability certificate, 户籍, school level: from their sources when they answered.

What could not be learned is **unknown**, never zero: a source that failed, refused a member, did not answer for
a member, answered an item too old (``max_age_days``, a dated parameter per kind, ``parameters/max_age_days.yaml``)
or an item that does not fit the household format leaves its categories (``rules.inputs.documents.
UNKNOWN_CATEGORIES``) unknown for the members it concerns — one failed bank makes every member's assets unknown.
Stale items are reported, not merged. Sources whose facts the rules do not read as a category (deaths, 户籍,
certificates, education, marriage, funeral, medical costs, provident fund) leave the declared facts in place when
they fail; the report says they are unknown.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import catalogue, kind_of
from jiuzhu.money import fen_to_yuan, yuan_to_fen
from jiuzhu.months import month_end, month_start
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import AssetKind, DisabilityCategory, PropertyUse, RigidCategory, SchoolLevel, VehicleKind
from jiuzhu.rules.inputs.documents import UNKNOWN_CATEGORIES, Unknown
from jiuzhu.rules.inputs.facts import InputParameters
from jiuzhu.verification.fanout import Outcome

PARAMETERS = Path(__file__).parent / "parameters"

# The rules' category each kind of source informs (rules.inputs.documents.UNKNOWN_CATEGORIES); kinds not listed
# feed facts the rules read without a "known" flag, or only the report.
CATEGORY_OF_KIND = {
    "hrss.social_security": "income", "hrss.pensions": "income", "hrss.unemployment": "income",
    "hrss.work_injury": "income", "tax": "income",
    "bank": "assets", "insurer": "assets", "securities": "assets",
    "public_security.vehicles": "vehicles", "real_estate": "property", "market_regulation": "business",
}
assert set(CATEGORY_OF_KIND.values()) <= set(UNKNOWN_CATEGORIES)

ASSET_KIND = {"deposit.balance": AssetKind.deposit, "insurance.cash_value": AssetKind.insurance_cash_value,
              "securities.market_value": AssetKind.securities}
WAGE_INCOME_TYPE = "工资薪金"  # tax's income type of wages (个人所得税法 第二条)
HELD_VEHICLE = {"正常"}  # 车管所 status of a vehicle still registered to its owner
LIVE_BUSINESS = {"存续", "在业", "开业"}  # 市场监管: a business not deregistered or revoked


# ------------------------------------------------------------------------------------------ parameters


def max_age_days(on: dt.date) -> dict[str, int]:
    """Per kind of source, the oldest an item may be (days) on ``on`` (the as-of date): the value in force then."""
    out = {}
    for group in _age_groups().values():
        dated = sorted((dt.date.fromisoformat(str(day)), spec["value"]) for day, spec in group["values"].items())
        in_force = [value for day, value in dated if day <= on] or [dated[0][1]]
        for kind in group["kinds"]:
            out[kind] = int(in_force[-1])
    return out


@lru_cache(maxsize=1)
def _age_groups() -> dict:
    return yaml.safe_load((PARAMETERS / "max_age_days.yaml").read_text(encoding="utf-8"))["groups"]


def item_age(item: Item, as_of: dt.date) -> int:
    """Days between the date the item should be true on and the date it is: the as-of date of the verification,
    or, for a month's figure, the month's last day (a figure read before its month ended is not the month's)."""
    target = min(as_of, month_end(item.month)) if item.month else as_of
    return (target - item.as_of).days


# ------------------------------------------------------------------------------------------ readings


@dataclass(frozen=True)
class Reading:
    """What one endpoint said of one member: ``found`` / ``none`` (a known none) / ``refused`` / ``failed`` (the
    whole query) / ``not_asked`` (the endpoint answered without this member). ``items`` are the fresh items,
    ``stale`` those older than the kind's ``max_age_days``."""

    endpoint: str
    kind: str
    department: str
    status: str
    items: tuple[Item, ...] = ()
    stale: tuple[Item, ...] = ()
    code: str | None = None  # the refusal's or the failure's code
    attempts: int | None = None

    @property
    def learned(self) -> bool:
        """Everything this endpoint holds of the member is known and fresh."""
        return self.status in ("found", "none") and not self.stale


def members_asked(declared: s.Household, as_of: dt.date) -> list[s.Member]:
    """The members a verification asks about: counted (共同生活) and alive on the as-of date (consent design §1)."""
    return [m for m in declared.members if m.counted and not (m.death_date and m.death_date <= as_of)]


def readings(declared: s.Household, outcomes: Iterable[Outcome], as_of: dt.date,
             max_age: dict[str, int] | None = None) -> dict[str, list[Reading]]:
    """Per asked member's ID number, one reading per outcome, in the outcomes' order."""
    max_age = max_age_days(as_of) if max_age is None else max_age
    ids = [m.id_number for m in members_asked(declared, as_of)]
    out: dict[str, list[Reading]] = {i: [] for i in ids}
    names = catalogue()
    for outcome in outcomes:
        kind = kind_of(outcome.endpoint).kind
        spec = names.get(outcome.endpoint)
        department = spec.department if spec else kind_of(outcome.endpoint).department
        if outcome.failure is not None:
            for i in ids:
                out[i].append(Reading(outcome.endpoint, kind, department, "failed", code=outcome.failure.code,
                                      attempts=outcome.failure.attempts))
            continue
        answer = outcome.answer
        department = answer.department or department
        results = {r.id_number: r for r in answer.results}
        for i in ids:
            result = results.get(i)
            if result is None:
                out[i].append(Reading(outcome.endpoint, kind, department, "not_asked"))
            elif result.status == "refused":
                out[i].append(Reading(outcome.endpoint, kind, department, "refused", code=result.error.code))
            else:
                limit = max_age.get(kind)
                is_fresh = [limit is None or item_age(x, as_of) <= limit for x in result.items]
                # One pass (equal items have the same dates, hence the same age: none is both fresh and stale).
                fresh = tuple(x for x, ok in zip(result.items, is_fresh, strict=True) if ok)
                stale = tuple(x for x, ok in zip(result.items, is_fresh, strict=True) if not ok)
                out[i].append(Reading(outcome.endpoint, kind, department, result.status, fresh, stale))
    return out


# ------------------------------------------------------------------------------------------ the verified facts


@dataclass(frozen=True)
class Difference:
    """One way the verified facts differ from the declared: ``kind`` (wages_underdeclared, undeclared_account…),
    the member, the source, and the two sides (fen for money, text otherwise; None: not declared)."""

    kind: str
    id_number: str
    endpoint: str
    month: str | None = None
    ref: str | None = None
    ref_kind: str | None = None  # how ``ref`` is masked: account, certificate, id (None: not personal)
    declared_fen: int | None = None
    verified_fen: int | None = None
    declared: str | None = None
    verified: str | None = None
    as_of: dt.date | None = None


@dataclass
class Verified:
    """The verified household and how it was reached (the report's material)."""

    household: s.Household
    unknown: dict[str, frozenset[str]]
    readings: dict[str, list[Reading]]
    differences: list[Difference]
    unreadable: list[tuple[str, str, str]]  # (ID number, endpoint, why) items that did not fit the format
    month: str
    as_of: dt.date
    window: list[str]


def verified_household(declared: s.Household, outcomes: list[Outcome], month: str, *,
                       as_of: dt.date | None = None,
                       max_age: dict[str, int] | None = None) -> tuple[s.Household, Unknown]:
    """The household as the departments' answers show it for ``month``, and what stays unknown (ID number →
    categories of ``UNKNOWN_CATEGORIES``), exactly what ``rules.explain.evaluate(..., unknown=[…])`` takes.
    ``as_of``: the date the departments were asked for (default: the month's last day); ``max_age``: days per
    kind (default: the parameter in force on ``as_of``)."""
    result = verify(declared, outcomes, month, as_of=as_of, max_age=max_age)
    return result.household, result.unknown


def verify(declared: s.Household, outcomes: list[Outcome], month: str, *, as_of: dt.date | None = None,
           max_age: dict[str, int] | None = None) -> Verified:
    """``verified_household`` with everything the report shows: readings, differences, unreadable items."""
    outcomes = list(outcomes)
    as_of = as_of or month_end(month)
    window = InputParameters.of(month).window
    found = readings(declared, outcomes, as_of, max_age)
    unknown: dict[str, set[str]] = defaultdict(set)
    differences: list[Difference] = []
    unreadable: list[tuple[str, str, str]] = []
    members = []
    with s.one_today():
        for member in declared.members:
            if member.id_number not in found:
                members.append(member)
                continue
            merge = _Merge(member, found[member.id_number], month, differences, unreadable, unknown)
            members.append(merge.run())
            for r in found[member.id_number]:
                if not r.learned and r.kind in CATEGORY_OF_KIND:
                    unknown[member.id_number].add(CATEGORY_OF_KIND[r.kind])
        differences += _medical_costs(declared, found, window)
        # Each merged member was validated from what the departments sent (their values are facts: the format's
        # ranges apply); the rest is the declared household, already a validated Household — not validated again
        # (every ID number through the check digits was a third of a batch's report time). Only the household's
        # own rule (one head, IDs unique and known) is checked again over the new members.
        household = declared.model_copy(update={"members": members})
        s.Household._consistent(household)
    return Verified(household, {i: frozenset(c) for i, c in sorted(unknown.items()) if c}, found, differences,
                    unreadable, month, as_of, window)


class _Merge:
    """One member's declared facts with what the sources said of them (the module's docstring)."""

    def __init__(self, member: s.Member, readings_: list[Reading], month: str, differences: list[Difference],
                 unreadable: list, unknown: dict[str, set[str]]):
        self.member, self.readings, self.month = member, readings_, month
        self.differences, self.unreadable, self.unknown = differences, unreadable, unknown
        self.data: dict[str, Any] = member.model_dump()
        self.id = member.id_number

    def items(self, *kinds: str, item: str | None = None) -> list[tuple[Reading, Item]]:
        return [(r, x) for r in self.readings if r.kind in kinds for x in r.items if item is None or x.item == item]

    def differ(self, kind: str, endpoint: str, **fields) -> None:
        self.differences.append(Difference(kind, self.id, endpoint, **fields))

    def run(self) -> s.Member:
        steps = (self._wages, self._pensions, self._unemployment, self._work_injury, self._accounts, self._vehicles,
                 self._homes, self._businesses, self._death, self._disability, self._hukou, self._school)
        # The member as validated after the last step that held (``self.data`` is always what it was validated
        # from: a step that fails puts the data back), so that the member is not validated once more at the end.
        validated: s.Member | None = None
        for step in steps:
            kinds = _STEP_KINDS[step.__name__]
            if not self.items(*kinds):
                continue  # nothing to merge: the declared facts stand
            before = _copy(self.data)
            try:
                step()
                validated = s.Member.model_validate(self.data)
            except (ValidationError, ValueError) as exc:
                # A department's item that does not fit the household format (a code we do not know, a date out
                # of range): its facts are not merged and its category is unknown — never dropped silently.
                self.data = before
                for r in {r.endpoint: r for r, _ in self.items(*kinds)}.values():
                    self.unreadable.append((self.id, r.endpoint, str(exc).splitlines()[0]))
                    if r.kind in CATEGORY_OF_KIND:
                        self.unknown[self.id].add(CATEGORY_OF_KIND[r.kind])
        return validated if validated is not None else s.Member.model_validate(self.data)

    # -- incomes (domain §4: wages, pensions and benefits are counted; the central basic pension is not) -------

    def _month_entry(self, month: str) -> dict:
        entries = self.data["incomes"]
        entry = next((e for e in entries if e["month"] == month), None)
        if entry is None:
            entry = {"month": month}
            entries.append(entry)
            entries.sort(key=lambda e: e["month"])
        return entry

    def _set_month(self, field_: str, month: str, fen: int, endpoint: str, kind: str) -> None:
        entry = self._month_entry(month)
        declared = entry.get(field_)
        declared_fen = None if declared is None else yuan_to_fen(declared)
        if declared_fen != fen:
            direction = "underdeclared" if declared_fen is None or declared_fen < fen else "overdeclared"
            self.differ(f"{kind}_{direction}", endpoint, month=month, declared_fen=declared_fen, verified_fen=fen)
        entry[field_] = fen_to_yuan(fen)

    def _wages(self) -> None:
        # Per month and employer: 人社's record, else tax's 工资薪金 withheld by an employer 人社 does not know.
        by_month: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        for r, x in self.items("tax", item="taxable_income"):
            if x.attrs.get("income_type") == WAGE_INCOME_TYPE:
                old = by_month[x.month].get(x.ref or "", (0, r.endpoint))[0]
                by_month[x.month][x.ref or ""] = (old + x.value, r.endpoint)
        social: dict[str, dict[str, int]] = defaultdict(dict)
        for _, x in self.items("hrss.social_security", item="wage"):
            social[x.month][x.ref or ""] = social[x.month].get(x.ref or "", 0) + x.value
        for month, employers in social.items():
            for ref, fen in employers.items():
                by_month[month][ref] = (fen, "hrss.social_security")
        for month, employers in sorted(by_month.items()):
            sources = sorted({e for _, e in employers.values()})
            self._set_month("wages", month, sum(f for f, _ in employers.values()), "+".join(sources), "wages")

    def _pensions(self) -> None:
        total: dict[str, int] = defaultdict(int)
        central: dict[str, int] = defaultdict(int)
        for _, x in self.items("hrss.pensions", item="pension"):
            total[x.month] += x.value
        for _, x in self.items("hrss.pensions", item="central_basic"):
            central[x.month] += x.value
        for month in sorted(total):
            self._set_month("pension", month, max(total[month] - central[month], 0), "hrss.pensions", "pension")
            if central[month]:
                self._month_entry(month)["basic_pension_central"] = fen_to_yuan(central[month])

    def _unemployment(self) -> None:
        by_month: dict[str, int] = defaultdict(int)
        for _, x in self.items("hrss.unemployment", item="unemployment_benefit"):
            by_month[x.month] += x.value
        for month in sorted(by_month):
            self._set_month("unemployment_benefit", month, by_month[month], "hrss.unemployment",
                            "unemployment_benefit")

    def _work_injury(self) -> None:
        # 伤残津贴 is transfer income; the declared transfer income may hold more (a supporter's payments), so the
        # larger stands.
        by_month: dict[str, int] = defaultdict(int)
        for _, x in self.items("hrss.work_injury", item="injury_allowance"):
            by_month[x.month] += x.value
        for month in sorted(by_month):
            entry = self._month_entry(month)
            declared = None if entry.get("transfer_net") is None else yuan_to_fen(entry["transfer_net"])
            if declared is None or declared < by_month[month]:
                self._set_month("transfer_net", month, by_month[month], "hrss.work_injury", "transfer")
        # care_paid is the month's care pay (fen/month): a record of the month means care was paid.
        if any(x.value for _, x in self.items("hrss.work_injury", item="care_paid")):
            self.data["work_injury_care"] = True

    # -- assets --------------------------------------------------------------------------------------------------

    def _accounts(self) -> None:
        statements: list[dict] = self.data["financial_assets"]
        names = catalogue()
        reported = []
        for r, x in self.items("bank", "insurer", "securities"):
            if x.as_of > month_end(self.month):  # a later balance says nothing of this month's: unknown, not 0
                self.unknown[self.id].add("assets")
                continue
            reported.append((r, x, ASSET_KIND[x.item], names[r.endpoint].institution or r.department))
        # Declared statements without a number cannot name their account: each is paired with one the institution
        # reports (the same balance first, then in order); an institution's account left unpaired was not declared.
        unnumbered = {id(a): a for a in statements if a["account"] is None}
        paired: set[int] = set()
        for r, x, kind, institution in reported:
            same = [a for a in statements if (a["kind"], a["institution"], a["account"]) == (kind, institution, x.ref)]
            if not same:
                pool = [a for key, a in unnumbered.items() if key not in paired
                        and (a["kind"], a["institution"]) == (kind, institution)]
                pool.sort(key=lambda a: yuan_to_fen(a["amount"]) != x.value)
                same = pool[:1]
                paired.update(id(a) for a in same)
            if not same:
                self.differ("undeclared_account", r.endpoint, ref=x.ref, ref_kind="account", verified_fen=x.value,
                            verified=institution, as_of=x.as_of)
            else:
                latest = max(same, key=lambda a: (a["as_of"], a["amount"]))
                if yuan_to_fen(latest["amount"]) != x.value:
                    self.differ("account_balance", r.endpoint, ref=x.ref, ref_kind="account", as_of=x.as_of,
                                declared_fen=yuan_to_fen(latest["amount"]), verified_fen=x.value,
                                verified=institution)
        # The institution's own list replaces the declared statements of the accounts it reports, and every
        # unnumbered statement of that institution and kind (counted from its list now, not twice).
        covered = {(kind, institution) for _, _, kind, institution in reported}
        refs = {(kind, institution, x.ref) for _, x, kind, institution in reported}
        statements[:] = [a for a in statements if (a["kind"], a["institution"], a["account"]) not in refs
                         and not (a["account"] is None and (a["kind"], a["institution"]) in covered)]
        statements += [{"kind": kind, "institution": institution, "account": x.ref, "amount": fen_to_yuan(x.value),
                        "as_of": x.as_of} for _, x, kind, institution in reported]

    def _vehicles(self) -> None:
        plates = {v["plate"] for v in self.data["vehicles"]}
        for r, x in self.items("public_security.vehicles", item="vehicle"):
            if x.attrs.get("status") not in HELD_VEHICLE | {None} or x.ref in plates:
                continue
            registered = x.attrs.get("registered_on")
            self.data["vehicles"].append({"kind": _vehicle_kind(str(x.value)), "plate": x.ref,
                                          "registered_on": dt.date.fromisoformat(registered) if registered else None})
            self.differ("undeclared_vehicle", r.endpoint, ref=x.ref, ref_kind="account", verified=str(x.value),
                        as_of=x.as_of)

    def _homes(self) -> None:
        certificates = {h["certificate_no"] for h in self.data["real_estate"]}
        for r, x in self.items("real_estate", item="property"):
            if x.ref in certificates:
                continue
            registered = x.attrs.get("registered_on")
            self.data["real_estate"].append({
                "use": _parse(PropertyUse, x.attrs.get("use"), PropertyUse.other), "floor_area_m2": Decimal(x.value),
                "certificate_no": x.ref, "location": x.attrs.get("location"),
                "acquired_on": dt.date.fromisoformat(registered) if registered else None})
            self.differ("undeclared_property", r.endpoint, ref=x.ref, ref_kind="certificate",
                        verified=f"{x.value} m²", as_of=x.as_of)

    def _businesses(self) -> None:
        usccs = {b["uscc"] for b in self.data["businesses"]}
        for r, x in self.items("market_regulation", item="business"):
            if x.ref in usccs or x.attrs.get("status") not in LIVE_BUSINESS | {None}:
                continue
            established = x.attrs.get("established_on")
            self.data["businesses"].append({
                "uscc": x.ref, "name": x.attrs.get("name"), "registered_capital": fen_to_yuan(x.value),
                "registered_on": dt.date.fromisoformat(established) if established else None})
            self.differ("undeclared_business", r.endpoint, ref=x.ref, verified_fen=x.value,
                        verified=x.attrs.get("name"), as_of=x.as_of)

    # -- the person ----------------------------------------------------------------------------------------------

    def _death(self) -> None:
        for r, x in self.items("public_security.deaths", item="death_date"):
            day = dt.date.fromisoformat(x.value)
            if self.data["death_date"] != day:
                self.differ("death", r.endpoint, declared=_iso(self.data["death_date"]), verified=x.value,
                            as_of=x.as_of)
                self.data["death_date"] = day

    def _disability(self) -> None:
        end = month_end(self.month)
        certificates = [x for _, x in self.items("disability_federation", item="certificate")]
        if not certificates:
            return
        # The certificate valid at the month's end, else the latest issued.
        valid = [x for x in certificates if (x.attrs.get("valid_to") or "9999") >= end.isoformat()]
        x = max(valid or certificates, key=lambda c: c.attrs.get("valid_from") or "")
        new = {"category": DisabilityCategory.parse(str(x.attrs.get("category"))), "grade": x.value,
               "certificate_no": x.ref, "valid_from": _day(x.attrs.get("valid_from")),
               "valid_to": _day(x.attrs.get("valid_to"))}
        old = self.data["disability"]
        if old is None or (old["category"], old["grade"]) != (new["category"], new["grade"]):
            self.differ("disability", "disability_federation", ref=x.ref, ref_kind="certificate", as_of=x.as_of,
                        declared=None if old is None else f"{old['category'].label} {old['grade']}",
                        verified=f"{new['category'].label} {new['grade']}")
        self.data["disability"] = new

    def _hukou(self) -> None:
        values = {x.item: x.value for _, x in self.items("public_security.hukou")}
        if values:
            hukou = dict(self.data["hukou"] or {})
            hukou.update({k: v for k, v in (("chongqing", values.get("hukou_chongqing")),
                                            ("urban", values.get("hukou_urban")),
                                            ("area_code", values.get("hukou_area"))) if v is not None})
            self.data["hukou"] = hukou

    def _school(self) -> None:
        values = {x.item: x.value for _, x in self.items("education")}
        if values.get("enrolled") is False:
            self.data["school_level"] = None
        elif "school_level" in values:
            self.data["school_level"] = SchoolLevel.parse(str(values["school_level"]))


def _medical_costs(declared: s.Household, found: dict[str, list[Reading]], window: list[str]) -> list[Difference]:
    """Each month of the window that medical insurance (医保) holds a record of, where the member's medical costs
    declared (刚性支出, category medical, for that member) differ from the out-of-pocket costs it recorded.

    Listed for the caseworker, not merged: costs paid outside insurance (a pharmacy, a hospital elsewhere) are in
    no record, so the record is no ceiling on what may be deducted; the costs counted are those borne after
    reimbursement (domain.md §1, 刚性支出). As with wages, a month without a record says nothing (it may not have
    been asked)."""
    out = []
    for member_id, readings_ in sorted(found.items()):
        answered = [r for r in readings_ if r.kind == "medical_insurance" and r.learned]
        recorded: dict[str, int] = defaultdict(int)
        for x in (x for r in answered for x in r.items if x.item == "out_of_pocket" and x.month in window):
            recorded[x.month] += x.value
        said: dict[str, int] = defaultdict(int)
        for spent in declared.rigid_spending:
            if spent.category == RigidCategory.medical and spent.id_number == member_id:
                said[spent.month] += yuan_to_fen(spent.amount)
        for month, verified_fen in sorted(recorded.items()):
            declared_fen = said.get(month)
            if (declared_fen or 0) != verified_fen:
                kind = "medical_costs_overdeclared" if (declared_fen or 0) > verified_fen else \
                    "medical_costs_underdeclared"
                out.append(Difference(kind, member_id, answered[0].endpoint, month=month, declared_fen=declared_fen,
                                      verified_fen=verified_fen))
    return out


# Values a member's dump holds that are never changed in place: shared by a copy, as ``copy.deepcopy`` shares them.
_IMMUTABLE = (str, int, float, bool, type(None), Decimal, dt.date, Enum)


def _copy(value: Any) -> Any:
    """``copy.deepcopy`` of a member's dump (dicts and lists of plain values), without its generic machinery (it was
    two thirds of a merge's time); anything else is deep-copied."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


_STEP_KINDS = {
    "_wages": ("hrss.social_security", "tax"), "_pensions": ("hrss.pensions",),
    "_unemployment": ("hrss.unemployment",), "_work_injury": ("hrss.work_injury",),
    "_accounts": ("bank", "insurer", "securities"), "_vehicles": ("public_security.vehicles",),
    "_homes": ("real_estate",), "_businesses": ("market_regulation",), "_death": ("public_security.deaths",),
    "_disability": ("disability_federation",), "_hukou": ("public_security.hukou",), "_school": ("education",),
}


def _vehicle_kind(code: str) -> VehicleKind:
    return _parse(VehicleKind, code, VehicleKind.other)


def _parse(vocabulary, text, default):
    try:
        return vocabulary.parse(str(text))
    except ValueError:
        return default


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def declared_covers(doc: s.Household, month: str) -> bool:
    """The household declared its situation for ``month`` (rules.inputs.documents: from the declaration, a month
    without an entry is zero and unlisted assets are none)."""
    return doc.declared_on is not None and doc.declared_on >= month_start(month)

