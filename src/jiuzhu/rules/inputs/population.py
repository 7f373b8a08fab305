"""The rules' inputs for a whole population, computed by DuckDB from a registry Parquet snapshot.

This is ``jiuzhu.rules.inputs.documents`` (the reference, one household document at a time) written as SQL
over columns, for millions of people. A property test holds the two equal on random households
and on the synthetic district: same window, same rounding (half up to the fen), same unknowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.registry.codes import COUNTED_INCOME
from jiuzhu.registry.parquet import OPTIONAL_TABLES, REGISTRY_TABLES, registry_schema
from jiuzhu.rules import law
from jiuzhu.rules.inputs.documents import (
    CAP_FEN,
    DISABILITY_CATEGORIES,
    INCOME_VARIABLES,
    PARENT_STATUSES,
    month_end,
    month_start,
    previous_months,
)

TABLES = REGISTRY_TABLES
SUPPORTER_TO_PARENT = {"able": "present", "deceased": "deceased", "missing": "missing", "prison": "imprisoned",
                       "incapacitated": "severely_disabled", "severely_disabled": "severely_disabled",
                       "seriously_ill": "seriously_ill", "guardianship_revoked": "guardianship_revoked",
                       "deported": "deported", "tekun_or_dibao_aged_60": "present",
                       "aged_70_or_disabled_low_income": "present"}


@dataclass(frozen=True)
class Window:
    month: str
    start: str
    end: str
    window: tuple[str, ...]
    last12: tuple[str, ...]

    @classmethod
    def of(cls, month: str) -> "Window":
        n = int(law.value("dibao.income.lookback_months", month))
        return cls(month, str(month_start(month)), str(month_end(month)), tuple(previous_months(month, n)),
                   tuple(previous_months(month, 12)))


def connect(snapshot: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per registry table of the snapshot."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {threads}")
    for table in TABLES:
        path = Path(snapshot) / "registry" / f"{table}.parquet"
        schema = registry_schema(table)
        if not path.exists() and table in OPTIONAL_TABLES:  # an older snapshot: no rows of this table
            con.register(f"{table}_empty", schema.empty_table())
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM {table}_empty")
        elif set(schema.names) - set(pq.read_schema(path).names):
            # An older snapshot, written before some columns existed: they read as NULL (not known).
            con.register(f"{table}_empty", schema.empty_table())
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}') "
                        f"UNION ALL BY NAME SELECT * FROM {table}_empty")
        else:
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return con


# The person columns the inputs read (the rest of ``persons`` is never copied into the scan's tables).
PERSON_COLUMNS = ("sex", "birth_date", "death_date", "hukou_chongqing", "school_level",
                  "major_illness", "disability_category", "disability_grade", "disability_valid_from",
                  "disability_valid_to", "can_eating", "can_dressing", "can_transfer", "can_toileting",
                  "can_indoor_walking", "can_bathing", "in_institution", "work_injury_care")


def _month_day(day: str) -> int:
    return int(day[5:7]) * 100 + int(day[8:10])


def _month_number(expression: str) -> str:
    """SQL for year × 12 + month of a 'YYYY-MM' expression."""
    return f"(CAST(substr({expression}, 1, 4) AS INTEGER) * 12 + CAST(substr({expression}, 6, 2) AS INTEGER))"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _case(column: str, mapping: dict[str, int], default: int) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def prepare(con: duckdb.DuckDBPyConnection, month: str, where: str = "TRUE",
            bounds: tuple[int, int, int, int] | None = None) -> None:
    """Create the temporary tables ``scan_households``, ``scan_persons`` and ``scan_household_inputs``.

    ``where`` filters households (SQL on ``h``), e.g. ``h.area_code LIKE '500111119%'``. ``bounds``
    (first and last household id, first and last person id) lets DuckDB skip the Parquet row groups
    outside a part of the population: a scan in parts reads each table once in all, not once per part.
    """
    w = Window.of(month)
    n = len(w.window)
    hb, pb = ("TRUE", "TRUE") if bounds is None else (f"BETWEEN {bounds[0]} AND {bounds[1]}",
                                                      f"BETWEEN {bounds[2]} AND {bounds[3]}")
    hb_id, pb_id = ("TRUE", "TRUE") if bounds is None else (f"h.id {hb}", f"person_id {pb}")
    complete = " AND ".join(f"{c} IS NOT NULL" for c in COUNTED_INCOME)
    sums = ", ".join(f"sum(coalesce({c}, 0)) AS {c}" for c in COUNTED_INCOME)
    avgs = ", ".join(
        f"CAST(floor((2 * coalesce(i.{c}, 0) + {n}) / {2 * n}) AS INTEGER) AS {INCOME_VARIABLES[c]}"
        for c in COUNTED_INCOME)
    category = _case("p.disability_category", {c: i for i, c in enumerate(DISABILITY_CATEGORIES)}, 0)
    parent_of = _case("s.status", {k: PARENT_STATUSES.index(v) for k, v in SUPPORTER_TO_PARENT.items()},
                      PARENT_STATUSES.index("unknown"))
    care = " + ".join(f"CAST(NOT p.can_{a} AS INTEGER)" for a in
                      ("eating", "dressing", "transfer", "toileting", "indoor_walking", "bathing"))
    unknown, deceased = PARENT_STATUSES.index("unknown"), PARENT_STATUSES.index("deceased")
    present = PARENT_STATUSES.index("present")
    excluded = _case("m.exclusion_reason", {"prison": PARENT_STATUSES.index("imprisoned"),
                                            "compulsory_rehab": PARENT_STATUSES.index("imprisoned"),
                                            "missing": PARENT_STATUSES.index("missing")}, present)
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE scan_members AS
    SELECT m.household_id, m.person_id, m.position, m.relation, m.counted, m.exclusion_reason,
           {", ".join("p." + c for c in PERSON_COLUMNS)},
           (p.death_date IS NOT NULL AND p.death_date <= DATE '{w.end}') AS dead,
           -- whole years; month * 100 + day compares dates within a year without formatting strings
           year(DATE '{w.end}') - year(p.birth_date)
             - CAST(month(p.birth_date) * 100 + day(p.birth_date) > {_month_day(w.end)} AS INTEGER) AS age
    FROM members m JOIN persons p ON p.id = m.person_id
    WHERE {"TRUE" if bounds is None else f"m.person_id {pb} AND p.id {pb} AND m.household_id {hb}"};

    CREATE OR REPLACE TEMP TABLE scan_households AS
    SELECT row_number() OVER (ORDER BY h.id) - 1 AS household_row, h.id AS household_id, h.household_no,
           h.area_code, h.urban,
           coalesce(h.declared_on >= DATE '{w.start}', FALSE) AS declared
    FROM households h
    WHERE ({where}) AND {hb_id} AND EXISTS (SELECT 1 FROM scan_members x WHERE x.household_id = h.id AND NOT x.dead);

    CREATE OR REPLACE TEMP TABLE scan_income AS
    SELECT person_id, count(*) FILTER (WHERE {complete}) AS complete_months, {sums}
    FROM incomes WHERE month IN {_in(w.window)} AND {pb_id} GROUP BY person_id;

    CREATE OR REPLACE TEMP TABLE scan_persons AS
    WITH household_facts AS (  -- one pass over the members for every household-level fact
        SELECT household_id,
               max(CASE WHEN relation IN ('head', 'spouse') AND sex = 'M' THEN s END) AS father,
               max(CASE WHEN relation IN ('head', 'spouse') AND sex = 'F' THEN s END) AS mother,
               coalesce(bool_or(relation = 'child' AND able), FALSE) AS able_child,
               coalesce(bool_or(relation = 'head' AND able), FALSE) AS able_head,
               coalesce(bool_or(relation IN ('head', 'spouse') AND counted AND NOT dead), FALSE) AS parent_present
        FROM (SELECT household_id, relation, sex, counted, dead,
                     CASE WHEN dead THEN {deceased} WHEN counted THEN {present}
                          ELSE {excluded.replace('m.', '')} END AS s,
                     counted AND NOT dead AND age >= 18 AND age < 60
                       AND NOT coalesce(disability_grade <= 2, FALSE) AS able
              FROM scan_members)
        GROUP BY household_id),
    parent_rows AS (
        SELECT s.person_id, {parent_of} AS status,
               CASE WHEN s.id_number IS NULL THEN 'unnamed'
                    WHEN CAST(substr(s.id_number, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END AS kind,
               row_number() OVER (PARTITION BY s.person_id,
                   CASE WHEN s.id_number IS NULL THEN 'unnamed'
                        WHEN CAST(substr(s.id_number, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END
                   ORDER BY s.id) AS k
        FROM supporters s WHERE s.relation = 'parent' AND {pb_id}),
    parent_pick AS (
        SELECT person_id,
               max(status) FILTER (WHERE kind = 'male' AND k = 1) AS male1,
               max(status) FILTER (WHERE kind = 'female' AND k = 1) AS female1,
               max(status) FILTER (WHERE kind = 'unnamed' AND k = 1) AS unnamed1,
               max(status) FILTER (WHERE kind = 'unnamed' AND k = 2) AS unnamed2
        FROM parent_rows GROUP BY person_id),
    person_facts AS (  -- one aggregate over every per-person fact table, joined once
        SELECT person_id, sum(assets) AS assets, bool_or(car) AS car, count(home) AS homes, sum(home) AS area,
               sum(capital) AS capital, bool_or(able_supporter) AS able_supporter, bool_or(supporter) AS supporter
        FROM (SELECT person_id, amount_fen AS assets, NULL::BOOLEAN AS car, NULL::DECIMAL(18, 2) AS home,
                     NULL::BIGINT AS capital, NULL::BOOLEAN AS able_supporter, NULL::BOOLEAN AS supporter
              FROM financial_assets WHERE {pb_id}
              UNION ALL SELECT person_id, NULL, NOT mobility_for_disabled, NULL, NULL, NULL, NULL
              FROM vehicles WHERE {pb_id}
              UNION ALL SELECT person_id, NULL, NULL, coalesce(floor_area_m2, 0), NULL, NULL, NULL
              FROM real_estate WHERE use = 'residential' AND {pb_id}
              UNION ALL SELECT person_id, NULL, NULL, NULL, registered_capital_fen, NULL, NULL
              FROM businesses WHERE {pb_id}
              UNION ALL SELECT person_id, NULL, NULL, NULL, NULL, status = 'able', TRUE
              FROM supporters WHERE {pb_id})
        GROUP BY person_id)
    SELECT h.household_row, m.position, m.person_id,
           m.birth_date, m.counted AS is_counted_member, {avgs},
           h.declared OR coalesce(i.complete_months, 0) = {n} AS income_known,
           CAST(least(coalesce(pf.assets, 0), {CAP_FEN}) AS INTEGER) AS financial_assets,
           h.declared AS assets_known,
           coalesce(pf.car, FALSE) AS owns_motor_vehicle,
           h.declared OR coalesce(pf.car, FALSE) AS vehicles_known,
           CAST(coalesce(pf.homes, 0) AS INTEGER) AS residential_properties,
           CAST(coalesce(pf.area, 0) AS DOUBLE) AS residential_floor_area,
           h.declared AS property_known,
           CAST(least(coalesce(pf.capital, 0), {CAP_FEN}) AS INTEGER) AS business_capital,
           h.declared AS business_known,
           CASE WHEN m.disability_category IS NOT NULL
                 AND (m.disability_valid_from IS NULL OR m.disability_valid_from <= DATE '{w.end}')
                 AND (m.disability_valid_to IS NULL OR m.disability_valid_to >= DATE '{w.start}')
                THEN CAST(m.disability_grade AS INTEGER) ELSE 0 END AS disability_grade,
           CAST(CASE WHEN m.disability_category IS NOT NULL
                 AND (m.disability_valid_from IS NULL OR m.disability_valid_from <= DATE '{w.end}')
                 AND (m.disability_valid_to IS NULL OR m.disability_valid_to >= DATE '{w.start}')
                THEN {category.replace('p.', 'm.')} ELSE 0 END AS SMALLINT) AS disability_category,
           coalesce(m.major_illness, FALSE) AS major_illness,
           m.major_illness IS NOT NULL AS major_illness_known,
           m.can_eating IS NOT NULL AS self_care_assessed,
           CAST(CASE WHEN m.can_eating IS NULL THEN 0 ELSE {care.replace('p.', 'm.')} END AS INTEGER)
             AS self_care_failed_activities,
           m.school_level IS NOT NULL AS in_school,
           coalesce(m.in_institution, FALSE) AS in_institution,
           coalesce(m.work_injury_care, FALSE) AS receives_work_injury_care,
           coalesce(m.hukou_chongqing, FALSE) AS hukou_chongqing,
           m.hukou_chongqing IS NOT NULL AS hukou_known,
           coalesce(pf.able_supporter, FALSE)
             OR (m.relation IN ('head', 'spouse') AND hf.able_child)
             OR (m.relation = 'parent' AND hf.able_head)
             OR (m.relation = 'child' AND m.age < 18 AND hf.parent_present) AS has_able_supporter,
           coalesce(pf.supporter, FALSE)
             OR (m.relation IN ('head', 'spouse') AND hf.able_child)
             OR (m.relation = 'parent' AND hf.able_head)
             OR (m.relation = 'child' AND m.age < 18 AND hf.parent_present)
             OR h.declared AS supporters_known,
           CAST(coalesce(CASE WHEN m.relation = 'child' THEN hf.father END, pk.male1, pk.unnamed1, {unknown})
                AS SMALLINT) AS father_status,
           CAST(coalesce(CASE WHEN m.relation = 'child' THEN hf.mother END, pk.female1,
                         CASE WHEN (CASE WHEN m.relation = 'child' THEN hf.father END) IS NULL AND pk.male1 IS NULL
                              THEN pk.unnamed2 ELSE pk.unnamed1 END, {unknown}) AS SMALLINT) AS mother_status
    FROM scan_members m
    JOIN scan_households h ON h.household_id = m.household_id
    JOIN household_facts hf ON hf.household_id = m.household_id
    LEFT JOIN scan_income i ON i.person_id = m.person_id
    LEFT JOIN person_facts pf ON pf.person_id = m.person_id
    LEFT JOIN parent_pick pk ON pk.person_id = m.person_id
    WHERE NOT m.dead;
    """)
    bound = "TRUE" if bounds is None else f"household_id {hb}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE scan_household_inputs AS {household_inputs_sql(month, bound)}")


def household_inputs_sql(month: str, bound: str = "TRUE") -> str:
    """The household inputs (after ``prepare`` made ``scan_households``); ``bound`` prunes by household id."""
    w = Window.of(month)
    n = len(w.window)
    return f"""
    WITH rigid AS (
        SELECT household_id,
               sum(amount_fen) FILTER (WHERE month IN {_in(w.window)} AND category IN ('medical', 'rehabilitation'))
                 AS deductible,
               sum(amount_fen) FILTER (WHERE month IN {_in(w.last12)}) AS last12,
               sum(amount_fen) FILTER (WHERE month = '{w.month}') AS this_month,
               count(*) AS listed
        FROM rigid_spending WHERE {bound} GROUP BY household_id),
    dibao AS (
        SELECT household_id, TRUE AS enrolled,
               sum(monthly_amount_fen) FILTER (WHERE person_id IS NULL) AS amount,
               max({_month_number(f"'{w.month}'")} - {_month_number('taper_from')} + 1)
                 FILTER (WHERE person_id IS NULL AND taper_from <= '{month}') AS taper_months
        FROM enrolments
        WHERE {bound} AND programme = 'dibao' AND start_date <= DATE '{w.end}'
          AND (end_date IS NULL OR end_date >= DATE '{w.start}')
        GROUP BY household_id),
    emergency AS (
        SELECT household_id, sum(need_fen) AS need FROM emergencies
        WHERE {bound} AND occurred_on BETWEEN DATE '{w.start}' AND DATE '{w.end}' GROUP BY household_id)
    SELECT h.household_row, h.household_id, h.household_no, h.area_code,
           h.urban AS is_urban,
           CAST(floor((2 * coalesce(r.deductible, 0) + {n}) / {2 * n}) AS INTEGER) AS rigid_medical_rehabilitation,
           CAST(coalesce(r.last12, 0) AS INTEGER) AS rigid_spending_12_months,
           CAST(coalesce(r.this_month, 0) AS INTEGER) AS rigid_spending_this_month,
           h.declared OR coalesce(r.listed, 0) > 0 AS rigid_spending_known,
           coalesce(d.enrolled, FALSE) AS dibao_enrolled,
           CAST(coalesce(d.amount, 0) AS INTEGER) AS dibao_current_amount,
           CAST(coalesce(d.taper_months, 0) AS INTEGER) AS months_above_line_through_work,
           CAST(least(coalesce(e.need, 0), {CAP_FEN}) AS INTEGER) AS emergency_need
    FROM scan_households h
    LEFT JOIN rigid r ON r.household_id = h.household_id
    LEFT JOIN dibao d ON d.household_id = h.household_id
    LEFT JOIN emergency e ON e.household_id = h.household_id
    ORDER BY h.household_row
    """


def fetch(con: duckdb.DuckDBPyConnection, month: str, first_row: int = 0, last_row: int | None = None
          ) -> tuple[pa.Table, pa.Table]:
    """(persons, households) inputs for household rows ``first_row`` ≤ row < ``last_row``, rows renumbered."""
    last = last_row if last_row is not None else 2**62
    persons = con.sql(
        f"SELECT * EXCLUDE (position) REPLACE (household_row - {first_row} AS household_row) FROM scan_persons "
        f"WHERE household_row >= {first_row} AND household_row < {last} ORDER BY household_row, position"
    ).to_arrow_table()
    households = con.sql(
        f"SELECT * REPLACE (household_row - {first_row} AS household_row) FROM scan_household_inputs "
        f"WHERE household_row >= {first_row} AND household_row < {last} ORDER BY household_row"
    ).to_arrow_table()
    return persons, households


def write_prepared(con: duckdb.DuckDBPyConnection, month: str, out_dir: Path) -> tuple[Path, Path]:
    """Write the prepared inputs as Parquet (after ``prepare``), each row tagged with its township:
    ``inputs_persons.parquet`` and ``inputs_households.parquet``. A distributed scan reads these."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    persons, households = out_dir / "inputs_persons.parquet", out_dir / "inputs_households.parquet"
    con.execute(f"""COPY (SELECT substr(h.area_code, 1, 9) AS township, p.* FROM scan_persons p
                          JOIN scan_households h USING (household_row) ORDER BY p.household_row, p.position)
                    TO '{persons}' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT substr(area_code, 1, 9) AS township, * FROM scan_household_inputs)
                    TO '{households}' (FORMAT parquet)""")
    return persons, households
