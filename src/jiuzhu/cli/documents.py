"""The ``--json`` documents of the commands, one model each; their JSON Schemas are committed in
``docs/schema/cli/<name>.schema.json`` (a test keeps them equal to these models and validates real output).

Conventions shared with the household format: money is a decimal string in yuan with two decimals
("1234.56", no separators); months are "YYYY-MM"; dates ISO 8601; codes are the registry's codes, with
their labels beside them in the command's language (``Labelled.words``: the Chinese label, or English words
under --lang en). Keys and codes never change with the language.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jiuzhu.money import fen_to_yuan

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="yuan, two decimals, e.g. 1234.56")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def money(fen: int) -> Money:
    return str(fen_to_yuan(fen))


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- jiuzhu info -------------------------------------------------------------------------------


class InfoCounts(Document):
    households: int
    persons: int
    areas: int
    changes: int
    scan_runs: int


class InfoDoc(Document):
    """``jiuzhu info --json``: the installation and its settings."""

    version: str
    python: str
    language: Literal["zh", "en"]
    home: str = Field(description="JIUZHU_HOME: Jiuzhu's folder (database, snapshots, scans, reports, logs)")
    home_exists: bool
    log_file: str = Field(description="where internal errors are written in full")
    database_url: str = Field(description="JIUZHU_DATABASE_URL without its password")
    database_exists: bool
    database_revision: str | None = Field(description="the schema revision (Alembic) of the database")
    head_revision: str = Field(description="the schema revision this version of Jiuzhu needs")
    database_error: str | None = Field(description="why the database could not be read, if it could not")
    jurisdiction: list[str]
    oidc_issuer: str | None = Field(description="JIUZHU_OIDC_ISSUER: the identity provider people may also sign in "
                                                "through; null when sign-in is by password only")
    oidc_client_id: str | None = Field(description="JIUZHU_OIDC_CLIENT_ID: Jiuzhu's client id there (the secret is "
                                                   "never shown)")
    oidc_error: str | None = Field(description="why the JIUZHU_OIDC_* settings cannot be used (jiuzhu serve "
                                               "refuses to start with them), if they cannot")
    counts: InfoCounts | None
    calendar_years: list[int] = Field(description="the years with an official working-day calendar (调休), which "
                                                  "time limits are counted on (jiuzhu.workdays; JIUZHU_CALENDARS)")
    calendar_missing: list[int] = Field(description="this year or next when it has no official calendar yet: "
                                                    "time limits reaching into it are unknown until it is added")


# --- jiuzhu summary ----------------------------------------------------------------------------


class SummaryArea(Document):
    code: str
    name: str
    households: int
    persons: int


class SummaryProgramme(Document):
    programme: str
    label: str
    enrolments: int
    monthly_amount: Money


class SummaryDoc(Document):
    """``jiuzhu summary --json``: the registry as a whole on a date."""

    on: dt.date
    households: int
    persons: int
    urban_households: int
    aged_65_plus: int
    disabled: int = Field(description="people with a disability certificate")
    changes: int = Field(description="rows of the change log")
    areas: list[SummaryArea] = Field(description="per township or sub-district")
    programmes: list[SummaryProgramme] = Field(description="enrolments valid on the date")


# --- jiuzhu household history ------------------------------------------------------------------


class HistoryChange(Document):
    at: dt.datetime
    actor: str
    reason: str
    path: str = Field(description="the field changed, e.g. members[0].incomes[2].wages, or (created)")
    old: Any = Field(description="the value before (a JSON value; identifiers masked unless --unmask)")
    new: Any = Field(description="the value after")


class HistoryDoc(Document):
    """``jiuzhu household history N --json``: every recorded change, oldest first."""

    household_no: str
    unmasked: bool
    changes: list[HistoryChange]


# --- jiuzhu import -----------------------------------------------------------------------------


class Rejection(Document):
    record: str = Field(description="the record: a file and line or item, or a ledger row number")
    household_no: str | None
    field: str
    reason: str


class ImportDoc(Document):
    """``jiuzhu import FILE --json``: what was stored and what was rejected."""

    file: str
    format: Literal["json", "jsonl", "xlsx", "csv"]
    stored_households: int = Field(description="households created or changed")
    unchanged_households: int | None = Field(None, description="households already stored as in the file "
                                                               "(nothing written: a re-run resumes)")
    stored_people: int | None = Field(description="ledgers only")
    rejected_households: int
    rejected_rows: int | None = Field(description="ledgers only: rows rejected")
    rejections: list[Rejection]
    report: str | None = Field(description="the CSV file holding every rejection, when there were any or "
                                           "--report was given (then, with none, its header row only)")
    warnings: list[str]
    exit_code: int = Field(description="0 everything stored, 1 some records rejected")


# --- jiuzhu load -------------------------------------------------------------------------------


class LoadDoc(Document):
    """``jiuzhu load SNAPSHOT --json``: what the bulk load wrote."""

    source: str
    households: int
    persons: int
    rows: dict[str, int] = Field(description="rows written per registry table")
    seconds: float


# --- jiuzhu scan -------------------------------------------------------------------------------


class ScanTotal(Document):
    list: Literal["entitled_not_enrolled", "enrolled_not_entitled"]
    list_label: str
    programme: str
    programme_label: str
    entries: int
    monthly_amount: Money


class ScanChanges(Document):
    new: int = Field(description="entries not on the previous scan's lists")
    resolved: int = Field(description="entries of the previous scan no longer listed")


class ScanDoc(Document):
    """``jiuzhu scan --json``: what the scan found, per list and programme."""

    month: Month
    area: str | None
    households: int
    persons: int
    incremental: bool
    evaluated_households: int
    reused_households: int
    seconds: float
    folder: str = Field(description="the scan's result files")
    run_id: int | None
    totals: list[ScanTotal]
    since_previous: ScanChanges | None
    workbooks: list[str]
    failed_households: int = Field(0, description="households the rules could not evaluate (listed in the folder); "
                                                  "the command then exits 1")
    cleaned: list[str] = Field(default_factory=list, description="unfinished folders of crashed scans removed first")


# --- jiuzhu whatif -----------------------------------------------------------------------------


class WhatIfProgramme(Document):
    programme: str
    label: str
    eligible_before: int
    eligible_after: int
    newly_eligible: int
    no_longer_eligible: int
    monthly_cost_before: Money
    monthly_cost_after: Money
    monthly_cost_difference: Money


class WhatIfDoc(Document):
    """``jiuzhu whatif --json``: the same households under changed parameters."""

    reform: str
    month: Month
    source: str = Field(description="'registry' or the file the households came from")
    households: int
    programmes: list[WhatIfProgramme]


DOCUMENTS: dict[str, type[Document]] = {
    "info": InfoDoc, "summary": SummaryDoc, "history": HistoryDoc, "import": ImportDoc, "load": LoadDoc,
    "scan": ScanDoc, "whatif": WhatIfDoc,
}


def json_schema(name: str) -> dict:
    schema = DOCUMENTS[name].model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://jiuzhu.example/schema/cli/{name}.schema.json", **schema}


def write_schemas(folder: Path) -> None:
    """Write every schema to ``folder`` (docs/schema/cli): ``python -c 'from jiuzhu.cli.documents import
    write_schemas; write_schemas(__import__("pathlib").Path("docs/schema/cli"))'``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in DOCUMENTS:
        text = json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n"
        (folder / f"{name}.schema.json").write_text(text, encoding="utf-8")
