"""What the acceptance tests share: a user with a new JIUZHU_HOME, running ``jiuzhu`` as people do.

A test speaks to Jiuzhu only through its command line — ``jiuzhu.cli.main:app`` under Click's CliRunner, or
``python -m jiuzhu.cli.main`` in a child process for the runs where a real process matters (tracebacks on
stderr, worker processes, an upgraded package) — with ``JIUZHU_HOME`` a new folder, ``JIUZHU_DATABASE_URL``
unset (SQLite in that home) and the language left at the users' default, Chinese (the suite's own default,
English, is for the older tests). What the user sees — exit codes, messages, the files written (ledgers,
JSON Lines exports, outreach workbooks) — is what a test asserts.
"""

from __future__ import annotations

import contextvars
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import jiuzhu
from jiuzhu.cli.main import app
from tests.conftest import FIELD_TEST_1, ROOT  # noqa: F401  (FIELD_TEST_1: for the test modules)

SAME_KINDS = ROOT / "tests" / "cases" / "same_kinds"
PACKAGE = Path(jiuzhu.__file__).resolve().parent  # the package under test (PYTHONPATH decides which checkout)
ACTOR = "clerk-fieldtest"
# What a Python traceback or an escaped exception looks like on a terminal (plain or Rich).
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|╭─+ Traceback|\b[A-Z][A-Za-z]+(Error|Exception):")
DEATH_WORDS = ("死亡", "已故", "去世", "亡故", "病故")


@pytest.fixture(autouse=True)
def _as_a_user(monkeypatch):
    """The user's environment, not the suite's: Chinese by default, SQLite in the home, no jurisdiction set."""
    for name in ("JIUZHU_LANG", "JIUZHU_DATABASE_URL", "JIUZHU_JURISDICTION", "JIUZHU_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # wide tables: no cell is cut to "最低生…"


@dataclass
class Run:
    """One command as the user saw it."""

    args: list[str]
    code: int
    stdout: str
    stderr: str
    exception: BaseException | None  # an exception that escaped the command (in-process runs only)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self):
        return json.loads(self.stdout)

    def __str__(self) -> str:  # shown by pytest when an assertion on a run fails
        escaped = f"\nescaped: {self.exception!r}" if self.exception else ""
        return f"jiuzhu {' '.join(self.args)} → exit {self.code}{escaped}\n{self.output[-3000:]}"


def user_env(home: Path, lang: str | None) -> dict[str, str | None]:
    return {"JIUZHU_HOME": str(home), "JIUZHU_LANG": lang, "JIUZHU_DATABASE_URL": None,
            "JIUZHU_JURISDICTION": None, "JIUZHU_ACTOR": ACTOR, "COLUMNS": "200", "NO_COLOR": "1"}


class User:
    """A member of staff with their own ``JIUZHU_HOME`` (created on first use, like a fresh install)."""

    def __init__(self, home: Path, *, create: bool = True):
        self.home = Path(home)
        if create:
            self.home.mkdir(parents=True, exist_ok=True)
        self._exports = 0

    # ------------------------------------------------------------------ running jiuzhu

    def __call__(self, *args, lang: str | None = None, env: dict | None = None) -> Run:
        """``jiuzhu ARGS`` in this process (CliRunner), in a context of its own (a --lang stays in its run)."""
        environment = user_env(self.home, lang) | (env or {})
        argv = [str(a) for a in args]
        result = contextvars.copy_context().run(CliRunner().invoke, app, argv, env=environment)
        escaped = None if isinstance(result.exception, SystemExit) else result.exception
        return Run(argv, result.exit_code, result.stdout, result.stderr, escaped)

    def process(self, *args, lang: str | None = None, env: dict | None = None, package: Path | None = None,
                timeout: int = 900) -> Run:
        """``python -m jiuzhu.cli.main ARGS`` in a child process; ``package``: run that copy of jiuzhu."""
        environment = dict(os.environ)
        for name, value in (user_env(self.home, lang) | (env or {})).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        source = str((package or PACKAGE).parent)
        environment["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
        argv = [str(a) for a in args]
        done = subprocess.run([sys.executable, "-m", "jiuzhu.cli.main", *argv], env=environment,
                              capture_output=True, text=True, timeout=timeout, cwd=self.home.parent)
        return Run(argv, done.returncode, done.stdout, done.stderr, None)

    # ------------------------------------------------------------------ what the user can read back

    def docs(self, folder: Path | None = None) -> dict[str, dict]:
        """Every household of the registry, as the lossless export writes it (``export x.jsonl --unmask``)."""
        self._exports += 1
        path = Path(folder or self.home.parent) / f"{self.home.name}-registry-{self._exports}.jsonl"
        run = self("export", path, "--unmask")
        assert run.code == 0 and run.exception is None, str(run)
        docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {d["household_no"]: d for d in docs}

    def show(self, household_no: str) -> dict:
        run = self("household", "show", household_no, "--json", "--unmask")
        assert run.code == 0, str(run)
        return run.json()

    def scan_lists(self, month: str = "2025-08", *extra, by: str = "township") -> tuple[Run, dict[str, list[dict]]]:
        """``jiuzhu scan --month M --workbooks township``: the run and the rows of the workbooks it wrote, by sheet."""
        before = set(self.home.rglob("*.xlsx"))
        run = self("scan", "--month", month, "--workbooks", by, *extra)
        sheets: dict[str, list[dict]] = {}
        for path in sorted(set(self.home.rglob("*.xlsx")) - before):
            for name, rows in workbook_rows(path).items():
                sheets.setdefault(name, []).extend(rows)
        return run, sheets


# ---------------------------------------------------------------------- assertions


def assert_clean(run: Run) -> None:
    """No traceback and no escaped exception, whatever the input."""
    assert run.exception is None, str(run)
    assert not TRACEBACK.search(run.output), str(run)


def assert_refused(run: Run, *named: str | re.Pattern) -> None:
    """Refused the way the issue asks: a non-zero exit, no traceback, and the things named in the message."""
    assert_clean(run)
    assert run.code != 0, str(run)
    for thing in named:
        found = thing.search(run.output) if isinstance(thing, re.Pattern) else thing in run.output
        assert found, f"{thing!r} is not named\n{run}"


def member_named(output: str, name: str, position: int, id_number: str) -> bool:
    """A member is named by name, by position (第2项, members[1]) or by the masked ID number."""
    masked = id_number[:6] + "*" * 8 + id_number[-4:]
    return any(s in output for s in (name, f"第{position}", f"members[{position - 1}]", masked, id_number))


def says_unicode_is_expected(output: str) -> bool:
    return re.search(r"utf-?8", output, re.IGNORECASE) is not None


def says_chinese_encoding(output: str) -> bool:
    return re.search(r"GBK|GB18030|GB2312|GB-?2312", output, re.IGNORECASE) is not None


# ---------------------------------------------------------------------- documents and money


def yuan(value) -> Decimal:
    """A money figure however it is shown: 630, 630.0, "630.00", "1,051.00", "¥630.00"."""
    text = str(value).replace(",", "").replace("¥", "").replace("元", "").strip()
    return Decimal(text).quantize(Decimal("0.01"))


def people(docs: dict[str, dict]) -> int:
    return sum(len(d["members"]) for d in docs.values())


def member_of(docs: dict[str, dict], name: str) -> dict:
    found = [m for d in docs.values() for m in d["members"] if m["name"] == name]
    assert len(found) == 1, f"{name}: {len(found)} members of that name"
    return found[0]


def programme(result: dict, code: str) -> dict:
    return next(p for p in result["programmes"] if p["programme"] == code)


def eligible_persons(result: dict, code: str) -> list[dict]:
    return [p for p in programme(result, code).get("persons", []) if p["status"] == "eligible"]


# ---------------------------------------------------------------------- spreadsheets


def workbook_rows(path: Path) -> dict[str, list[dict]]:
    """Each sheet's rows under its header row (the first row holding 户编号), as dicts; '无' rows left out."""
    book = openpyxl.load_workbook(path)
    out: dict[str, list[dict]] = {}
    for sheet in book.worksheets:
        header = None
        rows = []
        for values in sheet.iter_rows(values_only=True):
            if header is None:
                if "户编号" in values:
                    header = [str(v) if v is not None else "" for v in values]
                continue
            if any(v not in (None, "", "无") for v in values):
                rows.append(dict(zip(header, values, strict=False)))
        out[sheet.title] = rows
    return out


def amount_of(row: dict) -> Decimal:
    """The money of a list entry (预计月救助金额(元), 现月救助金额(元) …)."""
    column = next(k for k in row if "金额" in k)
    return yuan(row[column])


def ledger_cells(path: Path) -> list[tuple]:
    """Every cell of a ledger as written: the values of the first sheet, or the CSV's fields."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [tuple(row) for row in csv.reader(f)]
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def ledger_records(path: Path) -> list[dict]:
    """The rows of an exported ledger as dicts keyed by the Chinese header."""
    cells = ledger_cells(path)
    header = [str(h) for h in cells[0]]
    return [dict(zip(header, row, strict=False)) for row in cells[1:] if any(v not in (None, "") for v in row)]


# ---------------------------------------------------------------------- the demo district and package copies


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> User:
    """A demo district of 300 households, made once per session as the README says: ``jiuzhu demo``."""
    user = User(tmp_path_factory.mktemp("demo") / "home")
    run = user.process("demo", "--households", "300")
    assert run.code == 0, str(run)
    return user


def copy_package(folder: Path) -> Path:
    """A copy of the installed jiuzhu package (an upgrade in place is then an edit of the copy)."""
    target = folder / "src" / "jiuzhu"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def add_parameter_value(package: Path, parameter: str, start: str, value) -> None:
    """Publish a new dated value of a parameter in a package copy, as a rules update does."""
    path = package / "rules" / "parameters" / (parameter.replace(".", "/") + ".yaml")
    text = path.read_text(encoding="utf-8")
    assert f"{start}:" not in text and f"'{start}':" not in text, f"{parameter} already has a value at {start}"
    path.write_text(text.rstrip("\n") + f"\n  {start}:\n    value: {value}\n", encoding="utf-8")


# ---------------------------------------------------------------------- what a run printed or recorded


def table_row(text: str, label: str) -> list[str]:
    """The cells of the table row that starts with ``label`` (Rich box drawing or plain)."""
    for line in text.splitlines():
        cells = [c.strip().replace(",", "") if re.fullmatch(r"\s*-?[\d,]+(\.\d+)?\s*", c) else c.strip()
                 for c in re.split(r"[│┃|]", line)]
        cells = [c for c in cells if c != ""]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label} in:\n{text}")


def access_log(user: User) -> list[bool]:
    """The access log's ``unmasked`` column (the audit log's rows of accesses), oldest first, read straight from
    the home's database."""
    from jiuzhu.audit.service import ACCOUNT_ACTIONS, CHANGE_ACTIONS

    engine = sa.create_engine(f"sqlite:///{user.home / 'jiuzhu.db'}")
    query = sa.text("SELECT unmasked FROM audit_log WHERE action NOT IN :others ORDER BY seq").bindparams(
        sa.bindparam("others", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(query, {"others": sorted(CHANGE_ACTIONS | ACCOUNT_ACTIONS)}).scalars().all()
    engine.dispose()
    return [bool(r) for r in rows]


def lists_of(run, user: User) -> dict[tuple[str, str], Decimal]:
    """The 应享未享 entries of the newest scan's workbooks: (户编号, 项目) → monthly amount."""
    assert_clean(run)
    assert run.code == 0, str(run)
    folders = sorted({p.parent for p in user.home.rglob("*.xlsx")}, key=lambda p: p.stat().st_mtime)
    assert folders, str(run)
    rows = [r for path in folders[-1].glob("*.xlsx") for r in workbook_rows(path).get("应享未享", [])]
    return {(r["户编号"], r["项目"]): amount_of(r) for r in rows}
