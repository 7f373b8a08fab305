"""The district resembles the reference figures of domain.md §9 within stated tolerances (5,000 households)."""

from __future__ import annotations

import pytest

REF = "DATE '2025-08-31'"
AGE = f"(date_diff('year', birth_date, {REF}) - CASE WHEN strftime(birth_date, '%m%d') > '0831' THEN 1 ELSE 0 END)"
ALL_INCOME = ("coalesce(wages,0)+coalesce(business_net,0)+coalesce(property_net,0)+coalesce(transfer_net,0)"
              "+coalesce(pension,0)+coalesce(unemployment_benefit,0)+coalesce(youfu,0)+coalesce(family_planning,0)"
              "+coalesce(award,0)+coalesce(assistance,0)+coalesce(basic_pension_central,0)")


def test_share_aged_65_and_over_is_17_percent_within_2_points(db):
    share = db.execute(f"SELECT avg(CASE WHEN {AGE} >= 65 THEN 1.0 ELSE 0 END) FROM persons").fetchone()[0]
    assert 0.15 <= share <= 0.19, share


def test_disability_certificates_6_percent_within_1_5_points_more_grade_3_4_than_1_2(db):
    share = db.execute("SELECT avg(CASE WHEN disability_grade IS NOT NULL THEN 1.0 ELSE 0 END) "
                       "FROM persons").fetchone()[0]
    assert 0.045 <= share <= 0.075, share
    severe, mild = db.execute("SELECT count(*) FILTER (disability_grade <= 2), count(*) FILTER (disability_grade >= 3) "
                              "FROM persons").fetchone()
    assert mild > severe > 0
    cats = {r[0] for r in db.execute("SELECT DISTINCT disability_category FROM persons "
                                     "WHERE disability_category IS NOT NULL").fetchall()}
    assert cats <= {"visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"}
    assert db.execute("SELECT count(*) FROM persons WHERE disability_grade IS NOT NULL AND "
                      "(disability_valid_to < disability_valid_from "
                      "OR disability_certificate IS NULL)").fetchone()[0] == 0


@pytest.mark.parametrize("urban, reference", [(True, 47_000), (False, 20_800)])
def test_per_capita_disposable_income_within_15_percent_of_the_reference(db, urban, reference):
    """All income categories of all members over the 12 months, per person, in yuan a year."""
    per_capita = db.execute(f"""
        WITH tot AS (SELECT m.household_id, sum({ALL_INCOME}) AS s FROM incomes i JOIN members m USING (person_id)
                     GROUP BY 1),
             size AS (SELECT household_id, count(*) AS n FROM members GROUP BY 1)
        SELECT sum(coalesce(tot.s, 0)) / 100.0 / sum(size.n)
        FROM households h JOIN size ON size.household_id = h.id LEFT JOIN tot ON tot.household_id = h.id
        WHERE h.urban = {urban}""").fetchone()[0]
    assert reference * 0.85 <= per_capita <= reference * 1.15, per_capita


def test_dazu_is_mostly_rural_40_percent_urban_within_3_points(db):
    share = db.execute("SELECT avg(urban::INT) FROM households").fetchone()[0]
    assert 0.37 <= share <= 0.43


def test_household_shapes_range_from_single_elderly_to_three_generations(db):
    sizes = dict(db.execute("SELECT n, count(*) FROM (SELECT household_id, count(*) n FROM members GROUP BY 1) "
                            "GROUP BY 1").fetchall())
    assert sizes[1] > 0 and sizes[2] > 0 and sizes[5] > 0
    relations = {r[0] for r in db.execute("SELECT DISTINCT relation FROM members").fetchall()}
    assert relations == {"head", "spouse", "child", "grandchild", "parent"}
    heads = db.execute("SELECT count(*) FROM members WHERE relation = 'head'").fetchone()[0]
    assert heads == db.execute("SELECT count(*) FROM households").fetchone()[0]
    excluded = db.execute("SELECT count(*) FILTER (NOT counted), count(*) FILTER (NOT counted AND "
                          "exclusion_reason IS NULL) FROM members").fetchone()
    assert excluded[0] > 0 and excluded[1] == 0


def test_self_care_is_assessed_for_the_elderly_and_disabled_and_most_manage_everything(db):
    rows = db.execute(f"""SELECT count(*) FILTER (care_assessed_on IS NULL
                                        AND ({AGE} >= 60 OR disability_grade IS NOT NULL)),
        avg(CASE WHEN can_eating AND can_dressing AND can_transfer AND can_toileting AND can_indoor_walking
                 AND can_bathing THEN 1.0 ELSE 0 END) FILTER (care_assessed_on IS NOT NULL)
        FROM persons""").fetchone()
    assert rows[0] == 0
    assert 0.6 <= rows[1] <= 0.95


def test_major_illness_a_few_percent(db):
    share = db.execute("SELECT avg(major_illness::INT) FROM persons").fetchone()[0]
    assert 0.01 <= share <= 0.05


def test_only_an_elder_with_an_able_child_elsewhere_receives_support_from_children(db):
    """transfer_net of a head without grandchildren in the household is a child's support: never without an able
    child (supporter row). Grandparents raising grandchildren receive the migrant parents' money instead."""
    receiving, without_able_child = db.execute("""
        WITH heads AS (
            SELECT m.person_id FROM members m WHERE m.relation = 'head' AND NOT EXISTS (
                SELECT 1 FROM members g WHERE g.household_id = m.household_id AND g.relation = 'grandchild')),
        paid AS (SELECT DISTINCT person_id FROM incomes WHERE transfer_net > 0)
        SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM supporters s WHERE s.person_id = h.person_id AND s.status = 'able'))
        FROM heads h JOIN paid USING (person_id)""").fetchone()
    assert receiving > 100 and without_able_child == 0, (receiving, without_able_child)


def test_tekun_is_mostly_rural(db):
    """Nationally 4.47 of 4.78 million 特困 people were rural at the end of 2020 (docs/synthetic-data.md): per
    resident, 特困 are far more common in the villages."""
    rural, urban = db.execute("""
        SELECT avg(CASE WHEN e.person_id IS NOT NULL THEN 1.0 ELSE 0 END) FILTER (WHERE NOT h.urban),
               avg(CASE WHEN e.person_id IS NOT NULL THEN 1.0 ELSE 0 END) FILTER (WHERE h.urban)
        FROM members m JOIN households h ON h.id = m.household_id
        LEFT JOIN enrolments e ON e.person_id = m.person_id AND e.programme = 'tekun'""").fetchone()
    assert rural > 2 * urban > 0, (rural, urban)
