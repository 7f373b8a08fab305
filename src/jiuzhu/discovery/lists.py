"""The work lists of a scan: 应享未享 (entitled, not enrolled) and 享而不应 (enrolled, no longer entitled).

Both come from the scan's results joined with the enrolments of the same snapshot. Each entry says
why, in plain Chinese, from the programme's conditions; 享而不应 entries carry since when (the month of
the first scan in an unbroken run that listed them) and the last review; against the previous scan,
each entry is ``new`` or ``continuing`` and the entries that disappeared are listed as resolved.
Each entry names a living member to contact (the rule is below), the household's address, and a note
when the head or the person has died (户主已故（YYYY-MM-DD）); a person who has died is never listed
as entitled.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from jiuzhu.discovery.scan import FAILED, MANIFEST, RESULTS_H, RESULTS_P
from jiuzhu.i18n import N_, t, translate, use_language
from jiuzhu.months import month_end, month_start
from jiuzhu.registry.areas import check_code, prefix, within
from jiuzhu.rules.inputs.facts import ADULT_AGE
from jiuzhu.rules.programmes import SPECS
from jiuzhu.rules.tri import FAIL, PASS

FINDINGS, RESOLVED = "findings.parquet", "resolved.parquet"
ENTITLED, NOT_ENTITLED = "entitled_not_enrolled", "enrolled_not_entitled"
# The lists' names, once: English on a screen under --lang en, with the Chinese term people know; in Chinese
# (the catalogue's text) 应享未享 and 享而不应, the words of workbooks and of every screen in Chinese.
LIST_LABELS = {ENTITLED: N_("entitled, not enrolled (应享未享)"),
               NOT_ENTITLED: N_("enrolled, no longer entitled (享而不应)")}

# The lists are records of the bureau (stored in scan_findings, written into the township's workbooks): their
# reasons are in Chinese whatever language a command prints in.
RECORD_LANGUAGE = "zh"


def list_label(kind: str, lang: str | None = None) -> str:
    """The name of a list in ``lang`` (default: the current language): 应享未享 or 享而不应 in Chinese."""
    return translate(LIST_LABELS[kind], lang)


def reasons(programme: str, failed_mask: int | None, entitled: bool) -> str:
    """The reason of an entry: the conditions met (entitled) or failed (no longer entitled), each in the few
    words its programme's spec gives for work lists (rules/programmes.py), in the records' language."""
    with use_language(RECORD_LANGUAGE):
        spec = next(s for s in SPECS if s.programme.value == programme)
        if failed_mask is None:
            return t("the person has died") if spec.level == "person" else \
                t("every member of the household has died")
        parts = []
        for bit, c in enumerate(spec.conditions):
            failed = bool(failed_mask >> bit & 1)
            if not c.listed or (entitled and failed) or (not entitled and not failed):
                continue
            parts.append(c.summary(passed=entitled, lang=RECORD_LANGUAGE))
        conditions = t("; ").join(p for p in parts if p)
        return t("meets: {conditions}", conditions=conditions) if entitled else \
            t("no longer meets: {conditions}", conditions=conditions)


def build(scan_dir: Path, snapshot: Path, previous: Path | None = None) -> tuple[pa.Table, pa.Table]:
    """Write ``findings.parquet`` and ``resolved.parquet`` into ``scan_dir``; return them."""
    import json

    scan_dir = Path(scan_dir)
    manifest = json.loads((scan_dir / MANIFEST).read_text())
    month, area = manifest["month"], manifest.get("area")
    con = duckdb.connect()
    for table in ("enrolments", "persons", "members", "households"):
        path = Path(snapshot) / "registry" / f"{table}.parquet"
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    # The scan's area, and nothing else: a household outside it was not scanned, so its enrolments are no
    # evidence of anything (read as "not in the results", they would stop the payments of living people).
    if area is not None:
        households = Path(snapshot) / "registry" / "households.parquet"
        con.execute(f"""CREATE OR REPLACE VIEW households AS SELECT * FROM read_parquet('{households}')
                        WHERE starts_with(area_code, '{prefix(check_code(area))}')""")
    con.execute(f"CREATE VIEW rh AS SELECT * FROM read_parquet('{scan_dir / RESULTS_H}')")
    con.execute(f"CREATE VIEW rp AS SELECT * FROM read_parquet('{scan_dir / RESULTS_P}')")
    failed = _failed_households(scan_dir)
    con.register("failed", pa.table({"household_id": pa.array(sorted(failed), pa.int64())}))
    # A household the rules could not evaluate has no results: it is on neither list (not "no longer entitled"),
    # and its entries of the previous scan are not "resolved" (the scan's failed_households file names it).
    con.execute(f"""CREATE TEMP TABLE active AS SELECT * FROM enrolments
                    WHERE start_date <= DATE '{month_end(month)}'
                      AND (end_date IS NULL OR end_date >= DATE '{month_start(month)}')
                      AND household_id NOT IN (SELECT household_id FROM failed)
                      AND household_id IN (SELECT id FROM households)""")
    rows = []
    for spec in SPECS:
        rows += _entitled(con, spec) + _not_entitled(con, spec)
    rows = _with_contacts(con, rows, month)
    findings = _finish(rows, month, previous, area)
    resolved = _resolved(findings, previous, failed, area)
    import pyarrow.parquet as pq

    pq.write_table(findings, scan_dir / FINDINGS)
    pq.write_table(resolved, scan_dir / RESOLVED)
    con.close()
    return findings, resolved


# Who is named in an entry. Person entries name the person; household entries (低保, 低保边缘, 刚性支出,
# 临时救助) name the household's contact. The contact is the person staff visit or call: a living member
# (a death is recorded with its date, never in the future, so "living" is "no death recorded"), chosen
# by the rule of docs/discovery.md — the head if alive; else the spouse; else the oldest living adult
# counted member (共同生活家庭成员); else the oldest living adult; else the oldest living member. A
# child's entry (under 18 at the month's end) is contacted through a living adult of the household, by
# the same order; an adult's entry through the person.
PEOPLE = f"""CREATE OR REPLACE TEMP TABLE people AS
    SELECT m.household_id, m.person_id, m.relation, m.counted, m.position, p.name, p.id_number, p.phone,
           p.birth_date, p.death_date, p.death_date IS NULL AS living,
           p.birth_date + INTERVAL {ADULT_AGE} YEAR <= DATE '{{month_end}}' AS adult
    FROM members m JOIN persons p ON p.id = m.person_id
    WHERE m.household_id IN (SELECT household_id FROM found)"""
CONTACT = """CREATE OR REPLACE TEMP TABLE {table} AS
    SELECT household_id, person_id, name, relation, phone FROM (
        SELECT *, row_number() OVER (PARTITION BY household_id ORDER BY
            CASE WHEN relation = 'head' THEN 0 WHEN relation = 'spouse' THEN 1 WHEN counted AND adult THEN 2
                 WHEN adult THEN 3 ELSE 4 END, birth_date, position) AS k
        FROM people WHERE living {adults_only}) WHERE k = 1"""


def _people(con, month: str) -> None:
    """The members of the listed households (``found``), their contacts and heads."""
    con.execute(PEOPLE.format(month_end=month_end(month)))
    con.execute(CONTACT.format(table="contact_any", adults_only=""))
    con.execute(CONTACT.format(table="contact_adult", adults_only="AND adult"))
    con.execute("""CREATE OR REPLACE TEMP TABLE heads AS SELECT household_id, name, death_date FROM (
                     SELECT *, row_number() OVER (PARTITION BY household_id ORDER BY position) AS k
                     FROM people WHERE relation = 'head') WHERE k = 1""")


def _entitled(con, spec) -> list[dict]:
    key = spec.programme.value
    if spec.level == "household":
        # A household none of whose members is alive today is nobody's to enrol (a past month's scan).
        sql = f"""SELECT '{key}' AS programme, r.household_id, r.household_no, r.area_code,
                         NULL::BIGINT AS person_id, NULL AS id_number, NULL AS name,
                         r.{key}_amount AS amount_fen, r.{key}_failed AS failed, NULL::DATE AS last_review
                  FROM rh r WHERE r.{key}_state = {PASS}
                    AND EXISTS (SELECT 1 FROM members m JOIN persons p ON p.id = m.person_id
                                WHERE m.household_id = r.household_id AND p.death_date IS NULL)
                    AND r.household_id NOT IN (SELECT household_id FROM active WHERE programme = '{key}')"""
    else:
        # A person who has died is never listed as entitled, whatever month is scanned.
        sql = f"""SELECT '{key}' AS programme, r.household_id, h.household_no, h.area_code, r.person_id,
                         p.id_number, p.name, r.{key}_amount AS amount_fen, r.{key}_failed AS failed,
                         NULL::DATE AS last_review
                  FROM rp r JOIN rh h USING (household_id) JOIN persons p ON p.id = r.person_id
                  WHERE r.{key}_state = {PASS} AND p.death_date IS NULL
                    AND r.person_id NOT IN (SELECT person_id FROM active
                                            WHERE programme = '{key}' AND person_id IS NOT NULL)"""
    return [dict(r, list=ENTITLED) for r in con.sql(sql).to_arrow_table().to_pylist()]


def _not_entitled(con, spec) -> list[dict]:
    key = spec.programme.value
    if spec.level == "household":
        sql = f"""SELECT '{key}' AS programme, e.household_id, h.household_no, h.area_code,
                         NULL::BIGINT AS person_id, NULL AS id_number, NULL AS name,
                         sum(e.monthly_amount_fen) AS amount_fen, any_value(r.{key}_failed) AS failed,
                         max(e.last_review) AS last_review
                  FROM active e JOIN households h ON h.id = e.household_id
                  LEFT JOIN rh r ON r.household_id = e.household_id
                  WHERE e.programme = '{key}' AND (r.household_id IS NULL OR r.{key}_state = {FAIL})
                  GROUP BY e.household_id, h.household_no, h.area_code"""
    else:
        sql = f"""SELECT '{key}' AS programme, e.household_id, h.household_no, h.area_code, e.person_id,
                         p.id_number, p.name, e.monthly_amount_fen AS amount_fen, r.{key}_failed AS failed,
                         e.last_review
                  FROM active e JOIN households h ON h.id = e.household_id JOIN persons p ON p.id = e.person_id
                  LEFT JOIN rp r ON r.person_id = e.person_id
                  WHERE e.programme = '{key}' AND e.person_id IS NOT NULL
                    AND (r.person_id IS NULL OR r.{key}_state = {FAIL})"""
    return [dict(r, list=NOT_ENTITLED) for r in con.sql(sql).to_arrow_table().to_pylist()]


WHO = pa.schema([("household_id", pa.int64()), ("person_id", pa.int64())])


def _with_contacts(con, rows: list[dict], month: str) -> list[dict]:
    """Each entry with its household's address, the contact and the facts staff must know before the visit."""
    con.register("found", pa.Table.from_pylist([{"household_id": r["household_id"], "person_id": r["person_id"]}
                                                for r in rows], schema=WHO))
    _people(con, month)
    who = con.sql("""
        SELECT f.household_id, f.person_id, h.address, hd.name AS head_name, hd.death_date AS head_death,
               s.living AS subject_living, s.adult AS subject_adult, s.death_date AS subject_death,
               s.relation AS subject_relation, s.phone AS subject_phone, s.name AS subject_name,
               ca.person_id AS any_id, ca.name AS any_name, ca.relation AS any_relation, ca.phone AS any_phone,
               cd.person_id AS adult_id, cd.name AS adult_name, cd.relation AS adult_relation,
               cd.phone AS adult_phone
        FROM (SELECT DISTINCT * FROM found) f JOIN households h ON h.id = f.household_id
        LEFT JOIN heads hd ON hd.household_id = f.household_id
        LEFT JOIN people s ON s.person_id = f.person_id AND s.household_id = f.household_id
        LEFT JOIN contact_any ca ON ca.household_id = f.household_id
        LEFT JOIN contact_adult cd ON cd.household_id = f.household_id""").to_arrow_table().to_pylist()
    con.unregister("found")
    facts = {(w["household_id"], w["person_id"]): w for w in who}
    for row in rows:
        _contact(row, facts[(row["household_id"], row["person_id"])])
    return rows


def _contact(row: dict, w: dict) -> None:
    if row["person_id"] is not None and w["subject_living"] and w["subject_adult"]:
        contact = ("self", w["subject_name"], w["subject_relation"], w["subject_phone"], row["person_id"])
    elif row["person_id"] is not None and w["adult_id"] is not None:
        contact = ("adult", w["adult_name"], w["adult_relation"], w["adult_phone"], w["adult_id"])
    elif w["any_id"] is not None:
        contact = ("any", w["any_name"], w["any_relation"], w["any_phone"], w["any_id"])
    else:
        contact = (None, None, None, None, None)
    kind, row["contact_name"], row["contact_relation"], row["contact_phone"], row["contact_person_id"] = contact
    row["address"] = w["address"]
    if row["person_id"] is None:  # a household entry is named by its contact (by its head if nobody is alive)
        row["name"] = row["contact_name"] or w["head_name"]
    row["note"] = _note(w, kind, row["person_id"] is not None)


def _note(w: dict, kind: str | None, person_entry: bool) -> str | None:
    """What the visitor should know before going: a death (with its date), nobody left to contact, a child
    alone — in the records' language, as the reasons are."""
    with use_language(RECORD_LANGUAGE):
        notes = []
        if w["subject_death"] is not None:
            notes.append(t("the person died on {date}", date=f"{w['subject_death']:%Y-%m-%d}"))
        if w["head_death"] is not None and w["subject_relation"] != "head":
            notes.append(t("the head of household died on {date}", date=f"{w['head_death']:%Y-%m-%d}"))
        if kind is None:
            notes.append(t("every member of the household has died: nobody to contact"))
        elif person_entry and kind == "any" and w["subject_living"]:
            notes.append(t("the person is a minor and no adult of the household is alive"))
        return t("; ").join(notes) or None


def _key(row: dict) -> tuple:
    return (row["list"], row["programme"], row["household_id"], row["person_id"])


def _previous(previous: Path | None, area: str | None = None) -> dict[tuple, dict]:
    """The entries of the previous scan, of ``area`` only (a scan of another area, or one made before scans kept
    to their area, says nothing about the households this one did not scan)."""
    if previous is None or not (Path(previous) / FINDINGS).exists():
        return {}
    import pyarrow.parquet as pq

    return {_key(r): r for r in pq.read_table(Path(previous) / FINDINGS).to_pylist()
            if area is None or within(r["area_code"], area)}


def _finish(rows: list[dict], month: str, previous: Path | None, area: str | None = None) -> pa.Table:
    before = _previous(previous, area)
    for row in rows:
        row["month"] = month
        row["reason"] = reasons(row["programme"], row["failed"], row["list"] == ENTITLED)
        old = before.get(_key(row))
        row["change"] = "continuing" if old else "new"
        row["since"] = old["since"] if old else month
        row["township"] = row["area_code"][:9]
        row["community"] = row["area_code"] if len(row["area_code"]) > 9 else None
    rows.sort(key=lambda r: (r["township"], r["list"], r["programme"], -int(r["amount_fen"] or 0), r["household_no"]))
    rank: dict[tuple, int] = {}
    for row in rows:
        group = (row["township"], row["list"])
        rank[group] = rank.get(group, 0) + 1
        row["rank"] = rank[group]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _resolved(findings: pa.Table, previous: Path | None, failed: set[int] = frozenset(),
              area: str | None = None) -> pa.Table:
    now = {_key(r) for r in findings.to_pylist()}
    gone = [dict(r, change="resolved") for k, r in _previous(previous, area).items()
            if k not in now and r["household_id"] not in failed]
    return pa.Table.from_pylist(gone, schema=SCHEMA)


def _failed_households(scan_dir: Path) -> set[int]:
    """The households the scan set aside (the rules raised for them), from its ``failed_households.parquet``."""
    import pyarrow.parquet as pq

    path = scan_dir / FAILED
    if not path.exists() or not pq.ParquetFile(path).metadata.num_rows:
        return set()
    return set(pq.read_table(path, columns=["household_id"]).column("household_id").to_pylist())


SCHEMA = pa.schema([
    ("month", pa.string()), ("list", pa.string()), ("programme", pa.string()), ("township", pa.string()),
    ("community", pa.string()), ("area_code", pa.string()), ("household_id", pa.int64()),
    ("household_no", pa.string()), ("person_id", pa.int64()), ("id_number", pa.string()), ("name", pa.string()),
    ("amount_fen", pa.int64()), ("failed", pa.int32()), ("reason", pa.string()), ("since", pa.string()),
    ("last_review", pa.date32()), ("change", pa.string()), ("rank", pa.int32()),
    # Added with the outreach workbook's visit columns (findings of older scans read them as null).
    ("address", pa.string()), ("contact_person_id", pa.int64()), ("contact_name", pa.string()),
    ("contact_relation", pa.string()), ("contact_phone", pa.string()), ("note", pa.string()),
])
