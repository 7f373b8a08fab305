"""``jiuzhu payroll …`` as two operators run it: accounts from a ledger, prepare, approve (not one's own), file,
returns, show, totals; bad input in one Chinese line with a non-zero exit and no traceback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu import migrate
from jiuzhu.accounts import service as accounts
from jiuzhu.cli.main import app
from jiuzhu.db import make_engine, session_scope
from tests.payroll.conftest import dibao_household, put

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    engine = make_engine(f"sqlite:///{tmp_path / 'jiuzhu.db'}")
    migrate.upgrade(engine)
    docs = [dibao_household("500111119-000301", 31), dibao_household("500111119-000302", 32, amount="455.55")]
    put(engine, *docs)
    with session_scope(engine) as session:  # approving is a person's own deed: the checker's account
        for name in ("maker", "checker"):
            accounts.add_user(session, username=name, password="Payroll-Test-Pass-2026", role="district_officer",
                              area_code="500111", display_name=name, actor="t")
    engine.dispose()
    ledger = tmp_path / "accounts.csv"
    ledger.write_text("身份证号,户名,账户类型,开户银行,账号,开户日期\n" + "".join(
        f"{d['members'][0]['id_number']},{d['members'][0]['name']},一卡通,重庆农村商业银行,62310000000000003{i},"
        "2024-01-01\n" for i, d in enumerate(docs)), encoding="utf-8")
    return tmp_path


def run(monkeypatch, who: str, *args):
    monkeypatch.setenv("JIUZHU_ACTOR", who)
    result = runner.invoke(app, ["payroll", *[str(a) for a in args]])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_month_from_ledger_to_totals(home, monkeypatch, zh):
    code, out = run(monkeypatch, "maker", "accounts-import", home / "accounts.csv")
    assert code == 0 and "2" in out, out
    code, out = run(monkeypatch, "maker", "prepare", "--programme", "dibao", "--month", "2025-06")
    assert code == 0 and "dibao-500111-2025-06" in out and "1,067.95" in out, out
    code, out = run(monkeypatch, "maker", "approve", "dibao-500111-2025-06")
    assert code == 2 and "不能审核" in out, out  # the account that prepared it (maker-checker)
    code, out = run(monkeypatch, "someone.else", "approve", "dibao-500111-2025-06")
    assert code == 2 and "JIUZHU_ACTOR='someone.else'" in out, out
    code, out = run(monkeypatch, "checker", "approve", "dibao-500111-2025-06")
    assert code == 0, out
    code, out = run(monkeypatch, "maker", "file", "dibao-500111-2025-06", "--out", home / "out", "--reason", "代发")
    assert code == 0 and "dibao-500111-2025-06_cqrcb.txt" in out, out
    sent = (home / "out" / "dibao-500111-2025-06_cqrcb.txt").read_text(encoding="gbk").splitlines()
    assert sent[-1] == "合计|2|1067.95"
    back = home / "back.txt"
    first, second = (row.split("|")[2] for row in sent[:2])
    back.write_bytes(f"1|{first}|王德福|612.40|0000|\r\n2|{second}|王德福|455.55|1|户名不符"
                     "\r\n合计|2|1067.95\r\n".encode("gbk"))
    code, out = run(monkeypatch, "maker", "returns", "dibao-500111-2025-06", back, "--bank", "cqrcb")
    assert code == 0 and "1 笔已支付" in out and "1 笔失败" in out, out
    code, out = run(monkeypatch, "maker", "show", "dibao-500111-2025-06", "--status", "failed")
    assert code == 0 and "户名不符" in out and "*************0031" in out, out
    code, out = run(monkeypatch, "maker", "totals", "--year", "2025", "--json")
    assert code == 0, out
    assert [(r["amount_yuan"], r["paid_yuan"], r["failed"]) for r in json.loads(out)] == [("612.40", "612.40", 1)]
    code, out = run(monkeypatch, "maker", "file", "dibao-500111-2025-06", "--bank", "cqrcb", "--batch-no", "B001")
    assert code == 0 and "B001" in out, out


@pytest.mark.parametrize("args, words", [
    (("prepare", "--programme", "margin", "--month", "2025-06"), "按月"),
    (("prepare", "--programme", "dibao", "--month", "2025-13"), "YYYY-MM"),
    (("show", "nope"), "不存在"),
    (("returns", "nope", "missing.txt", "--bank", "cqrcb"), "不存在"),
])
def test_bad_input_is_one_chinese_line_and_a_non_zero_exit(home, monkeypatch, zh, args, words):
    code, out = run(monkeypatch, "maker", *args)
    assert code != 0 and words in out, out
