"""Privacy in the ledger: every identifier masked unless unmasked on purpose, the access log says truly
what was written, a masked ledger is refused on import with a reason that says so; progress is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import privacy, service
from jiuzhu.registry.ledger import count_people, export_ledger, import_ledger, read_sheet
from jiuzhu.registry.ledger.columns import COLUMNS
from jiuzhu.registry.ledger.views import balances
from tests.audit import access_rows
from tests.registry.test_ledger import example, write_ledger

SUPPORTER_ID = "512126198001010153"
IDENTIFIERS = {  # column → the full value the household below holds
    "身份证号": "512126195804120037", "联系电话": "13800001234", "残疾证号": "51212619580412003542",
    "账号": "6217000012345678", "机动车号牌": "渝B12345", "不动产权证号": "渝(2020)大足区不动产权第000123号",
    "义务人身份证号": SUPPORTER_ID,
}


def rich() -> dict:
    data = example()
    head = data["members"][0]
    head["phone"] = IDENTIFIERS["联系电话"]
    head["financial_assets"][0]["account"] = IDENTIFIERS["账号"]
    head["vehicles"].append({"kind": "motorcycle", "plate": IDENTIFIERS["机动车号牌"], "value": "900.00"})
    head["real_estate"][0]["certificate_no"] = IDENTIFIERS["不动产权证号"]
    head["supporters"][0]["id_number"] = SUPPORTER_ID
    return data


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    migrate.upgrade(eng)
    with session_scope(eng) as session:
        service.put_household(session, service.parse_household(rich(), record="x"), actor="t", reason="t")
    yield eng
    eng.dispose()


def export(engine, path: Path, **kwargs) -> list[list]:
    with session_scope(engine) as session:
        export_ledger(session, path, month="2025-07", actor="clerk", **kwargs)
    return [cells for _, cells in read_sheet(path)[1:]]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_identifier_is_masked_unless_unmasked(engine, tmp_path, suffix):
    masked = export(engine, tmp_path / f"m{suffix}")
    text = "\n".join(str(c) for row in masked for c in row)
    for header, value in IDENTIFIERS.items():
        assert value not in text, header
        column = [c.header for c in COLUMNS].index(header)
        shown = {row[column] for row in masked if row[column]}
        assert shown and all("*" in v for v in shown), header
    # references to members on detail rows (rigid spending, enrolments, every item) are masked too
    assert all("*" in row[[c.header for c in COLUMNS].index("身份证号")] for row in masked)
    full = export(engine, tmp_path / f"f{suffix}", unmask=True)
    text = "\n".join(str(c) for row in full for c in row)
    assert all(value in text for value in IDENTIFIERS.values())


def test_the_masks_are_the_registry_s_rules():
    masks = {c.header: c.mask for c in COLUMNS if c.mask is not None}
    assert set(masks) == set(IDENTIFIERS)
    assert masks["身份证号"] is privacy.mask_id and masks["联系电话"] is privacy.mask_phone
    assert masks["账号"] is privacy.mask_account and masks["残疾证号"] is privacy.mask_certificate


def test_the_access_log_says_what_was_written(engine, tmp_path):
    export(engine, tmp_path / "a.csv")
    export(engine, tmp_path / "b.xlsx", unmask=True, area_code="500111119")
    with session_scope(engine) as session:
        logs = [(a.actor, a.unmasked, a.subject) for a in access_rows(session)]
    assert [(actor, unmasked) for actor, unmasked, _ in logs] == [("clerk", False), ("clerk", True)]
    assert logs[0][2] == "导出 a.csv，2025年7月，全部区划，1 户，4 人，13 行；证件号码等已脱敏"
    assert "区划 500111119" in logs[1][2] and logs[1][2].endswith("证件号码等未脱敏")


def test_a_masked_ledger_is_refused_saying_so(engine, tmp_path, zh):
    path = tmp_path / "masked.csv"
    export(engine, path)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate.upgrade(other)
    with pytest.raises(JiuzhuError) as refused, session_scope(other) as session:
        import_ledger(session, path, actor="clerk", reason="r")
    # one line for the whole file, before anything is read into the registry (as a masked .jsonl export)
    assert str(refused.value).startswith("masked.csv：") and "已脱敏" in str(refused.value)
    assert "--unmask" in str(refused.value) and "512126********0037" in str(refused.value)
    # an identifier masked further down (copied from a masked export into a full one) is its row's problem
    full = tmp_path / "full.csv"
    export(engine, full, unmask=True)
    rows = read_sheet(full)
    column = [h for h in rows[0][1]].index("残疾证号")
    masked_cell = next(cells[column] for _, cells in read_sheet(path)[1:] if cells[column])
    for _, cells in rows[1:]:
        if cells[column]:
            cells[column] = masked_cell
    write_ledger(full, [dict(zip(rows[0][1], cells, strict=True)) for _, cells in rows[1:]], headers=rows[0][1])
    with session_scope(other) as session:
        report = import_ledger(session, full, actor="clerk", reason="r")
    other.dispose()
    assert report.stored_households == 0
    reasons = [r.reason for r in report.rejected if r.field == "残疾证号"]
    assert reasons and all("已脱敏" in r and "--unmask" in r for r in reasons)


def test_progress_counts_rows_and_people(engine, tmp_path):
    path = tmp_path / "p.csv"
    seen: list[int] = []
    totals: list[int] = []
    with session_scope(engine) as session:
        export_ledger(session, path, month="2025-07", actor="clerk", unmask=True, progress=seen.append,
                      total=totals.append)
        assert seen == [4] == totals == [count_people(session)]
    rows = len(read_sheet(path)) - 1
    shutil.copy(path, tmp_path / "again.csv")
    seen.clear()
    totals.clear()
    with session_scope(engine) as session:
        report = import_ledger(session, tmp_path / "again.csv", actor="clerk", reason="r", progress=seen.append,
                               total=totals.append)
    assert seen == sorted(seen) and seen[-1] == rows == report.rows and totals == [rows]


def test_a_kind_s_balance_adds_up_the_latest_statement_of_each_account():
    import datetime as dt

    def statement(account, amount, day):
        return {"kind": "deposit", "institution": "bank", "account": account, "amount": amount,
                "as_of": dt.date.fromisoformat(day)}

    items = [statement("A", "10000.00", "2025-06-30"), statement("A", "10500.00", "2025-07-31"),
             statement("B", "300.00", "2025-05-31"), statement("B", "200.00", "2025-09-30")]
    assert balances(items, dt.date(2025, 8, 31))["deposit"] == 10800
    assert balances(items, dt.date(2025, 6, 30))["deposit"] == 10300
    assert balances(items, dt.date(2025, 4, 30)) == {}
