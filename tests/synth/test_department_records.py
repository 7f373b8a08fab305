"""The departments' records of the new sources (户籍, unemployment, work injury, medical insurance, housing fund,
marriage, education, funeral) agree with the registry the same run wrote, keep to their declared ranges, and
hold no row standing for "unknown". Recomputed from the Parquet files with DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS, RANGES
from jiuzhu.synth import department_draws, generate
from jiuzhu.synth.department_draws import years_after
from jiuzhu.synth.population import E1, E2, HEAD, SPOUSE, ages_on

REF = dt.date(2025, 8, 31)
MONTHS = [f"2024-{m:02d}" for m in range(9, 13)] + [f"2025-{m:02d}" for m in range(1, 9)]
NEW = ("hukou", "unemployment", "work_injury", "medical_insurance", "housing_fund", "marriage", "education",
       "funeral")


def _ages(births: list[dt.date], on: dt.date = REF) -> list[int]:
    return ages_on(np.array(births, dtype="datetime64[D]"), on).tolist()


def _read(snapshot, source) -> pa.Table:
    out, _ = snapshot
    return pq.read_table(out / "departments" / f"{source}.parquet")


def test_every_department_file_is_written_with_exactly_its_schema(snapshot):
    out, _ = snapshot
    for source, schema in DEPARTMENT_SCHEMAS.items():
        assert pq.read_schema(out / "departments" / f"{source}.parquet").remove_metadata() == schema, source
    for source in NEW:
        assert source in DEPARTMENT_SCHEMAS and set(RANGES[source]) == set(DEPARTMENT_SCHEMAS[source].names), source
        for field in DEPARTMENT_SCHEMAS[source]:
            if field.name.endswith("_fen"):
                assert field.type == pa.int64() and RANGES[source][field.name].unit == "fen"
            if RANGES[source][field.name].unit == "date":
                assert field.type == pa.date32(), (source, field.name)


def test_every_file_has_rows_and_every_value_keeps_to_its_declared_range(snapshot):
    assert set(RANGES) == set(DEPARTMENT_SCHEMAS)
    for source in DEPARTMENT_SCHEMAS:
        assert set(RANGES[source]) == set(DEPARTMENT_SCHEMAS[source].names), source
        table = _read(snapshot, source)
        assert table.num_rows > 0, source
        for name, rng in RANGES[source].items():
            col = table[name]
            if not rng.nullable:
                assert col.null_count == 0, (source, name)
            if rng.low is not None:
                assert pc.min(col).as_py() >= rng.low, (source, name)
            if rng.high is not None:
                assert pc.max(col).as_py() <= rng.high, (source, name)
            if rng.values is not None:
                assert set(pc.unique(col).to_pylist()) <= set(rng.values), (source, name)
            if rng.unit == "date" and not rng.after_reference:
                assert pc.max(col).as_py() <= REF, (source, name)
            if rng.unit == "month":
                assert set(pc.unique(col).to_pylist()) <= set(MONTHS), (source, name)
            if name.endswith("id_number"):
                assert set(pc.utf8_length(col).to_pylist()) == {18}, (source, name)


def test_hukou_holds_every_registry_person_once_as_the_registry_has_it(db):
    assert db.execute("SELECT count(*), count(DISTINCT id_number) FROM dep_hukou").fetchone() \
        == db.execute("SELECT count(*), count(DISTINCT id_number) FROM persons").fetchone()
    assert db.execute("""
        SELECT count(*) FROM persons p JOIN dep_hukou h USING (id_number)
        WHERE h.name = p.name AND h.hukou_area_code = p.hukou_area_code AND h.urban = p.hukou_urban
              AND h.registered_on BETWEEN p.birth_date AND DATE '2025-08-31'""").fetchone() \
        == db.execute("SELECT count(*) FROM persons").fetchone()
    # Cancelled exactly for the deaths 公安 hold; the Chongqing codes are the township of the household's area.
    cancelled = db.execute("SELECT id_number FROM dep_hukou WHERE status = '死亡注销' ORDER BY 1").fetchall()
    assert cancelled and cancelled == db.execute("SELECT id_number FROM dep_deaths ORDER BY 1").fetchall()
    assert db.execute("""SELECT count(*) FROM dep_hukou h JOIN persons p USING (id_number)
        JOIN members m ON m.person_id = p.id JOIN households x ON x.id = m.household_id
        WHERE p.hukou_chongqing AND NOT starts_with(x.area_code, h.hukou_area_code)""").fetchone() == (0,)


def test_unemployment_benefit_is_the_registry_s_except_each_recorded_difference(db):
    extra = db.execute("""
        SELECT id_number, month, benefit_fen FROM dep_unemployment
        EXCEPT ALL SELECT p.id_number, i.month, i.unemployment_benefit FROM incomes i
        JOIN persons p ON p.id = i.person_id WHERE i.unemployment_benefit IS NOT NULL""").fetchall()
    recorded = db.execute("""SELECT id_number, month, actual_fen FROM differences
                             WHERE source = 'unemployment' AND item = 'unemployment_benefit'""").fetchall()
    assert recorded and sorted(extra) == sorted(recorded)
    assert db.execute("""SELECT count(*) FROM (SELECT p.id_number, i.month, i.unemployment_benefit FROM incomes i
        JOIN persons p ON p.id = i.person_id WHERE i.unemployment_benefit IS NOT NULL
        EXCEPT ALL SELECT id_number, month, benefit_fen FROM dep_unemployment)""").fetchone() == (0,)
    # Paid to unemployed people of working age only (16 to the retirement age, 60 at most), never declared
    # where a difference is recorded.
    paid = db.execute("""SELECT DISTINCT p.employment, p.birth_date
        FROM dep_unemployment u JOIN persons p USING (id_number)""").fetchall()
    assert paid and {e for e, _ in paid} == {"unemployed"}
    assert all(16 <= a < 60 for a in _ages([b for _, b in paid]))
    assert db.execute("""SELECT count(*) FROM differences d JOIN persons p USING (id_number)
        JOIN incomes i ON i.person_id = p.id AND i.month = d.month
        WHERE d.source = 'unemployment' AND i.unemployment_benefit IS NOT NULL""").fetchone() == (0,)


def test_work_injury_care_pay_for_exactly_the_registry_s_recipients_every_month(db):
    rows = db.execute("""SELECT w.id_number, count(*), min(w.injury_grade), max(w.injury_grade), min(care_fen),
               max(care_fen), any_value(p.disability_grade), any_value(w.care_level)
        FROM dep_work_injury w JOIN persons p USING (id_number) GROUP BY 1""").fetchall()
    recipients = {r[0] for r in db.execute("SELECT id_number FROM persons WHERE work_injury_care").fetchall()}
    assert rows and {r[0] for r in rows} == recipients
    for _, months, g_lo, g_hi, lo, hi, grade, level in rows:
        assert months == 12 and g_lo == g_hi == grade and lo == hi == {1: 380000, 2: 304000}[grade]
        assert level == {1: "完全不能自理", 2: "大部分不能自理"}[grade]


def test_medical_out_of_pocket_equals_the_registry_s_rigid_medical_spending_but_each_recorded_difference(db):
    registry = """SELECT p.id_number, r.month, r.amount_fen FROM rigid_spending r JOIN persons p ON p.id = r.person_id
                  WHERE r.category = 'medical'"""
    department = "SELECT id_number, month, out_of_pocket_fen FROM dep_medical_insurance"
    declared = "SELECT id_number, month, declared_fen FROM differences WHERE source = 'medical_insurance'"
    actual = "SELECT id_number, month, actual_fen FROM differences WHERE source = 'medical_insurance'"
    assert db.execute(f"SELECT count(*) FROM ({registry})").fetchone()[0] > 0
    assert db.execute(f"SELECT count(*) FROM ({declared})").fetchone()[0] > 0
    assert sorted(db.execute(f"{registry} EXCEPT ALL {department}").fetchall()) \
        == sorted(db.execute(declared).fetchall())
    assert sorted(db.execute(f"{department} EXCEPT ALL {registry}").fetchall()) == sorted(db.execute(actual).fetchall())
    # Over-declared: the registry says more than medical insurance holds, every month of one member.
    assert db.execute("""SELECT count(*) FROM differences WHERE source = 'medical_insurance'
        AND NOT (item = 'medical_costs' AND actual_fen BETWEEN 1 AND declared_fen * 7 // 10)""").fetchone() == (0,)
    assert db.execute("""SELECT count(*) FROM dep_medical_insurance
        WHERE fund_paid_fen < out_of_pocket_fen OR fund_paid_fen > 4 * out_of_pocket_fen""").fetchone() == (0,)


def test_housing_fund_accounts_belong_to_people_paid_wages_by_that_employer_in_the_last_month(db):
    rows = db.execute("""
        SELECT f.account_no, f.balance_fen, f.monthly_deposit_fen, s.employer_uscc = f.employer_uscc,
               (SELECT sum(wage_fen) // count(*) FROM dep_social_security w WHERE w.id_number = f.id_number)
        FROM dep_housing_fund f LEFT JOIN dep_social_security s ON s.id_number = f.id_number AND s.month = '2025-08'
        """).fetchall()
    assert rows and len({r[0] for r in rows}) == len(rows)
    for account, balance, deposit, same_employer, wage in rows:
        assert len(account) == 12 and account.isdigit() and same_employer, account
        # 5-12 % of the average wage from the employee and as much from the employer (住房公积金管理条例 art. 18).
        assert balance >= deposit and deposit in {2 * (wage * rate // 100) for rate in range(5, 13)}, account


def test_marriages_are_the_couples_living_together_both_ways_at_a_legal_age(db):
    rows = db.execute("""
        SELECT a.id_number, a.sex, a.birth_date, ma.relation, b.id_number, b.sex, b.birth_date, mb.relation,
               ma.household_id = mb.household_id, g.registered_on,
               (SELECT count(*) FROM dep_marriage r WHERE r.id_number = g.spouse_id_number
                AND r.spouse_id_number = g.id_number AND r.registered_on = g.registered_on)
        FROM dep_marriage g JOIN persons a ON a.id_number = g.id_number JOIN members ma ON ma.person_id = a.id
        JOIN persons b ON b.id_number = g.spouse_id_number JOIN members mb ON mb.person_id = b.id
        WHERE g.name = a.name AND g.spouse_name = b.name""").fetchall()
    assert len(rows) == db.execute("SELECT count(*) FROM dep_marriage").fetchone()[0] > 0
    for a, sex_a, birth_a, rel_a, _, sex_b, birth_b, rel_b, together, on, mirrored in rows:
        assert together and mirrored == 1 and sex_a != sex_b, a
        assert {rel_a, rel_b} in ({"head", "spouse"}, {"parent"}), a
        for sex, birth in ((sex_a, birth_a), (sex_b, birth_b)):
            assert ages_on(np.array([np.datetime64(birth)]), on)[0] >= (22 if sex == "M" else 20), a
    # Every head and spouse old enough to marry have their marriage registered.
    couples = db.execute("""
        SELECT sp.id_number, sp.sex, sp.birth_date, hp.birth_date FROM members s JOIN persons sp ON sp.id = s.person_id
        JOIN members h ON h.household_id = s.household_id AND h.relation = 'head' JOIN persons hp ON hp.id = h.person_id
        WHERE s.relation = 'spouse'""").fetchall()
    married = {r[0] for r in db.execute("SELECT id_number FROM dep_marriage").fetchall()}
    for idn, sex, spouse_born, head_born in couples:
        man, woman = (spouse_born, head_born) if sex == "M" else (head_born, spouse_born)
        old_enough = _ages([man])[0] >= 22 and _ages([woman])[0] >= 20
        assert (idn in married) == old_enough, idn


def test_education_holds_each_pupil_at_the_registry_s_level_and_the_young_out_of_school(db):
    enrolled = db.execute("""SELECT p.id_number, p.school_level FROM persons p WHERE p.school_level IS NOT NULL
        EXCEPT ALL SELECT id_number, school_level FROM dep_education WHERE enrolled""").fetchall()
    assert enrolled == []
    out_of_school = db.execute("""SELECT e.school_level, p.school_level, p.birth_date
        FROM dep_education e JOIN persons p USING (id_number) WHERE NOT e.enrolled""").fetchall()
    assert out_of_school and all(lv == "junior_secondary" and reg is None for lv, reg, _ in out_of_school)
    assert all(15 <= a < 18 for a in _ages([b for *_, b in out_of_school]))
    assert db.execute("SELECT count(*) FROM dep_education").fetchone()[0] == \
        db.execute("SELECT count(*) FROM persons WHERE school_level IS NOT NULL").fetchone()[0] + len(out_of_school)
    assert db.execute("""SELECT count(*) FROM dep_education WHERE NOT ends_with(school_name, '(合成)')
        AND school_level NOT IN ('undergraduate', 'postgraduate')""").fetchone() == (0,)


def test_funeral_holds_each_cremated_death_within_five_days(db):
    rows = db.execute("""SELECT d.id_number, d.cremated, f.death_date = d.death_date,
               date_diff('day', d.death_date, f.cremated_on) FROM dep_deaths d
        LEFT JOIN dep_funeral f USING (id_number)""").fetchall()
    assert rows and any(r[1] for r in rows)
    for idn, cremated, same_day, days in rows:
        assert (same_day is not None) == cremated, idn
        assert not cremated or (same_day and 0 <= days <= 5), idn
    assert db.execute("SELECT count(*) FROM dep_funeral").fetchone()[0] == sum(r[1] for r in rows)


def test_no_department_row_is_a_zero_or_a_null_standing_for_unknown(snapshot):
    for source in NEW:
        table = _read(snapshot, source)
        for name in table.column_names:
            if name.endswith("_fen"):
                assert pc.min(table[name]).as_py() > 0, (source, name)


def test_each_planted_difference_is_in_its_household_s_truth_with_its_source(db):
    rows = db.execute("""
        SELECT d.household_no, d.source, d.item,
               (SELECT any_value(t.detail) FROM planted t WHERE t.household_no = d.household_no
                AND t.kind = 'declared_differs')
        FROM differences d WHERE d.item <> 'death'""").fetchall()
    assert {r[1] for r in rows} == {"social_security", "banks", "vehicles", "market_regulation", "unemployment",
                                    "medical_insurance"}
    for household_no, source, item, detail in rows:
        assert detail is not None and f"{item} ({source})" in detail, household_no
    deaths = db.execute("""SELECT count(*) FROM differences d WHERE d.item = 'death' AND d.household_no NOT IN
                           (SELECT household_no FROM planted WHERE kind = 'deceased_still_paid')""").fetchone()
    assert deaths == (0,)


def test_the_new_records_are_the_same_for_a_seed_and_other_for_another(tmp_path):
    args = dict(district="500111", households=400, month="2025-08", months=6, chunk_households=150)
    for name, seed in (("a", 13), ("b", 13), ("c", 14)):
        generate(seed=seed, out_dir=tmp_path / name, **args)
    for source in NEW:
        rel = f"departments/{source}.parquet"
        a, b, c = ((tmp_path / x / rel).read_bytes() for x in "abc")
        assert a == b, source
        if pq.read_metadata(tmp_path / "a" / rel).num_rows:
            assert a != c, source


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 100))
def test_years_after_is_the_day_a_person_born_on_that_date_turns_that_age(born, years):
    birth = np.array([np.datetime64(born)])
    day = years_after(birth, years)[0]
    assert ages_on(birth, day.astype(dt.date))[0] == years
    assert ages_on(birth, (day - np.timedelta64(1, "D")).astype(dt.date))[0] == years - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.dates(dt.date(1920, 1, 1), dt.date(2025, 8, 31)),
                          st.dates(dt.date(1920, 1, 1), dt.date(2025, 8, 31)), st.booleans(), st.booleans()),
                min_size=1, max_size=20), st.integers(0, 2**32 - 1))
def test_a_couple_is_married_at_a_legal_age_before_the_reference_date_or_not_at_all(couples, seed):
    """Head and spouse (or the head's parents, E1 and E2), of either sex: registered once both were of age
    (22 for the man, 20 for the woman, 民法典 art. 1047) and not before 1950-05-01, on or before the reference
    date; no record when one is still too young."""
    slots, births, male = [], [], []
    for first, second, first_male, elders in couples:
        slots += [E1, E2] if elders else [HEAD, SPOUSE]
        births += [first, second]
        male += [first_male, not first_male]
    pp = {"slot": np.array(slots), "birth": np.array(births, dtype="datetime64[D]"), "male": np.array(male)}
    refd = np.datetime64(REF)
    got = department_draws._marriages(np.random.default_rng(seed), pp, refd)
    registered = dict(zip(got["a"].tolist(), got["registered_on"].tolist(), strict=True))
    for k in range(len(couples)):
        man, woman = (2 * k, 2 * k + 1) if male[2 * k] else (2 * k + 1, 2 * k)
        of_age = _ages([births[man]])[0] >= 22 and _ages([births[woman]])[0] >= 20
        assert (2 * k in registered) == of_age
        if of_age:
            on = registered[2 * k]
            assert dt.date(1950, 5, 1) <= on <= REF
            assert _ages([births[man]], on)[0] >= 22 and _ages([births[woman]], on)[0] >= 20


AGREEMENT = {  # each query counts the rows breaking a law between a department file and the registry
    "hukou: each registry person once": """SELECT (SELECT count(*) FROM (SELECT id_number FROM persons
        EXCEPT ALL SELECT id_number FROM dep_hukou)) + (SELECT count(*) FROM (SELECT id_number FROM dep_hukou
        EXCEPT ALL SELECT id_number FROM persons))""",
    "medical: the rigid medical spending, but the recorded differences": """SELECT count(*) FROM (
        (SELECT p.id_number, r.month, r.amount_fen FROM rigid_spending r JOIN persons p ON p.id = r.person_id
         WHERE r.category = 'medical' EXCEPT ALL SELECT id_number, month, out_of_pocket_fen FROM dep_medical_insurance
         EXCEPT ALL SELECT id_number, month, declared_fen FROM differences WHERE source = 'medical_insurance')
        UNION ALL (SELECT id_number, month, out_of_pocket_fen FROM dep_medical_insurance EXCEPT ALL
         SELECT p.id_number, r.month, r.amount_fen FROM rigid_spending r JOIN persons p ON p.id = r.person_id
         WHERE r.category = 'medical'
         EXCEPT ALL SELECT id_number, month, actual_fen FROM differences WHERE source = 'medical_insurance'))""",
    "unemployment: declared plus the recorded differences": """SELECT count(*) FROM (
        (SELECT id_number, month, benefit_fen FROM dep_unemployment
         EXCEPT ALL SELECT p.id_number, i.month, i.unemployment_benefit FROM incomes i JOIN persons p
         ON p.id = i.person_id WHERE i.unemployment_benefit IS NOT NULL
         EXCEPT ALL SELECT id_number, month, actual_fen FROM differences WHERE source = 'unemployment')
        UNION ALL (SELECT id_number, month, actual_fen FROM differences WHERE source = 'unemployment'
         EXCEPT ALL SELECT id_number, month, benefit_fen FROM dep_unemployment))""",
    "work injury: the registry's care pay": """SELECT count(*) FROM (
        (SELECT DISTINCT id_number FROM dep_work_injury) EXCEPT (SELECT id_number FROM persons WHERE work_injury_care)
        UNION ALL ((SELECT id_number FROM persons WHERE work_injury_care) EXCEPT
                   (SELECT DISTINCT id_number FROM dep_work_injury)))""",
    "marriage: both ways, in one household": """SELECT count(*) FROM dep_marriage g
        JOIN persons a ON a.id_number = g.id_number JOIN members ma ON ma.person_id = a.id
        LEFT JOIN persons b ON b.id_number = g.spouse_id_number LEFT JOIN members mb ON mb.person_id = b.id
        WHERE mb.household_id IS DISTINCT FROM ma.household_id OR NOT EXISTS (SELECT 1 FROM dep_marriage r
              WHERE r.id_number = g.spouse_id_number AND r.spouse_id_number = g.id_number)""",
    "education: the registry's school levels": """SELECT count(*) FROM (
        (SELECT id_number, school_level FROM persons WHERE school_level IS NOT NULL
         EXCEPT ALL SELECT id_number, school_level FROM dep_education WHERE enrolled)
        UNION ALL (SELECT id_number, school_level FROM dep_education WHERE enrolled
         EXCEPT ALL SELECT id_number, school_level FROM persons WHERE school_level IS NOT NULL))""",
    "funeral: the cremated deaths": """SELECT count(*) FROM (
        (SELECT id_number FROM dep_deaths WHERE cremated EXCEPT ALL SELECT id_number FROM dep_funeral)
        UNION ALL (SELECT id_number FROM dep_funeral EXCEPT ALL SELECT id_number FROM dep_deaths WHERE cremated))""",
    "hukou: cancelled for the deaths": """SELECT count(*) FROM dep_hukou h LEFT JOIN dep_deaths d USING (id_number)
        WHERE (h.status = '死亡注销') <> (d.id_number IS NOT NULL)""",
}


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 99), st.integers(40, 400), st.integers(1, 12))
def test_any_district_s_department_records_agree_with_its_registry(tmp_path_factory, seed, households, months):
    out = tmp_path_factory.mktemp("agree")
    generate(district="500111", households=households, seed=seed, out_dir=out, months=months, chunk_households=150)
    con = duckdb.connect()
    for sub, prefix in (("registry", ""), ("departments", "dep_")):
        for f in (out / sub).glob("*.parquet"):
            con.execute(f"CREATE VIEW {prefix}{f.stem} AS SELECT * FROM read_parquet('{f}')")
    con.execute(f"CREATE VIEW differences AS SELECT * FROM read_parquet('{out / 'truth' / 'differences.parquet'}')")
    for source, schema in DEPARTMENT_SCHEMAS.items():
        assert pq.read_schema(out / "departments" / f"{source}.parquet").remove_metadata() == schema, source
    broken = {law: con.execute(query).fetchone()[0] for law, query in AGREEMENT.items()}
    con.close()
    assert broken == dict.fromkeys(AGREEMENT, 0)
