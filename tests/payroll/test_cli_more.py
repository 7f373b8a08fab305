"""``jiuzhu payroll accounts-set`` in Chinese: a payee's corrected account recorded with its reason (masked in the
output), a wrong one refused in one line with the ledger's words and a non-zero exit; ``--output`` of the lists."""

from __future__ import annotations

import openpyxl

from tests.payroll.test_cli import home, run  # noqa: F401 - the CLI's home fixture


def _head(home):  # noqa: F811
    return (home / "accounts.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[:2]


def test_accounts_set_records_a_masked_account_with_its_reason(home, monkeypatch, zh):  # noqa: F811
    id_number, name = _head(home)
    code, out = run(monkeypatch, "maker", "accounts-import", home / "accounts.csv")
    assert code == 0, out
    code, out = run(monkeypatch, "maker", "accounts-set", id_number, "--name", name, "--bank", "中国工商银行",
                    "--account", "6222000000000000777", "--opened", "2025-07-01", "--reason", "原卡已销户")
    assert code == 0 and "中国工商银行" in out and "0777" in out and "6222000000000000777" not in out, out
    assert id_number not in out
    code, out = run(monkeypatch, "maker", "accounts-set", id_number, "--name", name, "--bank", "cqrcb",
                    "--account", "12ab", "--opened", "2025-07-01", "--reason", "换卡")
    assert code != 0 and "账号" in out and "8 至 32 位" in out and len(out.strip().splitlines()) == 1, out
    code, out = run(monkeypatch, "maker", "accounts-set", id_number, "--name", name, "--bank", "cqrcb",
                    "--account", "6231000000000000778", "--opened", "2025-07-01", "--reason", " ")
    assert code != 0 and "原因" in out, out


def test_the_lists_written_to_excel(home, monkeypatch, zh):  # noqa: F811
    code, out = run(monkeypatch, "maker", "accounts-import", home / "accounts.csv")
    code, out = run(monkeypatch, "maker", "prepare", "--programme", "dibao", "--month", "2025-06")
    assert code == 0, out
    for args in (["list"], ["show", "dibao-500111-2025-06"], ["totals", "--year", "2025"]):
        target = home / f"{args[0]}.xlsx"
        code, out = run(monkeypatch, "maker", *args, "--output", target)
        assert code == 0 and target.is_file() and "已写入" in out, out
    assert "没有已审核的发放名册" in out  # nothing approved yet: the file of headers says so, as the table does
    code, out = run(monkeypatch, "checker", "approve", "dibao-500111-2025-06")
    code, out = run(monkeypatch, "maker", "totals", "--year", "2025", "--output", home / "totals.xlsx")
    assert "已写入 1 行" in out, out
    sheet = openpyxl.load_workbook(home / "show.xlsx").active
    rows = list(sheet.iter_rows())
    assert rows[0][0].value.startswith("发放名册 dibao-500111-2025-06（最低生活保障") and rows[1][0].value == "序号"
    lines = rows[2:-1]
    assert len(lines) == 2 and rows[-1][0].value == "合计"
    amounts = [r[8] for r in lines]
    assert [f"{c.value:.2f}" for c in amounts] == ["612.40", "455.55"] and amounts[0].number_format == "#,##0.00"
    assert f"{rows[-1][8].value:.2f}" == "1067.95"  # the sum in fen, exact
    assert all("*" in r[3].value and "*" in r[5].value for r in lines)  # ID and account masked
    assert all(r[1].data_type == "s" and r[2].data_type == "s" for r in lines)  # text as text
    totals = list(openpyxl.load_workbook(home / "totals.xlsx").active.iter_rows(values_only=True))
    assert totals[2][:4] == ("最低生活保障", totals[2][1], "500111119", "2025-06")
    assert f"{totals[2][5]:.2f}" == "1067.95"
