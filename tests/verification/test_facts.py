"""The verified facts (issue 13 item 6): from the departments' answers — real ``Answer``s built by the adapters'
own ``items()`` over department records, as the simulator answers — to the household the rules are run on and
what stays unknown. A failed or refusing source leaves its categories unknown, never zero; no record of wages is
not "no income"; undeclared accounts, vehicles and underdeclared wages appear as differences."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.adapters.base import Answer
from jiuzhu.exchange.errors import ExchangeFailure
from jiuzhu.exchange.sources import catalogue, kind_of
from jiuzhu.registry import schemas as s
from jiuzhu.rules.explain import evaluate
from jiuzhu.rules.inputs.documents import UNKNOWN_CATEGORIES
from jiuzhu.verification.facts import CATEGORY_OF_KIND, item_age, max_age_days, verified_household, verify
from jiuzhu.verification.fanout import Outcome
from jiuzhu.verification.resilience import SourceFailed

MONTH = "2025-08"
AS_OF = dt.date(2025, 8, 31)
WINDOW = fmt.Months.model_validate({"from": "2025-02", "to": "2025-07"})
WINDOW_MONTHS = ["2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]


def id_number(first17: str) -> str:
    # GB 11643: ISO 7064 MOD 11-2 over the first 17 digits
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def uscc_code(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


HEAD = id_number("50022519980312451")  # 张伟, employed
SPOUSE = id_number("50022519990506002")  # 李娜, informal work: in no department's file
CHILD = id_number("50011120150930002")  # a pupil
EMPLOYER = uscc_code("91500111MA5R8XYC1")
SHOP = uscc_code("92500111MA5R8XYK1")
ACCOUNT = "6217000012345678"
HIDDEN = "6217000099998888"
PLATE = "渝A12345"


def declared_data() -> dict:
    """What the household declared: wages of 2,000.00 a month for the head, 800.00 for the spouse's informal
    work, one deposit account, no vehicle."""
    return {
        "household_no": "500111119-000123", "area_code": "500111119", "urban": True, "declared_on": "2025-08-05",
        "members": [
            {"id_number": HEAD, "name": "张伟", "relation": "head", "employment": "employed",
             "incomes": [{"month": m, "wages": "2000.00"} for m in WINDOW_MONTHS],
             "financial_assets": [{"kind": "deposit", "institution": "重庆农村商业银行", "account": ACCOUNT,
                                   "amount": "3000.00", "as_of": "2025-07-31"}]},
            {"id_number": SPOUSE, "name": "李娜", "relation": "spouse", "employment": "self_employed",
             "incomes": [{"month": m, "wages": "800.00"} for m in WINDOW_MONTHS]},
            {"id_number": CHILD, "name": "张小明", "relation": "child", "school_level": "primary"},
        ]}


def declared() -> s.Household:
    return s.Household.model_validate(declared_data())


# What each department holds, in its own record format (jiuzhu.exchange.records), keyed by ID number.
def records() -> dict[str, dict[str, list[dict]]]:
    return {
        "hrss.social_security": {HEAD: [
            {"id_number": HEAD, "name": "张伟", "month": m, "employer_uscc": EMPLOYER,
             "employer_name": "重庆某某建材有限公司", "wage_fen": 450000, "contribution_base_fen": 450000}
            for m in WINDOW_MONTHS]},
        "tax": {HEAD: [
            {"id_number": HEAD, "name": "张伟", "month": m, "income_type": "工资薪金",
             "withholding_agent_uscc": EMPLOYER, "income_fen": 450000, "tax_withheld_fen": 0} for m in WINDOW_MONTHS]},
        "bank.cqrcb": {HEAD: [
            {"id_number": HEAD, "name": "张伟", "bank": "重庆农村商业银行", "account_no": ACCOUNT,
             "account_type": "活期", "balance_fen": 320050, "as_of": AS_OF},
            {"id_number": HEAD, "name": "张伟", "bank": "重庆农村商业银行", "account_no": HIDDEN,
             "account_type": "定期", "balance_fen": 4231250, "as_of": AS_OF}]},
        "public_security.vehicles": {HEAD: [
            {"id_number": HEAD, "name": "张伟", "plate": PLATE, "vehicle_type": "car",
             "registered_on": dt.date(2021, 4, 2), "status": "正常"}]},
        "market_regulation": {},
        "real_estate": {},
        "bank.cqbank": {},
    }


ENDPOINTS = ("hrss.social_security", "hrss.pensions", "tax", "bank.cqrcb", "bank.cqbank", "public_security.vehicles",
             "real_estate", "market_regulation", "public_security.deaths", "disability_federation")


def answer(endpoint: str, held: dict[str, list[dict]] | None = None, *, ids=(HEAD, SPOUSE, CHILD),
           refused: dict[str, str] | None = None, as_of: dt.date = AS_OF, back_days: int = 0) -> Answer:
    """The endpoint's answer, as a department holding ``held`` answers: the adapter's own ``items()`` over the
    records (as the simulator does), found / none / refused per subject; ``back_days`` moves every as-of date back
    (a stale answer)."""
    adapter = adapter_for(endpoint)
    kind = kind_of(endpoint)
    held = records().get(endpoint, {}) if held is None else held
    results = []
    for i in ids:
        if refused and i in refused:
            results.append(fmt.SubjectResult(id_number=i, status="refused", error=fmt.error_body(refused[i])))
            continue
        items = adapter.items(held.get(i, ()), as_of=as_of, months=WINDOW, categories=kind.categories)
        items = [x.model_copy(update={"as_of": x.as_of - dt.timedelta(days=back_days)}) for x in items]
        results.append(fmt.SubjectResult(id_number=i, status="found" if items else "none", items=items))
    spec = catalogue()[endpoint]
    return Answer(endpoint, kind.kind, spec.department, f"req-{endpoint}", dt.datetime(2025, 9, 1, 9, 12, 3),
                  False, f"{endpoint}-2026a", 12.0, tuple(results))


def failed(endpoint: str, code: str = "unreachable") -> Outcome:
    cause = ExchangeFailure.client(endpoint, code) if code in ("unreachable", "timeout") else \
        ExchangeFailure.department(endpoint, code, "down", 503)
    return Outcome(endpoint, failure=SourceFailed(endpoint, cause, 3))


def all_answered(**overrides) -> list[Outcome]:
    return [overrides.get(e) or Outcome(e, answer=answer(e)) for e in ENDPOINTS]


def member(doc: s.Household, id_: str) -> s.Member:
    return next(m for m in doc.members if m.id_number == id_)


# ---------------------------------------------------------------------------------------------------- the rules


def test_every_source_answered_leaves_nothing_unknown_and_merges_what_they_hold():
    doc, unknown = verified_household(declared(), all_answered(), MONTH)
    assert unknown == {}
    head = member(doc, HEAD)
    assert {i.month: str(i.wages) for i in head.incomes} == dict.fromkeys(WINDOW_MONTHS, "4500.00")
    # The declared account's balance is the bank's (as of its date); the undeclared one is added.
    accounts = {a.account: (str(a.amount), a.as_of) for a in head.financial_assets}
    assert accounts == {ACCOUNT: ("3200.50", AS_OF), HIDDEN: ("42312.50", AS_OF)}
    assert [(v.plate, v.kind.value, v.registered_on) for v in head.vehicles] == [(PLATE, "car", dt.date(2021, 4, 2))]


def test_no_record_of_wages_is_not_no_income_the_declared_figure_stands():
    doc, unknown = verified_household(declared(), all_answered(), MONTH)
    spouse = member(doc, SPOUSE)
    assert [str(i.wages) for i in spouse.incomes] == ["800.00"] * 6
    assert SPOUSE not in unknown


def test_a_failed_bank_makes_every_member_s_assets_unknown():
    _, unknown = verified_household(declared(), all_answered(**{"bank.cqbank": failed("bank.cqbank")}), MONTH)
    assert unknown == {HEAD: {"assets"}, SPOUSE: {"assets"}, CHILD: {"assets"}}


@pytest.mark.parametrize("endpoint", ["hrss.social_security", "tax", "public_security.vehicles", "real_estate",
                                      "market_regulation", "bank.cqrcb"])
def test_each_failed_source_leaves_its_category_unknown_for_everyone(endpoint):
    _, unknown = verified_household(declared(), all_answered(**{endpoint: failed(endpoint, "unavailable")}), MONTH)
    category = CATEGORY_OF_KIND[kind_of(endpoint).kind]
    assert unknown == {i: {category} for i in (HEAD, SPOUSE, CHILD)}


def test_a_refused_member_s_categories_are_unknown_for_that_member_only():
    refused = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", refused={SPOUSE: "consent_scope"}))
    _, unknown = verified_household(declared(), all_answered(**{"bank.cqrcb": refused}), MONTH)
    assert unknown == {SPOUSE: {"assets"}}


def test_a_member_the_answer_left_out_is_unknown_not_none():
    partial = Outcome("tax", answer=answer("tax", ids=(HEAD, CHILD)))
    _, unknown = verified_household(declared(), all_answered(tax=partial), MONTH)
    assert unknown == {SPOUSE: {"income"}}


def test_a_failed_source_adds_no_zero_the_declared_facts_stay():
    outcomes = all_answered(**{"hrss.social_security": failed("hrss.social_security"), "tax": failed("tax"),
                               "bank.cqrcb": failed("bank.cqrcb")})
    doc, unknown = verified_household(declared(), outcomes, MONTH)
    head = member(doc, HEAD)
    assert [str(i.wages) for i in head.incomes] == ["2000.00"] * 6  # the declared figure, not 0 and not replaced
    assert [str(a.amount) for a in head.financial_assets] == ["3000.00"]
    assert unknown[HEAD] == {"income", "assets"}


def test_an_answer_older_than_max_age_is_stale_its_category_unknown_and_its_items_not_merged():
    ages = max_age_days(AS_OF)
    assert ages["bank"] == 31 and ages["tax"] == 62 and ages["real_estate"] == 365
    old = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", back_days=40))
    result = verify(declared(), all_answered(**{"bank.cqrcb": old}), MONTH)
    assert result.unknown[HEAD] == {"assets"}
    assert [str(a.amount) for a in member(result.household, HEAD).financial_assets] == ["3000.00"]
    reading = next(r for r in result.readings[HEAD] if r.endpoint == "bank.cqrcb")
    assert not reading.learned and len(reading.stale) == 2
    # Within the limit: relied on.
    recent = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", back_days=20))
    assert HEAD not in verify(declared(), all_answered(**{"bank.cqrcb": recent}), MONTH).unknown


def test_a_monthly_figure_is_aged_from_its_own_month_s_end():
    item = fmt.Item(item="wage", category="income", month="2025-03", value=1, unit="fen/month",
                    as_of=dt.date(2025, 3, 31))
    assert item_age(item, AS_OF) == 0  # March's wage, as of March's end: five months ago, but not stale


def test_differences_underdeclared_wages_undeclared_account_and_vehicle():
    result = verify(declared(), all_answered(), MONTH)
    kinds = [(d.kind, d.id_number, d.endpoint) for d in result.differences]
    assert kinds.count(("wages_underdeclared", HEAD, "hrss.social_security")) == 6
    wage = next(d for d in result.differences if d.kind == "wages_underdeclared")
    assert (wage.declared_fen, wage.verified_fen) == (200000, 450000)
    assert ("undeclared_account", HEAD, "bank.cqrcb") in kinds
    assert ("account_balance", HEAD, "bank.cqrcb") in kinds
    assert ("undeclared_vehicle", HEAD, "public_security.vehicles") in kinds
    assert not [d for d in result.differences if d.id_number in (SPOUSE, CHILD)]


def test_tax_wages_count_for_an_employer_social_security_does_not_know():
    second = uscc_code("91500111MA5R8XYD1")
    held = records()["tax"]
    held[HEAD] = held[HEAD] + [dict(held[HEAD][0], withholding_agent_uscc=second, income_fen=100000, month="2025-07")]
    outcomes = all_answered(tax=Outcome("tax", answer=answer("tax", held)))
    doc, _ = verified_household(declared(), outcomes, MONTH)
    assert {i.month: str(i.wages) for i in member(doc, HEAD).incomes}["2025-07"] == "5500.00"


def test_pensions_less_the_central_basic_pension_which_is_recorded_not_counted():
    held = {CHILD: []} | {HEAD: [{"id_number": HEAD, "name": "张伟", "month": "2025-07", "scheme": "resident",
                                  "amount_fen": 25300, "central_basic_fen": 12300}]}
    doc, _ = verified_household(declared(), all_answered(**{
        "hrss.pensions": Outcome("hrss.pensions", answer=answer("hrss.pensions", held))}), MONTH)
    july = next(i for i in member(doc, HEAD).incomes if i.month == "2025-07")
    assert (str(july.pension), str(july.basic_pension_central)) == ("130.00", "123.00")


def test_death_disability_and_a_business_from_their_sources():
    deaths = {SPOUSE: [{"id_number": SPOUSE, "name": "李娜", "death_date": dt.date(2025, 6, 3),
                        "reported_by": "公安", "cremated": True}]}
    certificates = {CHILD: [{"id_number": CHILD, "name": "张小明", "certificate_no": CHILD + "63",
                             "category": "intellectual", "grade": 2, "valid_from": dt.date(2022, 1, 1),
                             "valid_to": dt.date(2030, 12, 31)}]}
    business = {HEAD: [{"uscc": SHOP, "name": "张伟便利店", "entity_type": "个体工商户", "legal_rep_id_number": HEAD,
                        "legal_rep_name": "张伟", "registered_capital_fen": 5000000,
                        "established_on": dt.date(2019, 5, 1), "status": "存续"}]}
    outcomes = all_answered(**{
        "public_security.deaths": Outcome("public_security.deaths", answer=answer("public_security.deaths", deaths)),
        "disability_federation": Outcome("disability_federation",
                                         answer=answer("disability_federation", certificates)),
        "market_regulation": Outcome("market_regulation", answer=answer("market_regulation", business))})
    result = verify(declared(), outcomes, MONTH)
    doc = result.household
    assert member(doc, SPOUSE).death_date == dt.date(2025, 6, 3)
    assert (member(doc, CHILD).disability.category.value, member(doc, CHILD).disability.grade) == ("intellectual", 2)
    assert [(b.uscc, str(b.registered_capital)) for b in member(doc, HEAD).businesses] == [(SHOP, "50000.00")]
    assert {d.kind for d in result.differences} >= {"death", "disability", "undeclared_business"}


def test_an_item_that_does_not_fit_the_household_format_is_unknown_not_dropped():
    bad = {HEAD: [dict(records()["public_security.vehicles"][HEAD][0], plate="渝A-1234567890123")]}  # > 12 chars
    result = verify(declared(), all_answered(**{"public_security.vehicles": Outcome(
        "public_security.vehicles", answer=answer("public_security.vehicles", bad))}), MONTH)
    assert result.unknown == {HEAD: {"vehicles"}}
    assert result.unreadable and result.unreadable[0][:2] == (HEAD, "public_security.vehicles")


def test_the_rules_see_the_unknowns_needs_information_not_eligible():
    outcomes = all_answered(**{"bank.cqbank": failed("bank.cqbank")})
    doc, unknown = verified_household(declared(), outcomes, MONTH)
    before, after = evaluate([declared(), doc], MONTH, lang="en", unknown=[None, unknown])
    dibao = next(p for p in after["programmes"] if p["programme"] == "dibao")
    assert dibao["status"] in ("needs_information", "not_eligible")
    assert dibao["status"] != "eligible"
    assets = next(c for c in dibao["conditions"] if c["condition"] == "dibao_assets_test")
    assert assets["result"] == "unknown"


def test_members_not_counted_are_not_asked_and_keep_their_facts():
    data = declared_data()
    data["members"].append({"id_number": id_number("51212619600101001"), "name": "张老汉", "relation": "parent",
                            "counted": False, "exclusion_reason": "prison"})
    doc = s.Household.model_validate(data)
    result = verify(doc, all_answered(**{"bank.cqbank": failed("bank.cqbank")}), MONTH)
    assert set(result.readings) == {HEAD, SPOUSE, CHILD}
    assert set(result.unknown) == {HEAD, SPOUSE, CHILD}


# ---------------------------------------------------------------------------------------------------- the laws

STATUSES = st.sampled_from(["answered", "failed", "refused", "stale"])


@st.composite
def outcome_plans(draw):
    plan = {}
    for endpoint in ENDPOINTS:
        status = draw(STATUSES)
        refused = draw(st.sets(st.sampled_from([HEAD, SPOUSE, CHILD]))) if status == "refused" else set()
        plan[endpoint] = (status, refused)
    return plan


def outcomes_of(plan) -> list[Outcome]:
    out = []
    for endpoint, (status, refused) in plan.items():
        if status == "failed":
            out.append(failed(endpoint))
        elif status == "refused":
            out.append(Outcome(endpoint, answer=answer(endpoint, refused=dict.fromkeys(refused, "consent_scope"))))
        else:
            out.append(Outcome(endpoint, answer=answer(endpoint, back_days=400 if status == "stale" else 0)))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outcome_plans())
def test_law_unknown_exactly_where_a_source_did_not_answer_and_known_categories_lose_no_declared_item(plan):
    base = declared()
    doc, unknown = verified_household(base, outcomes_of(plan), MONTH)
    for who in (HEAD, SPOUSE, CHILD):
        expected = set()
        for endpoint, (status, refused) in plan.items():
            holds = bool(records().get(endpoint, {}).get(who))
            not_learned = status == "failed" or (status == "refused" and who in refused) or \
                (status == "stale" and holds)
            if not_learned and kind_of(endpoint).kind in CATEGORY_OF_KIND:
                expected.add(CATEGORY_OF_KIND[kind_of(endpoint).kind])
        assert set(unknown.get(who, ())) == expected
        assert set(unknown.get(who, ())) <= set(UNKNOWN_CATEGORIES)
        before, after = member(base, who), member(doc, who)
        # No declared item that no source contradicts is lost: plates, certificates, businesses, every month's
        # declared income entry (a figure replaced only by a record of that month).
        assert {v.plate for v in before.vehicles} <= {v.plate for v in after.vehicles}
        assert {b.uscc for b in before.businesses} <= {b.uscc for b in after.businesses}
        assert {i.month for i in before.incomes} <= {i.month for i in after.incomes}
        declared_accounts = {(a.institution, a.account) for a in before.financial_assets}
        assert declared_accounts <= {(a.institution, a.account) for a in after.financial_assets}
        for month in (i.month for i in before.incomes):
            old = next(i for i in before.incomes if i.month == month)
            new = next(i for i in after.incomes if i.month == month)
            assert new.wages is not None or old.wages is None


def test_unnumbered_declared_statements_pair_with_the_institution_s_accounts_by_balance():
    """Two declared deposits at one bank without account numbers (as households often declare), and the bank's
    two accounts: paired by balance, no difference; the bank's list replaces the statements (not counted twice)."""
    data = declared_data()
    data["members"][0]["financial_assets"] = [
        {"kind": "deposit", "institution": "重庆农村商业银行", "amount": "42312.50", "as_of": "2025-08-31"},
        {"kind": "deposit", "institution": "重庆农村商业银行", "amount": "3200.50", "as_of": "2025-08-31"}]
    result = verify(s.Household.model_validate(data), all_answered(), MONTH)
    assert not [d for d in result.differences if d.kind in ("undeclared_account", "account_balance")]
    assert sorted(a.account for a in member(result.household, HEAD).financial_assets) == [ACCOUNT, HIDDEN]
    # One unnumbered statement only: the other account was not declared.
    data["members"][0]["financial_assets"] = data["members"][0]["financial_assets"][1:]
    result = verify(s.Household.model_validate(data), all_answered(), MONTH)
    assert [(d.kind, d.ref) for d in result.differences if "account" in d.kind] == [("undeclared_account", HIDDEN)]


def test_a_balance_dated_after_the_month_says_nothing_of_it_assets_unknown_declared_kept():
    later = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", back_days=-15))  # balances of 2025-09-15
    doc, unknown = verified_household(declared(), all_answered(**{"bank.cqrcb": later}), MONTH,
                                      as_of=dt.date(2025, 9, 15))
    assert unknown == {HEAD: {"assets"}}
    assert [(a.account, str(a.amount)) for a in member(doc, HEAD).financial_assets] == [(ACCOUNT, "3000.00")]


def test_medical_costs_declared_beyond_the_insurer_s_record_are_a_difference_never_a_merge():
    """医保's out-of-pocket record against the medical costs declared for the member: a month it records less is
    listed (over-declared), a month it holds no record of says nothing, and the declared spending stands."""
    data = declared_data()
    data["rigid_spending"] = [{"month": "2025-06", "category": "medical", "amount": "1000.00", "id_number": HEAD},
                              {"month": "2025-07", "category": "medical", "amount": "500.00", "id_number": HEAD}]
    doc = s.Household.model_validate(data)
    held = {HEAD: [{"id_number": HEAD, "name": "张伟", "month": "2025-06", "out_of_pocket_fen": 40000,
                    "fund_paid_fen": 60000}]}
    outcomes = [Outcome("medical_insurance", answer=answer("medical_insurance", held))]
    result = verify(doc, outcomes, MONTH, as_of=AS_OF)
    medical = [d for d in result.differences if d.kind.startswith("medical_costs")]
    assert [(d.kind, d.id_number, d.month, d.declared_fen, d.verified_fen) for d in medical] == \
        [("medical_costs_overdeclared", HEAD, "2025-06", 100000, 40000)]
    assert result.household.rigid_spending == doc.rigid_spending


def test_work_injury_care_paid_is_a_month_s_pay():
    held = {CHILD: [{"id_number": CHILD, "name": "张小明", "month": "2025-07", "injury_grade": 2, "care_level": 1,
                     "care_fen": 150000}]}
    household, _ = verified_household(declared(), [Outcome("hrss.work_injury",
                                                           answer=answer("hrss.work_injury", held))], MONTH)
    assert next(m for m in household.members if m.id_number == CHILD).work_injury_care is True
