"""Natural enrolments follow jiuzhu.rules; planted households keep the enrolments they were built with.

The snapshot is re-evaluated the way a discovery scan evaluates it (``rules.inputs.population.Population`` and
``discovery.evaluate.evaluate_chunk``, not the generator's own call), and compared with the
enrolments and the truth with DuckDB.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.discovery.evaluate import evaluate_chunk
from jiuzhu.rules.inputs.population import Population, Scope, connect
from jiuzhu.rules.inputs.tables import slices
from jiuzhu.synth import generate
from jiuzhu.synth.enrol_by_rules import EnrolmentSummary, enrol_by_rules, uniform

generate_module = importlib.import_module("jiuzhu.synth.generate")

MONTH = "2025-08"
PLANTED = "('entitled_unenrolled', 'enrolled_not_entitled', 'boundary_on_line', 'boundary_fen_below', " \
          "'deceased_still_paid')"
HOUSEHOLD = {"margin": "margin", "rigid_spending": "rigid_spending"}
PERSON = ("tekun", "disability_care", "disability_living", "orphan", "unsupported_child")


@pytest.fixture(scope="module")
def rules(db, snapshot):
    """The snapshot's registry evaluated by the rules, in two chunks: views rh (households), rp (persons)."""
    out, _ = snapshot
    with Population(out, MONTH) as population:
        population.prepare()
        persons, households = population.fetch()
    hs, ps = [], []
    for p, h in slices(persons, households, 3_000):
        rh, rp, failed = evaluate_chunk(p, h, MONTH)
        assert failed.num_rows == 0
        hs.append(rh)
        ps.append(rp)
    db = db.cursor()  # its own connection to the same views (the session's may hold an unfinished result)
    db.register("rh", pa.concat_tables(hs))
    db.register("rp_results", pa.concat_tables(ps))
    # Results carry person ids only; the planted truth names people by ID number.
    db.execute("""CREATE OR REPLACE TEMP VIEW rp AS
                  SELECT r.*, p.id_number FROM rp_results r JOIN persons p ON p.id = r.person_id""")
    db.execute(f"""CREATE OR REPLACE TEMP VIEW natural_h AS SELECT id AS household_id, household_no FROM households
                   WHERE household_no NOT IN (SELECT household_no FROM planted WHERE kind IN {PLANTED})""")
    return db


def test_every_natural_enrolment_is_eligible_under_the_rules_with_the_rules_amount(rules):
    db = rules
    counts = dict(db.execute("""SELECT programme, count(*) FROM enrolments
                                WHERE household_id IN (SELECT household_id FROM natural_h) GROUP BY 1""").fetchall())
    assert {"dibao", "tekun", "margin", "disability_care", "disability_living"} <= counts.keys(), counts
    # 低保 for the whole household: eligible as a whole (no condition of the household test failed:
    # members, income, assets, vehicle, housing, business = the six lowest bits), the rules' amount.
    wrong = db.execute("""
        SELECT e.household_id, e.monthly_amount_fen, r.dibao_state, r.dibao_amount, r.dibao_failed
        FROM enrolments e JOIN natural_h USING (household_id) JOIN rh r USING (household_id)
        WHERE e.programme = 'dibao' AND e.person_id IS NULL
          AND (r.dibao_state <> 2 OR r.dibao_amount <> e.monthly_amount_fen OR r.dibao_failed & 63 <> 0)""").fetchall()
    assert wrong == []
    # 单人保: members enrolled alone where the household as a whole is not eligible; together the rules' amount,
    # or less when another member eligible alone did not take it up (listed 'unenrolled' with an ID number).
    wrong = db.execute("""
        WITH partly AS (SELECT DISTINCT household_no FROM planted
                        WHERE kind = 'unenrolled' AND programme = 'dibao' AND id_number IS NOT NULL)
        SELECT e.household_id, sum(e.monthly_amount_fen), any_value(r.dibao_amount), any_value(r.dibao_failed)
        FROM enrolments e JOIN natural_h n USING (household_id) JOIN rh r USING (household_id)
        WHERE e.programme = 'dibao' AND e.person_id IS NOT NULL
        GROUP BY e.household_id
        HAVING any_value(r.dibao_state) <> 2 OR any_value(r.dibao_failed) & 63 = 0
            OR CASE WHEN any_value(n.household_no) IN (SELECT household_no FROM partly)
                    THEN sum(e.monthly_amount_fen) >= any_value(r.dibao_amount)
                    ELSE sum(e.monthly_amount_fen) <> any_value(r.dibao_amount) END""").fetchall()
    assert wrong == []
    assert db.execute("""SELECT count(*) FROM (SELECT household_id FROM enrolments WHERE programme = 'dibao'
                         GROUP BY 1 HAVING count(*) FILTER (person_id IS NULL) > 0 AND count(*) > 1)""").fetchall() \
        == [(0,)]
    for programme in HOUSEHOLD:
        wrong = db.execute(f"""
            SELECT e.household_id FROM enrolments e JOIN natural_h USING (household_id) JOIN rh r USING (household_id)
            WHERE e.programme = '{programme}' AND (r.{programme}_state <> 2 OR e.monthly_amount_fen <> 0
                                                   OR e.person_id IS NOT NULL)""").fetchall()
        assert wrong == [], programme
    for programme in PERSON:
        wrong = db.execute(f"""
            SELECT e.person_id, e.monthly_amount_fen, r.{programme}_state, r.{programme}_amount
            FROM enrolments e JOIN natural_h USING (household_id) LEFT JOIN rp r USING (person_id)
            WHERE e.programme = '{programme}'
              AND (r.person_id IS NULL OR r.{programme}_state <> 2 OR r.{programme}_amount <> e.monthly_amount_fen
                   OR r.household_id <> e.household_id)""").fetchall()
        assert wrong == [], programme
    # One enrolment per household (or person) and programme.
    assert db.execute("""SELECT household_id, person_id, programme FROM enrolments GROUP BY ALL
                         HAVING count(*) > 1""").fetchall() == []


def test_every_natural_eligibility_is_enrolled_or_listed_as_unenrolled_and_nothing_else_is(rules):
    db = rules
    # Household programmes: the household is enrolled, or one 'unenrolled' row without a person.
    for programme in ("dibao", *HOUSEHOLD):
        missing = db.execute(f"""
            SELECT n.household_no FROM natural_h n JOIN rh r USING (household_id)
            WHERE r.{programme}_state = 2
              AND n.household_id NOT IN (SELECT household_id FROM enrolments WHERE programme = '{programme}')
              AND n.household_no NOT IN (SELECT household_no FROM planted
                                         WHERE kind = 'unenrolled' AND programme = '{programme}')""").fetchall()
        assert missing == [], programme
    for programme in PERSON:
        missing = db.execute(f"""
            SELECT r.id_number FROM rp r JOIN natural_h USING (household_id)
            WHERE r.{programme}_state = 2
              AND r.person_id NOT IN (SELECT person_id FROM enrolments
                                      WHERE programme = '{programme}' AND person_id IS NOT NULL)
              AND r.id_number NOT IN (SELECT id_number FROM planted
                                      WHERE kind = 'unenrolled' AND programme = '{programme}')""").fetchall()
        assert missing == [], programme
    # Each 'unenrolled' row: eligible under the rules and not enrolled in that programme.
    rows = db.execute("SELECT household_no, programme, id_number, expected FROM planted WHERE kind = 'unenrolled'"
                      ).fetchall()
    assert rows and {r[3] for r in rows} == {"eligible"}
    bad = db.execute("""
        SELECT t.household_no, t.programme, t.id_number FROM planted t JOIN natural_h n USING (household_no)
        JOIN rh r USING (household_id) LEFT JOIN rp p ON p.id_number = t.id_number
        WHERE t.kind = 'unenrolled' AND NOT CASE t.programme
            WHEN 'dibao' THEN r.dibao_state = 2 AND (t.id_number IS NULL) = (r.dibao_failed & 63 = 0)
            WHEN 'margin' THEN r.margin_state = 2 AND t.id_number IS NULL
            WHEN 'rigid_spending' THEN r.rigid_spending_state = 2 AND t.id_number IS NULL
            WHEN 'tekun' THEN p.tekun_state = 2
            WHEN 'disability_care' THEN p.disability_care_state = 2
            WHEN 'disability_living' THEN p.disability_living_state = 2
            WHEN 'orphan' THEN p.orphan_state = 2
            WHEN 'unsupported_child' THEN p.unsupported_child_state = 2 END""").fetchall()
    assert bad == []
    enrolled_anyway = db.execute("""
        SELECT t.household_no, t.programme FROM planted t JOIN natural_h n USING (household_no)
        JOIN enrolments e ON e.household_id = n.household_id AND e.programme = t.programme
        LEFT JOIN persons p ON p.id = e.person_id
        WHERE t.kind = 'unenrolled' AND (t.id_number IS NULL OR p.id_number = t.id_number
                                         OR (t.programme = 'dibao' AND e.person_id IS NULL))""").fetchall()
    assert enrolled_anyway == []
    # "Needs information" is never enrolled.
    for programme in PERSON:
        assert db.execute(f"""SELECT count(*) FROM enrolments e JOIN natural_h USING (household_id)
                              JOIN rp r USING (person_id) WHERE e.programme = '{programme}'
                              AND r.{programme}_state = 1""").fetchall() == [(0,)], programme


def test_take_up_is_about_90_percent(rules, snapshot):
    db = rules
    enrolled, unenrolled = db.execute("""
        SELECT (SELECT count(*) FROM enrolments WHERE household_id IN (SELECT household_id FROM natural_h)),
               (SELECT count(*) FROM planted WHERE kind = 'unenrolled')""").fetchall()[0]
    assert 0.87 <= enrolled / (enrolled + unenrolled) <= 0.93, (enrolled, unenrolled)
    _, summary = snapshot
    assert sum(summary.enrolments["natural"].values()) == enrolled
    assert sum(summary.enrolments["unenrolled"].values()) == unenrolled == summary.planted["unenrolled"]


def test_disability_living_subsidy_goes_with_the_dibao_it_rests_on(rules):
    db = rules
    orphans = db.execute("""
        SELECT e.person_id FROM enrolments e WHERE e.programme = 'disability_living'
          AND NOT EXISTS (SELECT 1 FROM enrolments d WHERE d.household_id = e.household_id AND d.programme = 'dibao'
                          AND (d.person_id IS NULL OR d.person_id = e.person_id))""").fetchall()
    assert orphans == []
    reasons = db.execute("""SELECT DISTINCT detail LIKE '%household has not taken up 低保%' FROM planted
                            WHERE kind = 'unenrolled' AND programme = 'disability_living'""").fetchall()
    assert reasons  # some living subsidies were missed, each because the 低保 was not taken up (or drawn so)


def test_work_injury_care_pay_keeps_people_off_the_severe_disability_care_subsidy(rules):
    """工伤保险生活护理费 does not stack with 重度残疾人护理补贴: the district has such people, none is enrolled
    in the subsidy or listed as missing it, while others of the same grades are enrolled."""
    db = rules
    rows = db.execute("""
        SELECT p.disability_grade, p.disability_category, date_diff('year', p.birth_date, DATE '2025-08-01'),
               r.disability_care_state,
               EXISTS (SELECT 1 FROM enrolments e WHERE e.person_id = m.person_id AND e.programme = 'disability_care'),
               EXISTS (SELECT 1 FROM planted t WHERE t.id_number = p.id_number AND t.programme = 'disability_care')
        FROM members m JOIN persons p ON p.id = m.person_id JOIN rp r ON r.person_id = m.person_id
        WHERE p.work_injury_care""").fetchall()
    assert len(rows) >= 3  # the rule is exercised
    for grade, category, age, state, enrolled, listed in rows:
        assert grade in (1, 2) and category in ("physical", "multiple") and age >= 17
        assert state != 2 and not enrolled and not listed
    others = db.execute("""
        SELECT count(*) FROM enrolments e JOIN persons p ON p.id = e.person_id
        WHERE e.programme = 'disability_care' AND p.disability_grade <= 2 AND p.work_injury_care IS NULL""").fetchall()
    assert others[0][0] > 0


def test_enrolment_dates_are_plausible(rules):
    db = rules
    rows = db.execute("""
        SELECT e.programme, e.start_date, e.last_review, e.end_date, p.birth_date, p.disability_valid_from
        FROM enrolments e LEFT JOIN persons p ON p.id = e.person_id""").fetchall()
    ref = dt.date(2025, 8, 31)
    for programme, start, review, end, birth, cert in rows:
        assert start.day == 1 and start <= ref and end is None, (programme, start)
        assert start <= review <= ref and (ref - review).days < 365, (programme, start, review)
        if birth is not None:
            assert start > birth, (programme, start, birth)
        if programme in ("disability_care", "disability_living") and cert is not None:
            assert start >= cert, (programme, start, cert)  # a certificate valid from this month counts this month
        if programme in ("margin", "rigid_spending"):
            assert start >= (dt.date(2023, 11, 1) if programme == "margin" else dt.date(2024, 10, 1))
    ids = [r[0] for r in db.execute("SELECT id FROM enrolments ORDER BY id").fetchall()]
    assert ids == list(range(1, len(ids) + 1))
    order = db.execute("SELECT household_id FROM enrolments ORDER BY id").fetchall()
    assert order == sorted(order)


def test_planted_households_keep_the_enrolments_they_were_built_with(rules):
    db = rules
    per_kind = dict(db.execute(f"""
        SELECT t.kind, list(DISTINCT (SELECT count(*) FROM enrolments e WHERE e.household_id = h.id
                                      AND e.programme = 'dibao' AND e.person_id IS NULL))
        FROM planted t JOIN households h USING (household_no) WHERE t.kind IN {PLANTED} GROUP BY 1""").fetchall())
    assert per_kind == {"entitled_unenrolled": [0], "boundary_on_line": [0], "boundary_fen_below": [0],
                        "enrolled_not_entitled": [1], "deceased_still_paid": [1]}
    # The wrongly enrolled are not entitled under the rules; the others are as built.
    states = dict(db.execute(f"""SELECT t.kind, list(DISTINCT r.dibao_state ORDER BY r.dibao_state)
                                 FROM planted t JOIN rh r USING (household_no) WHERE t.kind IN {PLANTED}
                                 GROUP BY 1""").fetchall())
    assert states == {"entitled_unenrolled": [2], "boundary_on_line": [0], "boundary_fen_below": [2],
                      "enrolled_not_entitled": [0], "deceased_still_paid": [2]}
    # No 'unenrolled' row for a planted household: their missing enrolments are the planted answer.
    assert db.execute(f"""SELECT count(*) FROM planted WHERE kind = 'unenrolled' AND household_no IN
                          (SELECT household_no FROM planted WHERE kind IN {PLANTED})""").fetchall() == [(0,)]


def test_deceased_members_households_are_paid_as_the_rules_decide_with_the_member_alive(rules, snapshot):
    db = rules
    out, _ = snapshot
    rows = db.execute("""
        SELECT t.household_no, t.expected, d.id_number, d.death_date, m.counted, e.monthly_amount_fen, r.dibao_amount,
               (SELECT max(date_diff('day', pp.birth_date, DATE '2025-08-31')) FROM members mm
                JOIN persons pp ON pp.id = mm.person_id WHERE mm.household_id = h.id AND mm.counted) AS oldest,
               date_diff('day', p.birth_date, DATE '2025-08-31') AS age,
               (SELECT count(*) FROM differences x WHERE x.item = 'death' AND x.id_number = d.id_number)
        FROM planted t JOIN households h USING (household_no) JOIN rh r USING (household_no)
        JOIN members m ON m.household_id = h.id JOIN persons p ON p.id = m.person_id
        JOIN dep_deaths d ON d.id_number = p.id_number
        JOIN enrolments e ON e.household_id = h.id AND e.programme = 'dibao' AND e.person_id IS NULL
        WHERE t.kind = 'deceased_still_paid'""").fetchall()
    planted_count = db.execute("SELECT count(*) FROM planted WHERE kind = 'deceased_still_paid'").fetchall()[0][0]
    assert len(rows) == planted_count > 0
    assert len(rows) == db.execute("SELECT count(*) FROM dep_deaths").fetchall()[0][0]
    for no, _expected, _idn, died, counted, paid, due, oldest, age, recorded in rows:
        assert counted and paid == due and age == oldest and recorded == 1, no
        assert 20 <= (dt.date(2025, 8, 31) - died).days <= 180, no
    # Their answer once the death is known: the rules on the registry with the death date set.
    con = connect(out)
    con.register("deaths", db.sql("SELECT d.id_number, d.death_date FROM dep_deaths d").to_arrow_table())
    known = con.sql("SELECT p.id AS person_id, d.death_date FROM persons p JOIN deaths d USING (id_number)"
                    ).to_arrow_table()
    dying = [r[0] for r in con.execute("SELECT DISTINCT m.household_id FROM members m JOIN persons p "
                                       "ON p.id = m.person_id JOIN deaths d ON d.id_number = p.id_number").fetchall()]
    con.close()
    with Population(out, MONTH, Scope(household_ids=tuple(dying)), deaths=known) as population:
        population.prepare()
        p, h = population.fetch()
    after, _, _ = evaluate_chunk(p, h, MONTH)
    state = dict(zip(after["household_no"].to_pylist(), after["dibao_state"].to_pylist(), strict=True))
    for no, expected, *_ in rows:
        assert expected == ("eligible" if state.get(no, 0) == 2 else "not_eligible"), no


def test_planted_enrolment_rows_are_exactly_those_built_before_the_pass(tmp_path, monkeypatch):
    """Generated twice, once with the pass replaced by nothing: the planted households' rows are the same."""
    args = dict(district="500111", households=1_500, seed=21, chunk_households=1_000)
    full = generate(out_dir=tmp_path / "full", **args)

    def skip(out_dir, month, seed, take_up, death_share, **_):
        return EnrolmentSummary(enrolments=pq.read_metadata(out_dir / "registry" / "enrolments.parquet").num_rows,
                                truth_rows=pq.read_metadata(out_dir / "truth" / "planted.parquet").num_rows)

    monkeypatch.setattr(generate_module, "enrol_by_rules", skip)
    generate(out_dir=tmp_path / "built", **args)
    con = duckdb.connect()
    rows = {}
    planted_file = tmp_path / "full" / "truth" / "planted.parquet"
    for name in ("full", "built"):
        root = tmp_path / name
        rows[name] = con.execute(f"""
            SELECT h.household_no, p.id_number, e.programme, e.monthly_amount_fen, e.start_date, e.last_review
            FROM read_parquet('{root / 'registry' / 'enrolments.parquet'}') e
            JOIN read_parquet('{root / 'registry' / 'households.parquet'}') h ON h.id = e.household_id
            LEFT JOIN read_parquet('{root / 'registry' / 'persons.parquet'}') p ON p.id = e.person_id
            WHERE h.household_no IN (SELECT household_no FROM read_parquet('{planted_file}')
                                     WHERE kind IN ('entitled_unenrolled', 'enrolled_not_entitled',
                                                    'boundary_on_line', 'boundary_fen_below'))
            ORDER BY ALL""").fetchall()
    assert rows["full"] == rows["built"]
    assert sum(r[2] == "dibao" for r in rows["full"]) == full.planted["enrolled_not_entitled"]
    # The pass over the built snapshot in many small parts and chunks gives the same files as in one piece.
    for name, sizes in (("one", {}), ("many", dict(part_households=400, chunk_households=170))):
        shutil.copytree(tmp_path / "built", tmp_path / name)
        enrol_by_rules(tmp_path / name, "2025-08", 21, 0.9, 0.03, **sizes)
        assert not (tmp_path / name / "enrol_by_rules.tmp").exists()
    for rel in ("registry/enrolments.parquet", "truth/planted.parquet", "truth/differences.parquet",
                "departments/deaths.parquet"):
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "many" / rel).read_bytes() \
            == (tmp_path / "full" / rel).read_bytes(), rel


def test_take_up_draws_depend_on_seed_programme_and_id_only():
    keys = np.arange(1, 200_001)
    u = uniform(7, "dibao", keys)
    assert (u >= 0).all() and (u < 1).all() and abs(u.mean() - 0.5) < 0.005
    assert (uniform(7, "dibao", keys[::-1])[::-1] == u).all()  # no dependence on order or batch
    assert (uniform(7, "dibao", keys[:10]) == u[:10]).all()
    assert (uniform(8, "dibao", keys) != u).mean() > 0.99 and (uniform(7, "tekun", keys) != u).mean() > 0.99
