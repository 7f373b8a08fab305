"""Planted households, enrolments and declared/true differences have the properties claimed.

Everything is recomputed from the Parquet files with DuckDB, independently of the generator.
"""

from __future__ import annotations

import pytest

from jiuzhu.rules import law
from jiuzhu.synth import generate

MONTH = "2025-08"
LINE = {True: int(law.value("dibao.line.urban", MONTH) * 100), False: int(law.value("dibao.line.rural", MONTH) * 100)}
N_MONTHS = int(law.value("dibao.property.financial_assets_months", MONTH))
COUNTED = ("coalesce(wages,0)+coalesce(business_net,0)+coalesce(property_net,0)+coalesce(transfer_net,0)"
           "+coalesce(pension,0)+coalesce(unemployment_benefit,0)")

MEANS = f"""
    WITH k AS (SELECT household_id, count(*) AS k FROM members WHERE counted GROUP BY 1),
    inc AS (SELECT m.household_id, sum({COUNTED}) AS income FROM incomes i JOIN members m USING (person_id)
            WHERE m.counted GROUP BY 1),
    fa AS (SELECT m.household_id, sum(amount_fen) AS assets FROM financial_assets a JOIN members m USING (person_id)
           WHERE m.counted GROUP BY 1),
    car AS (SELECT DISTINCT m.household_id FROM vehicles v JOIN members m USING (person_id)
            WHERE m.counted AND NOT v.mobility_for_disabled),
    line AS (SELECT id, CASE WHEN urban THEN {LINE[True]} ELSE {LINE[False]} END AS line FROM households)
    SELECT h.id, h.household_no, k.k, coalesce(inc.income, 0) AS income, coalesce(fa.assets, 0) AS assets,
           car.household_id IS NOT NULL AS car, line.line,
           coalesce(inc.income, 0) < line.line * k.k * 12 AND coalesce(fa.assets, 0) <= {N_MONTHS} * line.line * k.k
           AND car.household_id IS NULL AS eligible
    FROM households h JOIN k ON k.household_id = h.id JOIN line ON line.id = h.id
    LEFT JOIN inc ON inc.household_id = h.id LEFT JOIN fa ON fa.household_id = h.id
    LEFT JOIN car ON car.household_id = h.id
"""


@pytest.fixture(scope="module")
def means(db):
    db.execute(f"CREATE OR REPLACE TEMP VIEW means AS {MEANS}")
    return db


def _kind(db, kind):
    return db.execute("SELECT household_no, expected, detail FROM planted WHERE kind = ?", [kind]).fetchall()


def test_each_planted_kind_is_present_at_its_default_share(db):
    counts = dict(db.execute("SELECT kind, count(*) FROM planted GROUP BY 1").fetchall())
    for kind in ("entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below"):
        assert counts[kind] == 25  # 0.5 % of 5,000 (chunks of 2,000, 2,000, 1,000: 10 + 10 + 5)
    assert counts["unenrolled"] > 0 and counts["declared_differs"] > 0 and counts["deceased_still_paid"] > 0


def test_even_a_small_district_gets_a_few_of_each(tmp_path):
    summary = generate(district="500111", households=1_000, seed=3, out_dir=tmp_path, chunk_households=1_000)
    for kind in ("entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below"):
        assert summary.planted[kind] >= 3


@pytest.mark.parametrize("kind, minus", [("boundary_on_line", 0), ("boundary_fen_below", 1)])
def test_boundary_households_earn_exactly_the_line_or_one_fen_below_in_every_month(means, kind, minus):
    rows = means.execute(f"""
        WITH p AS (SELECT household_no FROM planted WHERE kind = '{kind}'),
        monthly AS (SELECT m.household_id, i.month, sum({COUNTED}) AS s, count(*) FILTER ({COUNTED} > 0) AS earners
                    FROM incomes i JOIN members m USING (person_id) WHERE m.counted GROUP BY 1, 2)
        SELECT x.household_no, x.k, x.line, x.assets, x.car, list(mo.s ORDER BY mo.month), max(mo.earners),
               (SELECT count(*) FROM members WHERE household_id = x.id AND NOT counted),
               (SELECT count(*) FROM enrolments WHERE household_id = x.id AND programme = 'dibao'),
               (SELECT count(*) FROM vehicles v JOIN members mm USING (person_id) WHERE mm.household_id = x.id)
        FROM means x JOIN p USING (household_no) JOIN monthly mo ON mo.household_id = x.id
        GROUP BY ALL""").fetchall()
    assert len(rows) == 25
    for household_no, k, line, assets, car, per_month, earners, excluded, dibao, vehicles in rows:
        assert per_month == [(line - minus) * k] * 12, household_no
        assert earners == 1 and excluded == 0 and assets == 0 and not car and vehicles == 0
        assert dibao == 0
    expected = {r[1] for r in _kind(means, kind)}
    assert expected == {"not_eligible" if minus == 0 else "eligible"}


def test_entitled_unenrolled_have_at_most_half_the_line_and_nothing_else(means):
    rows = means.execute("""
        SELECT x.household_no, x.income, x.line, x.k, x.assets, x.car, x.eligible,
               (SELECT count(*) FROM enrolments WHERE household_id = x.id AND programme = 'dibao'),
               (SELECT count(*) FROM businesses b JOIN members m USING (person_id) WHERE m.household_id = x.id)
        FROM means x JOIN planted p USING (household_no) WHERE p.kind = 'entitled_unenrolled'""").fetchall()
    assert len(rows) == 25
    for household_no, income, line, k, assets, car, eligible, dibao, businesses in rows:
        assert income <= 0.5 * line * k * 12, household_no
        assert assets == 0 and not car and eligible and dibao == 0 and businesses == 0


def test_enrolled_not_entitled_fail_the_condition_recorded(means):
    rows = means.execute("""
        SELECT x.id, x.household_no, p.detail, x.k, x.line, x.assets, x.car, x.eligible,
               (SELECT count(*) FROM enrolments WHERE household_id = x.id AND programme = 'dibao')
        FROM means x JOIN planted p USING (household_no) WHERE p.kind = 'enrolled_not_entitled'""").fetchall()
    assert len(rows) == 25
    seen = set()
    for hid, household_no, detail, k, line, assets, car, eligible, dibao in rows:
        assert dibao == 1 and not eligible, household_no
        condition = detail.split(":")[0].removeprefix("condition=")
        seen.add(condition)
        if condition == "wages":
            low = means.execute(f"""SELECT min(s) FROM (SELECT i.month, sum(coalesce(wages, 0)) s FROM incomes i
                JOIN members m USING (person_id) WHERE m.household_id = {hid} AND m.counted
                GROUP BY 1)""").fetchone()[0]
            assert low >= 3 * line * k
        elif condition == "car":
            assert car
        else:
            assert condition == "deposits" and assets > N_MONTHS * line * k * 2
    assert seen == {"wages", "car", "deposits"}


def test_disability_and_tekun_enrolments(means):
    """Amounts from the law's tables; the rules' decisions themselves are checked in test_enrol_by_rules."""
    care = means.execute("""
        SELECT p.disability_grade, e.monthly_amount_fen, p.disability_valid_to >= DATE '2025-08-31'
        FROM enrolments e JOIN persons p ON p.id = e.person_id WHERE e.programme = 'disability_care'""").fetchall()
    assert care and all(g in (1, 2) and valid for g, _, valid in care)
    assert {(g, a) for g, a, _ in care} == {(1, 11000), (2, 10000)}
    living = means.execute("""
        SELECT count(*) FILTER (e.household_id NOT IN (SELECT household_id FROM enrolments WHERE programme = 'dibao')),
               count(DISTINCT monthly_amount_fen)
        FROM enrolments e WHERE programme = 'disability_living'""").fetchone()
    assert living == (0, 1)
    tekun = means.execute("""
        SELECT e.monthly_amount_fen,
               (SELECT count(*) FROM supporters s WHERE s.person_id = e.person_id AND s.status = 'able'),
               (SELECT count(*) FROM enrolments d WHERE d.person_id = e.person_id AND d.programme = 'dibao'),
               date_diff('year', p.birth_date, DATE '2025-08-31'), p.disability_grade
        FROM enrolments e JOIN persons p ON p.id = e.person_id WHERE e.programme = 'tekun'""").fetchall()
    assert tekun
    for amount, able, dibao, age, grade in tekun:
        # Basic living plus one of the three care tiers; no able supporter; aged, disabled or a minor; not on 低保.
        assert amount in (100100 + 5000, 100100 + 20000, 100100 + 30000)
        assert able == 0 and dibao == 0 and (age >= 60 or grade is not None or age < 18)


def test_differences_agree_with_the_departments_and_the_registry(db):
    """Each recorded difference shows in the department file as actual and in the registry as declared."""
    wages = db.execute("""
        SELECT d.declared_fen, d.actual_fen, i.wages, s.wage_fen
        FROM differences d JOIN persons p ON p.id_number = d.id_number
        LEFT JOIN incomes i ON i.person_id = p.id AND i.month = d.month
        JOIN dep_social_security s ON s.id_number = d.id_number AND s.month = d.month
        WHERE d.item = 'wages'""").fetchall()
    assert wages
    for declared, actual, registry, department in wages:
        assert registry == declared and department == actual and (declared or 0) < actual
    # Outside the recorded differences, registry and departments agree exactly.
    extra_wages = db.execute("""
        SELECT id_number, month, wage_fen FROM dep_social_security
        EXCEPT ALL SELECT p.id_number, i.month, i.wages FROM incomes i JOIN persons p ON p.id = i.person_id
        WHERE i.wages IS NOT NULL""").fetchall()
    recorded = db.execute("SELECT id_number, month, actual_fen FROM differences WHERE item = 'wages'").fetchall()
    assert sorted(extra_wages) == sorted(recorded)
    hidden = db.execute("""
        SELECT id_number, bank, balance_fen, account_no FROM dep_banks
        EXCEPT ALL SELECT p.id_number, a.institution, a.amount_fen, NULL FROM financial_assets a
        JOIN persons p ON p.id = a.person_id WHERE a.kind = 'deposit'""").fetchall()
    hidden_accounts = db.execute("""
        SELECT b.id_number, b.bank, b.balance_fen FROM dep_banks b
        WHERE NOT EXISTS (SELECT 1 FROM financial_assets a JOIN persons p ON p.id = a.person_id
                          WHERE p.id_number = b.id_number AND a.institution = b.bank AND a.amount_fen = b.balance_fen
                          AND a.kind = 'deposit')""").fetchall()
    recorded = db.execute("""SELECT d.id_number, b.bank, d.actual_fen FROM differences d
                             JOIN dep_banks b ON b.account_no = d.reference WHERE d.item = 'deposit'""").fetchall()
    assert hidden and sorted(hidden_accounts) == sorted(recorded)
    assert db.execute("""SELECT count(*) FROM (SELECT p.id_number, a.institution, a.amount_fen FROM financial_assets a
        JOIN persons p ON p.id = a.person_id WHERE a.kind = 'deposit'
        EXCEPT ALL SELECT id_number, bank, balance_fen FROM dep_banks)""").fetchone()[0] == 0
    cars = db.execute("""SELECT id_number, plate FROM dep_vehicles EXCEPT ALL
        SELECT p.id_number, v.plate FROM vehicles v JOIN persons p ON p.id = v.person_id""").fetchall()
    recorded = db.execute("SELECT id_number, reference FROM differences WHERE item = 'vehicle'").fetchall()
    assert sorted(cars) == sorted(recorded)
    firms = db.execute("SELECT uscc FROM dep_market_regulation EXCEPT ALL SELECT uscc FROM businesses").fetchall()
    recorded = db.execute("SELECT reference FROM differences WHERE item = 'business'").fetchall()
    assert sorted(firms) == sorted(recorded)
    deaths = db.execute("""
        SELECT d.id_number, p.death_date,
               (SELECT count(*) FROM enrolments e WHERE e.household_id = m.household_id AND e.programme = 'dibao')
        FROM dep_deaths d JOIN persons p ON p.id_number = d.id_number
        JOIN members m ON m.person_id = p.id""").fetchall()
    recorded = {r[0] for r in db.execute("SELECT id_number FROM differences WHERE item = 'death'").fetchall()}
    assert deaths and {r[0] for r in deaths} == recorded
    assert all(death_date is None and dibao == 1 for _, death_date, dibao in deaths)


def test_departments_hold_the_same_facts_where_nothing_was_planted(db):
    """Pensions, real estate and disability certificates agree with the registry row for row."""
    pensions = db.execute("""
        SELECT p.id_number, i.month, coalesce(i.pension, 0) + coalesce(i.basic_pension_central, 0)
        FROM incomes i JOIN persons p ON p.id = i.person_id
        WHERE i.pension IS NOT NULL OR i.basic_pension_central IS NOT NULL
        EXCEPT ALL SELECT id_number, month, amount_fen FROM dep_pensions""").fetchall()
    assert pensions == []
    estate = db.execute("""SELECT p.id_number, r.certificate_no, r.floor_area_m2 FROM real_estate r
        JOIN persons p ON p.id = r.person_id
        EXCEPT ALL SELECT id_number, certificate_no, floor_area_m2 FROM dep_real_estate""").fetchall()
    assert estate == []
    certs = db.execute("""SELECT id_number, disability_certificate, disability_grade FROM persons
        WHERE disability_grade IS NOT NULL
        EXCEPT ALL SELECT id_number, certificate_no, grade FROM dep_disability_federation""").fetchall()
    assert certs == []
