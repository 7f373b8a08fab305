"""The rules' inputs for a whole population, computed by DuckDB from a registry Parquet snapshot.

This is ``documents`` (the reference, one household document at a time) written as SQL over columns, for
millions of people; what both share is defined once in ``facts``. A property test holds the two equal on
random households and on the synthetic district: same window, same rounding (half up to the fen), same
unknowns, same dated facts, same supporters.

    chunks(snapshot, month, Scope(area="500111119"), system=reform)   the population in household-aligned
                                                                    chunks: (persons, households) tables
    Population(snapshot, month, scope)                              the same in steps, for the scan: parts,
                                                                    prepare, fingerprints, fetch

No caller writes SQL: the households are chosen by a ``Scope`` given as values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.registry.areas import check_code, prefix
from jiuzhu.registry.codes import COUNTED_INCOME, Programme, PropertyUse, Relation, Sex, SupporterStatus
from jiuzhu.registry.parquet import OPTIONAL_TABLES, REGISTRY_TABLES, registry_schema
from jiuzhu.rules.inputs import facts as f
from jiuzhu.rules.inputs.tables import CHUNK_HOUSEHOLDS, ROW, slices

TABLES = REGISTRY_TABLES
PART_HOUSEHOLDS = 400_000  # households prepared at once by DuckDB: bounded memory at any size (docs/performance.md)
SCOPE_IDS = "scope_household_ids"
PERSONS, HOUSEHOLDS = "scan_persons", "scan_household_inputs"  # the prepared inputs, Arrow tables read by DuckDB
FINGERPRINTED = "scan_fingerprinted"


@dataclass(frozen=True)
class Scope:
    """Which households: those of an area (a district, township or village code: every code under it),
    of some townships (9-digit codes), of some household ids; each left out means "all". Given together,
    all must hold."""

    area: str | None = None
    townships: tuple[str, ...] | None = None
    household_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for code in ([self.area] if self.area else []) + list(self.townships or ()):
            check_code(code)  # also what keeps the SQL the codes go into safe


@dataclass(frozen=True)
class Part:
    """A part of the population by household id (and the person ids of its members), so that DuckDB reads
    only the Parquet row groups of the part."""

    first_household: int
    last_household: int
    first_person: int
    last_person: int


def connect(snapshot: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per registry table of the snapshot."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
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
PERSON_COLUMNS = ("sex", "birth_date", "death_date", "hukou_chongqing", "school_level", "major_illness",
                  "disability_category", "disability_grade", "disability_valid_from", "disability_valid_to",
                  "care_assessed_on", *f.CARE_COLUMNS, "in_institution", "work_injury_care")


@dataclass
class Population:
    """A snapshot opened for one month and scope: prepare the inputs part by part and fetch them.

    ``system``: the tax-benefit system whose parameters the inputs read (default: the baseline).
    ``deaths``: a table (person_id, death_date) of deaths to take as known, over the registry's.
    """

    snapshot: Path
    month: str
    scope: Scope = field(default_factory=Scope)
    system: object = None
    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: Path | None = None
    deaths: pa.Table | None = None

    def __post_init__(self) -> None:
        self._prepared: tuple[pa.Table, pa.Table] | None = None  # (persons, households) of the last ``prepare``
        self.parameters = f.InputParameters.of(self.month, self.system)
        self.connection = connect(self.snapshot, self.threads)
        if self.memory_limit:
            self.connection.execute(f"SET memory_limit = '{self.memory_limit}'")
        if self.temp_directory:
            self.connection.execute(f"SET temp_directory = '{self.temp_directory}'")
        if self.scope.household_ids is not None:
            self.connection.register(SCOPE_IDS, pa.table({"id": pa.array(self.scope.household_ids, pa.int64())}))
        if self.deaths is not None:
            self.connection.register("known_deaths", self.deaths)
            path = Path(self.snapshot) / "registry" / "persons.parquet"
            self.connection.execute(f"""CREATE OR REPLACE VIEW persons AS
                SELECT p.* REPLACE (coalesce(d.death_date, p.death_date) AS death_date)
                FROM read_parquet('{path}') p LEFT JOIN known_deaths d ON d.person_id = p.id""")

    def __enter__(self) -> Population:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def interrupt(self) -> None:
        self.connection.interrupt()

    def households(self) -> int:
        """How many households the scope holds (with or without a living member)."""
        return self.connection.execute(f"SELECT count(*) FROM households h WHERE {self._where()}").fetchall()[0][0]

    def parts(self, households_per_part: int = PART_HOUSEHOLDS, *, taper_to: int | None = None) -> list[Part]:
        """Parts of at most ``households_per_part`` households of the scope, by household id (sizes:
        ``part_sizes``). Ids follow the order households were registered, so a part's rows sit together in
        the Parquet files."""
        # As numbers, not Python tuples: a list of 11 million tuples took seconds before the scan could start.
        ids = self.connection.execute(
            f"SELECT h.id FROM households h WHERE {self._where()} ORDER BY h.id").fetchnumpy()["id"]
        out, first = [], 0
        for size in part_sizes(len(ids), households_per_part, taper_to):
            lo, hi = int(ids[first]), int(ids[first + size - 1])
            first += size
            plo, phi = self.connection.execute(f"SELECT min(person_id), max(person_id) FROM members "
                                               f"WHERE household_id BETWEEN {lo} AND {hi}").fetchall()[0]
            out.append(Part(lo, hi, plo if plo is not None else 0, phi if phi is not None else -1))
        return out

    def _where(self) -> str:
        s = self.scope
        terms = ["TRUE"]
        if s.area:
            terms.append(f"starts_with(h.area_code, '{prefix(s.area)}')")  # 500000 is every 50…: areas.prefix
        if s.townships is not None:
            terms.append(f"substr(h.area_code, 1, 9) IN {f.sql_in(s.townships) if s.townships else '(NULL)'}")
        if s.household_ids is not None:
            terms.append(f"h.id IN (SELECT id FROM {SCOPE_IDS})")
        return " AND ".join(terms)

    def prepare(self, part: Part | None = None) -> None:
        """Prepare the inputs of the scope (within ``part``, if given): the persons' and the households' inputs
        as Arrow tables in household order, which DuckDB reads as ``scan_persons`` and ``scan_household_inputs``
        (beside the temporary table ``scan_households``)."""
        if self._prepared is not None:  # the part before: not held here while this part is prepared
            for name in (PERSONS, HOUSEHOLDS):
                self.connection.unregister(name)
            self._prepared = None
        self._prepared = _prepare(self.connection, self.parameters, self._where(), part)
        for name, table in zip((PERSONS, HOUSEHOLDS), self._prepared, strict=True):
            self.connection.register(name, table)

    def fetch(self) -> tuple[pa.Table, pa.Table]:
        """(persons, households) inputs of what ``prepare`` prepared, in household order, rows numbered 0…"""
        persons, households = self._prepared
        return persons.drop_columns(["position"]), households

    def fingerprints(self, salt: str = "") -> pa.Table:
        """(household_id, fingerprint) of what ``prepare`` prepared: a hash of every input of the household,
        the month and ``salt`` (e.g. the rules' fingerprint). Row numbers are left out, so a household keeps
        its fingerprint when others are added or removed around it."""
        persons, households = self._prepared
        person_cols = [c for c in persons.schema.names if c != ROW]
        household_cols = [c for c in households.schema.names if c != ROW]
        rows = self.connection.sql(f"SELECT {ROW}, hash({', '.join(person_cols)}) AS hash "
                                   f"FROM {PERSONS}").fetchnumpy()
        # Each household's people: their rows' hashes folded by XOR (so in any order), here by numpy at the
        # household's row (households are numbered 0… in order): a GROUP BY and a join in DuckDB took 0.2
        # CPU-s a part of a million people, this 0.12. The values are those DuckDB's bit_xor gave, so
        # fingerprints stay those of earlier scans.
        people = np.zeros(households.num_rows, np.uint64)
        np.bitwise_xor.at(people, rows[ROW], rows["hash"])
        # From the buffer: pa.array(numpy) would first import pandas (0.4 s, before the first part is handed over).
        people = pa.Array.from_buffers(pa.uint64(), len(people), [None, pa.py_buffer(people)])
        self.connection.register(FINGERPRINTED, households.append_column("people", people))
        try:
            return self.connection.sql(f"""
                SELECT household_id, hash({f._sql(self.month)}, {f._sql(salt)}, {", ".join(household_cols)},
                                          people) AS fingerprint
                FROM {FINGERPRINTED} ORDER BY {ROW}""").to_arrow_table()
        finally:
            self.connection.unregister(FINGERPRINTED)

    def write_prepared(self, out_dir: Path) -> tuple[Path, Path]:
        """Write the prepared inputs as Parquet (after ``prepare``), each row tagged with its township:
        ``inputs_persons.parquet`` and ``inputs_households.parquet``. A distributed scan reads these."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        persons, households = out_dir / "inputs_persons.parquet", out_dir / "inputs_households.parquet"
        # Through a DuckDB table: its statistics mark the columns without NULLs required in Parquet, as Spark
        # has always read them (an Arrow table read directly would make every column optional).
        self.connection.execute(f"""CREATE OR REPLACE TEMP TABLE scan_persons_written AS
                                    SELECT substr(h.area_code, 1, 9) AS township, p.* FROM {PERSONS} p
                                    JOIN scan_households h USING (household_row)""")
        self.connection.execute(f"""COPY (SELECT * FROM scan_persons_written ORDER BY household_row, position)
                        TO '{persons}' (FORMAT parquet)""")
        self.connection.execute("DROP TABLE scan_persons_written")
        self.connection.execute(f"""CREATE OR REPLACE TEMP TABLE scan_households_written AS
                                    SELECT substr(area_code, 1, 9) AS township, * FROM {HOUSEHOLDS}""")
        self.connection.execute(f"""COPY (SELECT * FROM scan_households_written ORDER BY household_row)
                        TO '{households}' (FORMAT parquet)""")
        self.connection.execute("DROP TABLE scan_households_written")
        return persons, households


def part_sizes(households: int, per_part: int, taper_to: int | None = None) -> list[int]:
    """How many households each part holds, in order: ``per_part`` each, the rest in the last part. With
    ``taper_to`` and more than one part's households, the last parts shrink by halves down to ``taper_to``
    and the rest is the first part (…, per_part, 4·taper_to, 2·taper_to, taper_to, each at most per_part):
    a scan evaluates a part while it prepares the next, so a small last part shortens the end that nothing
    overlaps, and each part's preparation still outlasts the evaluation of the part before, twice its size
    (preparing a household costs about twice evaluating it, docs/performance.md); a small first part starts
    the evaluation early. A population of one part stays one part, prepared once, as it always was."""
    if taper_to is None or households <= per_part:
        return [min(per_part, households - first) for first in range(0, households, per_part)]
    sizes, size, left = [], max(1, taper_to), households
    while left > 0:
        sizes.append(min(size, per_part, left))
        left -= sizes[-1]
        size = min(size * 2, per_part)
    return sizes[::-1]


def chunks(snapshot: Path, month: str, scope: Scope = Scope(), *, system=None,  # noqa: B008 (frozen)
           chunk_households: int = CHUNK_HOUSEHOLDS, part_households: int = PART_HOUSEHOLDS,
           threads: int | None = None, memory_limit: str | None = None, temp_directory: Path | None = None,
           deaths: pa.Table | None = None) -> Iterator[tuple[pa.Table, pa.Table]]:
    """The inputs of the scope's households for ``month``, ``chunk_households`` households at a time, in
    household-id order: (persons, households) Arrow tables whose ``household_row`` counts from 0 in each
    chunk (a household's persons never straddle two chunks). DuckDB prepares ``part_households`` at a time."""
    with Population(snapshot, month, scope, system=system, threads=threads, memory_limit=memory_limit,
                    temp_directory=temp_directory, deaths=deaths) as population:
        for part in population.parts(part_households):
            population.prepare(part)
            persons, households = population.fetch()
            yield from slices(persons, households, chunk_households)


def _prepare(con: duckdb.DuckDBPyConnection, p: f.InputParameters, where: str,
             part: Part | None) -> tuple[pa.Table, pa.Table]:
    """The inputs (persons with their ``position``, households), each in household order; the temporary
    table ``scan_households`` (and those it is made of) stays."""
    end, start = p.end, p.start
    n = len(p.window)
    def households_in(column: str = "household_id") -> str:
        return "TRUE" if part is None else f"{column} BETWEEN {part.first_household} AND {part.last_household}"

    def persons_in(column: str = "person_id") -> str:
        return "TRUE" if part is None else f"{column} BETWEEN {part.first_person} AND {part.last_person}"

    hb, pb = households_in(), persons_in()
    held = "({since} IS NULL OR {since} <= DATE '{end}') AND ({until} IS NULL OR {until} > DATE '{end}')"
    valid = (f"(disability_category IS NOT NULL AND (disability_valid_from IS NULL OR disability_valid_from <= "
             f"DATE '{end}') AND (disability_valid_to IS NULL OR disability_valid_to >= DATE '{start}'))")
    assessed = f"(can_eating IS NOT NULL AND (care_assessed_on IS NULL OR care_assessed_on <= DATE '{end}'))"
    care = " + ".join(f"CAST(NOT {c} AS INTEGER)" for c in f.CARE_COLUMNS)
    # Money in 64 bits (f.sql_bigint): never the type a literal or an older snapshot's column happens to have.
    average = {c: f"CAST((2 * {f.sql_bigint(f'coalesce(i.{c}, 0)')} + {n}) // {2 * n} AS BIGINT)"
               for c in COUNTED_INCOME}
    avgs = ", ".join(f"{average[c]} AS {f.INCOME_VARIABLES[c]}" for c in COUNTED_INCOME)
    income_sum = " + ".join(average.values())  # the sum of the rounded averages, as documents sums them
    category = f.sql_case("disability_category", {c: i for i, c in enumerate(f.DISABILITY_CATEGORIES)}, 0)
    excluded = f.sql_case("exclusion_reason", {k.value: f.PARENT_STATUSES.index(v)
                                               for k, v in f.EXCLUDED_PARENT.items()}, f.PRESENT)
    parent_of = f.sql_case("r.status", {k.value: f.parent_status_code(k) for k in f.PARENT_STATUS_OF},
                           f.UNKNOWN_PARENT)
    rank = f.sql_case("status", f.STATUS_RANK, len(f.STATUS_RANK))
    tekun, dibao = Programme.tekun.value, Programme.dibao.value
    income_known = f"(x.declared OR coalesce(i.complete_months, 0) = {n})"
    ability = f.member_ability_sql(
        p, alive="NOT x.dead", counted="x.counted", age="x.age", tekun="coalesce(e.tekun, FALSE)",
        dibao="coalesce(e.dibao, FALSE)",
        severe=f"(x.grade BETWEEN 1 AND {f.SEVERE_MAX_GRADE})", urban="x.urban", income_known=income_known,
        income=f"({income_sum})", assets_known="x.declared", assets="coalesce(o.assets, 0)")
    dependent = f.cannot_live_independently_sql("x.in_school", "x.category", "x.grade", p)
    duty = f.duty_sql("k.kin", "k.certain", "d.age", "d.dependent", "s.age", "s.birth_date < d.birth_date",
                      "s.in_school")
    row_duty = f.row_duty_sql("r.relation", "d.age", "d.dependent")
    parent_relations = sorted({s for _, s, kin, certain in f.kinship_rows() if kin == f.Kin.parent and certain})
    sex_kind = ("CASE WHEN r.id_number IS NULL THEN 'unnamed' "
                "WHEN TRY_CAST(substr(r.id_number, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END")
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE scan_scope AS
    SELECT h.id AS household_id, h.household_no, h.area_code, h.urban,
           coalesce(h.declared_on >= DATE '{start}', FALSE) AS declared
    FROM households h WHERE ({where}) AND {households_in("h.id")};

    CREATE OR REPLACE TEMP TABLE scan_enrolled AS
    SELECT household_id, person_id, programme, monthly_amount_fen, taper_from FROM enrolments
    WHERE {hb} AND start_date <= DATE '{end}' AND (end_date IS NULL OR end_date >= DATE '{start}');

    CREATE OR REPLACE TEMP TABLE scan_income AS
    SELECT person_id, count(*) FILTER (WHERE {" AND ".join(f"{c} IS NOT NULL" for c in COUNTED_INCOME)})
             AS complete_months,
           {", ".join(f"sum({c}) AS {c}" for c in COUNTED_INCOME)}  -- NULL if none known: read as 0 below
    FROM incomes  -- the range lets the Parquet reader skip the other months; IN is what decides
    WHERE month BETWEEN '{min(p.window)}' AND '{max(p.window)}' AND month IN {f.sql_in(p.window)} AND {pb}
    GROUP BY person_id;

    CREATE OR REPLACE TEMP TABLE scan_owned AS  -- one aggregate over every per-person fact table
    WITH balances AS (  -- per account, the latest statement on or before the month's end
        SELECT person_id, arg_max(amount_fen, (as_of, amount_fen)) AS amount_fen
        FROM financial_assets WHERE {pb} AND as_of <= DATE '{end}'
        GROUP BY person_id, kind, institution, account)
    SELECT person_id, CAST(sum(assets) AS BIGINT) AS assets, bool_or(car) AS car,
           CAST(count(home) AS INTEGER) AS homes, CAST(sum(home) AS DOUBLE) AS area,
           CAST(sum(capital) AS BIGINT) AS capital
    FROM (SELECT person_id, amount_fen AS assets, NULL::BOOLEAN AS car, NULL::DECIMAL(18, 2) AS home,
                 NULL::BIGINT AS capital FROM balances
          UNION ALL SELECT person_id, NULL, NOT mobility_for_disabled, NULL, NULL FROM vehicles
          WHERE {pb} AND {held.format(since="registered_on", until="deregistered_on", end=end)}
          UNION ALL SELECT person_id, NULL, NULL, coalesce(floor_area_m2, 0), NULL FROM real_estate
          WHERE use = '{PropertyUse.residential}' AND {pb}
            AND {held.format(since="acquired_on", until="disposed_on", end=end)}
          UNION ALL SELECT person_id, NULL, NULL, NULL, coalesce(registered_capital_fen, 0) FROM businesses
          WHERE {pb} AND registered_capital_fen IS NOT NULL
            AND {held.format(since="registered_on", until="deregistered_on", end=end)})
    GROUP BY person_id;

    -- Everybody of the scope born by the month's end, the dead too (they are parents, never supporters), with
    -- their inputs and ability to support, once (the pairs of a household read the columns they need). One
    -- table, not members then people: writing a million wide rows twice cost a fifth of the preparation. Only
    -- the columns read later, each per-person fact computed here once (not in every pair of the household).
    CREATE OR REPLACE TEMP TABLE scan_people AS
    WITH enrolled AS (
        SELECT person_id, bool_or(programme = '{tekun}') AS tekun, bool_or(programme = '{dibao}') AS dibao
        FROM scan_enrolled WHERE person_id IS NOT NULL GROUP BY person_id)
    SELECT x.household_id, x.person_id, x.position, x.relation, x.counted, x.declared, x.sex, x.birth_date,
           x.hukou_chongqing, x.major_illness, x.in_institution, x.work_injury_care,
           x.dead, x.age, x.grade, x.in_school, {dependent} AS dependent,
           CAST({category.replace("disability_category", "x.category")} AS SMALLINT) AS category,
           {assessed.replace("can_eating", "x.can_eating").replace("care_assessed_on", "x.care_assessed_on")}
             AS self_care_assessed,
           CAST(CASE WHEN {assessed.replace("can_eating", "x.can_eating").replace("care_assessed_on",
                                                                                 "x.care_assessed_on")}
                THEN {care.replace("can_", "x.can_")} ELSE 0 END AS INTEGER) AS self_care_failed_activities,
           {avgs}, {income_known} AS income_known,
           coalesce(o.assets, 0) AS financial_assets, coalesce(o.car, FALSE) AS owns_motor_vehicle,
           coalesce(o.homes, 0) AS residential_properties, coalesce(o.area, 0) AS residential_floor_area,
           coalesce(o.capital, 0) AS business_capital,
           CAST({ability} AS INTEGER) AS ability,
           CASE WHEN x.dead THEN {f.DECEASED} WHEN x.counted THEN {f.PRESENT} ELSE {excluded} END AS parent_status
    FROM (
        SELECT m.household_id, m.person_id, m.position, m.relation, m.counted, m.exclusion_reason,
               h.urban, h.declared, {", ".join("p." + c for c in PERSON_COLUMNS)},
               (p.death_date IS NOT NULL AND p.death_date <= DATE '{end}') AS dead,
               {f.age_sql("p.birth_date", end)} AS age,
               CASE WHEN {valid.replace("disability_", "p.disability_")} THEN CAST(p.disability_grade AS INTEGER)
                    ELSE 0 END AS grade,
               CASE WHEN {valid.replace("disability_", "p.disability_")} THEN p.disability_category ELSE 'none' END
                 AS category,
               p.school_level IS NOT NULL AS in_school
        FROM members m JOIN scan_scope h ON h.household_id = m.household_id JOIN persons p ON p.id = m.person_id
        WHERE {persons_in("m.person_id")} AND {persons_in("p.id")}
          AND p.birth_date <= DATE '{end}') x
    LEFT JOIN scan_income i ON i.person_id = x.person_id
    LEFT JOIN scan_owned o ON o.person_id = x.person_id
    LEFT JOIN enrolled e ON e.person_id = x.person_id;

    CREATE OR REPLACE TEMP TABLE scan_households AS
    SELECT row_number() OVER (ORDER BY h.household_id) - 1 AS household_row, h.*
    FROM scan_scope h
    WHERE EXISTS (SELECT 1 FROM scan_people x WHERE x.household_id = h.household_id AND NOT x.dead);

    """)
    # The inputs straight to Arrow, in the order the scan reads them: as tables in DuckDB they were written,
    # read back and sorted for the fetch (a tenth of the preparation, measured at 4 million people).
    persons = con.sql(f"""
    WITH kinship AS (SELECT * FROM {f.sql_values(f.kinship_rows(), ("d_relation", "s_relation", "kin", "certain"))}),
    rows AS (  -- per supporter, the status in force at the month's end (documents.current_supporters)
        SELECT * FROM (
            SELECT id, person_id, relation, status, id_number,
                   row_number() OVER (PARTITION BY person_id, id_number,
                                                   CASE WHEN id_number IS NULL THEN name END,
                                                   CASE WHEN id_number IS NULL THEN relation END
                                      ORDER BY as_of DESC NULLS LAST, {rank}, id) AS k
            FROM supporters WHERE {pb} AND (as_of IS NULL OR as_of <= DATE '{end}'))
        WHERE k = 1),
    supporting AS (  -- each supporter's min(duty, ability), the household's members and the rows alike, and
                     -- the parents among the members; one aggregate. YES is the largest value: "some supporter
                     -- is YES" is max = YES.
        SELECT person_id, max(c) AS best, bool_or(c = {f.MAYBE}) AS maybe, bool_or(row) AS rowed,
               arg_min(parent_status, position) FILTER (WHERE parent AND sex = '{Sex.male}') AS father,
               arg_min(parent_status, position) FILTER (WHERE parent AND sex <> '{Sex.male}') AS mother
        FROM (SELECT d.person_id, least({duty}, s.ability) AS c, FALSE AS row, s.parent_status, s.position, s.sex,
                     k.kin = '{f.Kin.parent}' AND k.certain AS parent
              FROM scan_people d
              JOIN scan_people s ON s.household_id = d.household_id AND s.person_id <> d.person_id
              JOIN kinship k ON k.d_relation = d.relation AND k.s_relation = s.relation
              -- A pair counts only if S may be able or is D's parent: least(duty, NO) is NO, and a person
              -- without a pair reads as one whose pairs are all NO (far fewer pairs to weigh and group).
              WHERE NOT d.dead
                AND (s.ability IS DISTINCT FROM {f.NO} OR s.relation IN {f.sql_in(parent_relations)})
                AND (s.ability IS DISTINCT FROM {f.NO} OR (k.kin = '{f.Kin.parent}' AND k.certain))
              UNION ALL
              SELECT r.person_id, least({row_duty}, CASE WHEN r.status = '{SupporterStatus.able}' THEN {f.YES}
                                                    ELSE {f.NO} END), TRUE, NULL, NULL, NULL, FALSE
              FROM rows r JOIN scan_people d ON d.person_id = r.person_id)
        GROUP BY person_id),
    parent_rows AS (
        SELECT r.person_id, {parent_of} AS status, {sex_kind} AS kind,
               row_number() OVER (PARTITION BY r.person_id, {sex_kind} ORDER BY r.id) AS k
        FROM rows r WHERE r.relation = '{Relation.parent}'),
    parent_pick AS (
        SELECT person_id,
               max(status) FILTER (WHERE kind = 'male' AND k = 1) AS male1,
               max(status) FILTER (WHERE kind = 'female' AND k = 1) AS female1,
               max(status) FILTER (WHERE kind = 'unnamed' AND k = 1) AS unnamed1,
               max(status) FILTER (WHERE kind = 'unnamed' AND k = 2) AS unnamed2
        FROM parent_rows GROUP BY person_id)
    SELECT h.household_row, m.position, m.person_id,
           m.birth_date, m.counted AS is_counted_member,
           {", ".join(f"m.{f.INCOME_VARIABLES[c]}" for c in COUNTED_INCOME)}, m.income_known,
           m.financial_assets, m.declared AS assets_known,
           m.owns_motor_vehicle, m.declared OR m.owns_motor_vehicle AS vehicles_known,
           m.residential_properties, m.residential_floor_area, m.declared AS property_known,
           m.business_capital, m.declared AS business_known,
           m.grade AS disability_grade,
           m.category AS disability_category,
           coalesce(m.major_illness, FALSE) AS major_illness,
           m.major_illness IS NOT NULL AS major_illness_known,
           m.self_care_assessed, m.self_care_failed_activities,
           m.in_school,
           coalesce(m.in_institution, FALSE) AS in_institution,
           coalesce(m.work_injury_care, FALSE) AS receives_work_injury_care,
           coalesce(m.hukou_chongqing, FALSE) AS hukou_chongqing,
           m.hukou_chongqing IS NOT NULL AS hukou_known,
           coalesce(sp.best = {f.YES}, FALSE) AS has_able_supporter,
           coalesce(sp.best = {f.YES}, FALSE)
             OR ((coalesce(sp.rowed, FALSE) OR m.declared) AND NOT coalesce(sp.maybe, FALSE)) AS supporters_known,
           CAST(coalesce(sp.father, pk.male1, pk.unnamed1, {f.UNKNOWN_PARENT}) AS SMALLINT) AS father_status,
           CAST(coalesce(sp.mother, pk.female1,
                         CASE WHEN sp.father IS NULL AND pk.male1 IS NULL THEN pk.unnamed2 ELSE pk.unnamed1 END,
                         {f.UNKNOWN_PARENT}) AS SMALLINT) AS mother_status
    FROM scan_people m
    JOIN scan_households h ON h.household_id = m.household_id
    LEFT JOIN supporting sp ON sp.person_id = m.person_id
    LEFT JOIN parent_pick pk ON pk.person_id = m.person_id
    WHERE NOT m.dead
    ORDER BY h.household_row, m.position""").to_arrow_table()
    return persons, con.sql(_household_inputs_sql(p, hb)).to_arrow_table()


def _household_inputs_sql(p: f.InputParameters, bound: str) -> str:
    """The household inputs (after ``_prepare`` made ``scan_households`` and ``scan_enrolled``); ``bound``
    prunes the tables' row groups by household id."""
    n = len(p.window)
    dibao = Programme.dibao.value
    deductible = f.sql_in(c.value for c in f.RIGID_DEDUCTIBLE)
    return f"""
    WITH rigid AS (
        SELECT household_id,
               sum(amount_fen) FILTER (WHERE month IN {f.sql_in(p.window)} AND category IN {deductible})
                 AS deductible,
               sum(amount_fen) FILTER (WHERE month IN {f.sql_in(p.last12)}) AS last12,
               sum(amount_fen) FILTER (WHERE month = '{p.month}') AS this_month,
               count(*) AS listed
        FROM rigid_spending WHERE {bound} AND household_id IN (SELECT household_id FROM scan_households)
        GROUP BY household_id),
    dibao AS (
        SELECT household_id, TRUE AS enrolled,
               sum(monthly_amount_fen) FILTER (WHERE person_id IS NULL) AS amount,
               max({f.month_number_sql(f"'{p.month}'")} - {f.month_number_sql('taper_from')} + 1)
                 FILTER (WHERE person_id IS NULL AND taper_from <= '{p.month}') AS taper_months
        FROM scan_enrolled WHERE programme = '{dibao}'
        GROUP BY household_id),
    emergency AS (
        SELECT household_id, sum(need_fen) AS need FROM emergencies
        WHERE {bound} AND household_id IN (SELECT household_id FROM scan_households)
          AND occurred_on BETWEEN DATE '{p.start}' AND DATE '{p.end}' GROUP BY household_id)
    SELECT h.household_row, h.household_id, h.household_no, h.area_code,
           h.urban AS is_urban,
           CAST((2 * {f.sql_bigint("coalesce(r.deductible, 0)")} + {n}) // {2 * n} AS BIGINT)
             AS rigid_medical_rehabilitation,
           CAST(coalesce(r.last12, 0) AS BIGINT) AS rigid_spending_12_months,
           CAST(coalesce(r.this_month, 0) AS BIGINT) AS rigid_spending_this_month,
           h.declared OR coalesce(r.listed, 0) > 0 AS rigid_spending_known,
           coalesce(d.enrolled, FALSE) AS dibao_enrolled,
           CAST(coalesce(d.amount, 0) AS BIGINT) AS dibao_current_amount,
           CAST(coalesce(d.taper_months, 0) AS INTEGER) AS months_above_line_through_work,
           CAST(coalesce(e.need, 0) AS BIGINT) AS emergency_need
    FROM scan_households h
    LEFT JOIN rigid r ON r.household_id = h.household_id
    LEFT JOIN dibao d ON d.household_id = h.household_id
    LEFT JOIN emergency e ON e.household_id = h.household_id
    ORDER BY h.household_row
    """
