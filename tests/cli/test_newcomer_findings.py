"""Findings of the newcomer test (notes/newcomer.md): demo --fresh, history in Chinese, counted income, pipes."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [["info"], ["schema"]])  # a Rich table / typer.echo
def test_a_reader_that_stops_reading_ends_the_command_quietly_with_exit_0(tmp_path, command):
    # `jiuzhu summary | head -1`: the reader closes the pipe before the command writes (finding 13)
    env = {**os.environ, "JIUZHU_HOME": str(tmp_path), "JIUZHU_LANG": "zh"}
    child = subprocess.Popen([sys.executable, "-c", "from jiuzhu.cli.main import app; app()", *command],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # long before the interpreter has started: every write meets a closed pipe
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err.decode()) == (0, "")


# --------------------------------------------------------------------------- demo --fresh (finding 2)

from typer.testing import CliRunner  # noqa: E402

from jiuzhu.cli.main import app  # noqa: E402
from tests.conftest import EXAMPLE  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch, zh):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _households() -> int:
    code, out = run("summary", "--json")
    assert code == 0, out
    import json

    return json.loads(out)["households"]


def test_demo_fresh_rebuilds_only_a_registry_of_nothing_but_the_demo(home):
    assert run("demo", "--households", "5")[0] == 0
    code, out = run("demo", "--households", "5")
    assert code == 0 and "已由演示装入（5 户）" in out
    code, out = run("demo", "--households", "6", "--fresh")  # nothing but the demo's: rebuilt
    assert code == 0 and _households() == 6
    assert run("import", EXAMPLE)[0] == 0  # a household of the same district, imported by hand
    code, out = run("demo", "--households", "5")
    assert code == 0 and "已有 7 户，其中 1 户不是演示装入的" in out and "已由演示装入" not in out
    code, out = run("demo", "--households", "5", "--fresh")
    assert code == 2 and "--fresh" in out and "1 户、1 条变更记录" in out and "JIUZHU_HOME" in out
    assert _households() == 7  # kept


def test_demo_fresh_keeps_the_access_log(home):
    assert run("demo", "--households", "5", "--fresh")[0] == 0  # no database yet: --fresh is harmless
    assert run("export", home / "all.jsonl")[0] == 0  # an export is logged (个人信息保护法)
    code, out = run("demo", "--households", "5", "--fresh")
    assert code == 2 and "1 条查阅记录" in out
    assert (home / "jiuzhu.db").exists() and _households() == 5


# --------------------------------------------------------------------------- counted income (finding 10)


def _example_without_incomes(tmp_path, declared_on):
    import json

    doc = json.loads(EXAMPLE.read_text())
    doc["declared_on"] = declared_on
    for member in doc["members"]:
        member["incomes"] = []
    (tmp_path / "h.json").write_text(json.dumps(doc, ensure_ascii=False))
    return tmp_path / "h.json", doc["household_no"]


def test_show_gives_the_income_the_rules_count_for_a_declared_household(home, tmp_path):
    path, number = _example_without_incomes(tmp_path, "2025-08-05")
    assert run("import", path)[0] == 0
    code, out = run("household", "show", number)
    # declared in August: July has no entry and counts as zero (docs/registry.md, declared_on), as evaluate says
    assert code == 0 and "0.00（已申报，无收入记录）" in out and "2025年7月" in out and "未知" not in out


def test_show_says_unknown_without_a_declaration(home, tmp_path):
    path, number = _example_without_incomes(tmp_path, None)
    assert run("import", path)[0] == 0
    code, out = run("household", "show", number)
    assert code == 0 and "未知" in out and "已申报" not in out


def test_latest_incomes_follows_the_declaration():
    from decimal import Decimal

    from jiuzhu.registry.service import LatestIncome, latest_incomes

    june = {"month": "2025-06", "wages": "1000.00", "pension": "200.00", "youfu": "50.00"}
    doc = {"declared_on": "2025-08-05", "members": [{"incomes": [june]}, {"incomes": []}]}
    assert latest_incomes(doc) == [LatestIncome("2025-07", Decimal("0.00"), declared=True)] * 2
    doc["declared_on"] = "2025-07-01"  # covers June only: June's entry is what counts
    assert latest_incomes(doc) == [LatestIncome("2025-06", Decimal("1200.00")),
                                   LatestIncome("2025-06", Decimal("0.00"), declared=True)]
    doc["declared_on"] = None
    assert latest_incomes(doc) == [LatestIncome("2025-06", Decimal("1200.00")), LatestIncome(None, None)]


# --------------------------------------------------------------------------- history in Chinese (finding 7)


def test_history_reads_in_chinese_and_json_keeps_the_codes(home, tmp_path):
    import json

    assert run("import", EXAMPLE)[0] == 0  # the default reason
    doc = json.loads(EXAMPLE.read_text())
    spouse = doc["members"][1]
    spouse["relation"], doc["members"][0]["financial_assets"] = "child", []
    doc["urban"] = not doc["urban"]
    doc["members"][0]["incomes"][0]["wages"] = "123.45"
    (tmp_path / "c.json").write_text(json.dumps(doc, ensure_ascii=False))
    assert run("import", tmp_path / "c.json", "--reason", "台账核对")[0] == 0
    code, out = run("household", "history", doc["household_no"])
    assert code == 0
    assert "导入" in out and "（新建）" in out and "4 名成员" in out and "台账核对" in out
    assert "家庭成员 512126********" in out and "·与户主关系" in out and "配偶" in out and "子女" in out
    assert "·金融资产" in out and "无" in out and "城乡类别" in out and "工资性收入" in out
    english = {"import", "(created)", "members[", "spouse", "child", "true", "false", "[]", '{"members"'}
    assert not {word for word in english if word in out}
    code, out = run("household", "history", doc["household_no"], "--json")
    changes = json.loads(out)["changes"]
    assert changes[0]["reason"] == "导入" and changes[0]["path"] == "(created)"  # stored in the record's language
    relation = next(c for c in changes if c["path"].endswith(".relation"))
    assert (relation["old"], relation["new"]) == ("spouse", "child")


def test_history_shows_the_old_english_defaults_in_chinese(home):
    from jiuzhu.db import make_engine, session_scope
    from jiuzhu.registry import models as m

    assert run("import", EXAMPLE, "--reason", "import")[0] == 0  # what an older Jiuzhu stored by default
    with session_scope(make_engine(f"sqlite:///{home / 'jiuzhu.db'}")) as session:
        session.add(m.Change(at=m.Change.__table__.c.at.type.python_type.now(), actor="x", reason="demo",
                             household_no="500111119-000001", path="(bulk load)", old_value=None,
                             new_value='{"source": "/s", "rows": {"households": 3, "persons": 9}}'))
    code, out = run("household", "history", "500111119-000001")
    assert code == 0 and "导入" in out and "演示数据" in out and "（批量装入）" in out and "3 户、9 人，来自 /s" in out
    assert "import" not in out and "demo" not in out


def test_a_rejected_field_is_named_in_chinese_first(home, tmp_path):
    import json

    doc = json.loads(EXAMPLE.read_text())
    doc["members"][1]["incomes"][0]["wages"] = "-1"
    (tmp_path / "bad.json").write_text(json.dumps(doc, ensure_ascii=False))
    code, out = run("import", tmp_path / "bad.json")
    assert code == 1 and "家庭成员第2项·收入第1项·工资性收入（members[1].incomes[0].wages）" in out


@pytest.mark.parametrize(("text", "where", "problem"), [
    ('{\n  "household_no": "500111119-000001,\n  "area_code": "500111119"\n}', "第 2 行第 37 列", "控制字符"),
    ('{\n  "urban": true\n  "area_code": "500111119"\n}', "第 3 行第 3 列", "应有逗号"),
    ('{"household_no": "500111119-000001"', "第 36 列", "应有逗号"),
    ('{"household_no": "x}', "第 18 列", "引号没有闭合"),
])
def test_broken_json_is_said_in_chinese_with_line_and_column(home, tmp_path, text, where, problem):
    (tmp_path / "broken.json").write_text(text, encoding="utf-8")
    code, out = run("import", tmp_path / "broken.json")
    assert code != 0 and where in out and problem in out and "不是有效的 JSON" in out
    assert not {"Expecting", "Unterminated", "Invalid"} & set(out.split())


# ---------------------------------------------- a home that is a file, a database that is not one


def test_a_home_that_is_a_file_says_so_not_to_free_space(tmp_path, monkeypatch, zh):
    (tmp_path / "home").write_text("")
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
    code, out = run("import", EXAMPLE)
    assert code == 3 and "同名的文件挡住了" in out and "请换一个文件夹" in out
    assert "清理空间" not in out and "Traceback" not in out


def test_a_file_that_is_not_a_database_is_named_as_such(home):
    (home / "jiuzhu.db").write_bytes(b"these are not the pages of a database " * 200)
    code, out = run("summary")
    assert code == 3 and "jiuzhu.db 不是救助系统的数据库" in out and "file is not a database" not in out
