"""The ``jiuzhu`` command as a user runs it: import, show (masked), history, export, schema, errors."""

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from jiuzhu.db import make_engine, session_scope
from tests.audit import access_rows
from tests.conftest import EXAMPLE

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_ACTOR", "caseworker-7")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # tables are not folded: a line holds what a test looks for
    return tmp_path


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_import_show_masks_ids_and_logs_access(home):
    code, out = _run("import", EXAMPLE)
    assert code == 0 and "stored 1 households" in out
    head_id = json.loads(EXAMPLE.read_text())["members"][0]["id_number"]
    code, out = _run("household", "show", "500111119-000001", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["members"][0]["id_number"] == head_id[:6] + "********" + head_id[-4:]
    assert head_id not in out
    code, out = _run("household", "show", "500111119-000001", "--json", "--unmask")
    assert head_id in out
    engine = make_engine(f"sqlite:///{home / 'jiuzhu.db'}")
    with session_scope(engine) as session:
        log = [(a.actor, a.action, a.unmasked) for a in access_rows(session)]
    assert log == [("caseworker-7", "view", False), ("caseworker-7", "view", True)]


def test_the_readable_view_shows_labels_and_enrolments(home, monkeypatch):
    _run("import", EXAMPLE)
    code, out = _run("household", "show", "500111119-000001")
    assert code == 0  # in English: the vocabularies' English words; names and places as recorded
    assert "王德福" in out and "head of household" in out and "铁山镇" in out
    assert "enrolled in Care subsidy for severely disabled people" in out
    assert not {"户主", "重度残疾人护理补贴", "男", "女", "肢体"} & set(re.findall(r"[\u4e00-\u9fff]+", out))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    code, out = _run("household", "show", "500111119-000001")
    assert code == 0 and "王德福" in out and "户主" in out and "重度残疾人护理补贴" in out and "铁山镇" in out


def test_history_after_a_change(home, tmp_path):
    _run("import", EXAMPLE)
    changed = json.loads(EXAMPLE.read_text())
    changed["address"] = "大足区铁山镇示例村4组1号(合成数据)"
    (tmp_path / "changed.json").write_text(json.dumps(changed, ensure_ascii=False))
    _run("import", tmp_path / "changed.json", "--reason", "moved house")
    code, out = _run("household", "history", "500111119-000001")
    assert code == 0 and "moved house" in out and "address" in out and "caseworker-7" in out


def test_bad_input_is_reported_with_record_and_field_and_exit_code(home, tmp_path):
    bad = json.loads(EXAMPLE.read_text())
    id_number = bad["members"][0]["id_number"]
    wrong_check_digit = "0" if id_number[-1] != "0" else "1"
    bad["members"][0]["id_number"] = id_number[:-1] + wrong_check_digit
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False))
    code, out = _run("import", tmp_path / "bad.json", "--report", tmp_path / "rejected.csv")
    assert code == 1 and "rejected 1" in out and "members[0].id_number" in out and "check digit" in out
    rejected = (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig")
    assert "members[0].id_number" in rejected
    assert rejected.splitlines()[0] == "记录,字段,原因"  # the report's columns are Chinese in every language
    code, out = _run("household", "show", "nope")
    assert code == 2 and "household nope is not in the registry" in out
    shutil.copy(EXAMPLE, tmp_path / "household.txt")
    code, out = _run("import", tmp_path / "household.txt")
    assert code == 2 and "unknown file type '.txt'" in out


def test_a_record_error_names_the_record_and_its_column_never_an_option(home, tmp_path, zh):
    """A ledger without its header row is one RecordError (file, column, reason): shown as it names itself, not as
    if the column were an option of the command (--户编号)."""
    (tmp_path / "no-header.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    code, out = _run("import", tmp_path / "no-header.csv")
    assert code == 2 and "no-header.csv: 户编号: " in out and "--户编号" not in out


def test_a_busy_database_is_one_line_and_one_exit_code_however_it_surfaces(home, monkeypatch, zh):
    """SQLite's "database is locked" says the same and exits the same, whether the database layer translated it
    (db.sqlite_error) or it reached the edge untranslated."""
    from sqlalchemy.exc import OperationalError

    from jiuzhu.registry import summary as summary_service

    _run("import", EXAMPLE)

    def busy(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(summary_service, "summarise", busy)
    code, out = _run("summary")
    assert code == 2 and "正忙" in out and str(home / "jiuzhu.db") in out and len(out.strip().splitlines()) == 1


def test_export_jsonl_round_trips(home, tmp_path):
    _run("import", EXAMPLE)
    code, out = _run("export", tmp_path / "all.jsonl")
    assert code == 0 and "wrote 1" in out
    exported = json.loads((tmp_path / "all.jsonl").read_text().splitlines()[0])
    assert exported["members"][0]["incomes"][0] == {
        "month": "2025-06", "wages": None, "business_net": "300.00", "property_net": None, "transfer_net": None,
        "pension": None, "unemployment_benefit": None, "youfu": None, "family_planning": None, "award": None,
        "assistance": None, "basic_pension_central": "123.00"}


def test_schema_command_prints_the_committed_schema(home):
    code, out = _run("schema")
    assert code == 0
    committed = json.loads((EXAMPLE.parents[1] / "schema" / "household.schema.json").read_text())
    assert json.loads(out) == committed


def test_summary_counts(home):
    _run("import", EXAMPLE)
    code, out = _run("summary")
    assert code == 0 and "1 households" in out and "4 people" in out
    assert "Care subsidy for severely disabled people" in out and "重度残疾人护理补贴" not in out  # English


def test_evaluate_prints_a_readable_decision(home):
    code, out = _run("evaluate", EXAMPLE, "--month", "2025-08", "--explain", "--lang", "zh")
    assert code == 0
    assert "最低生活保障: 符合  2,820.00 元/月" in out and "低保标准 630.00 元" in out and "特困人员救助供养" in out


def test_whatif_on_the_registry_reports_the_cost_of_a_new_line(home):
    _run("import", EXAMPLE)
    code, out = _run("whatif", "--set", "dibao.line.rural=700", "--month", "2025-08")
    assert code == 0 and "1 households" in out
    assert "2,820.00" in out and "3,100.00" in out and "280.00" in out  # four members × 70 yuan more


def test_whatif_in_chinese_names_the_change_in_chinese_and_takes_large_values(home, zh):
    """Newcomer finding 3: a line of a million yuan crashed (exit 70); 1e2 was shown "1E+2"; the title English."""
    _run("import", EXAMPLE)
    code, out = _run("whatif", "--set", "dibao.line.rural=1000000", "--set", "dibao.line.urban=1e2")
    flat = " ".join(out.split())  # the title is folded to the terminal's width
    assert code == 0, out
    assert "dibao.line.rural（农村最低生活保障标准） 自2025年8月1日起调整为 1000000" in flat
    assert "调整为 100：" in flat and "1E+2" not in flat and " from " not in flat
    code, out = _run("whatif", "--set", "dibao.line.rural=1e30")
    assert code == 2 and "dibao.line.rural（农村最低生活保障标准） 的取值范围是 0 至 10,000,000" in out


def test_scan_lists_the_example_household(home):
    _run("import", EXAMPLE)
    code, out = _run("scan", "--month", "2025-08", "--workbooks", "township")
    assert code == 0 and "scanned 1 households, 4 people" in out
    assert "entitled, not enrolled (应享未享)" in out and "Minimum living allowance" in out
    assert "最低生活保障" not in out and "wrote 1 workbooks" in out


def test_a_ledger_imported_twice_says_its_households_are_unchanged(home, tmp_path, zh):
    """Ledger and JSON count alike: the second import stores nothing and says the households are unchanged; a
    --report asked for is written (its header only) and the user is told so."""
    from tests.conftest import FIELD_TEST_1

    ledger = FIELD_TEST_1 / "ledger-clean-same-households.xlsx"
    code, out = _run("import", ledger)
    assert code == 0 and "入库 10 户 32 人" in out and "未作改动" not in out
    report = tmp_path / "rejected.csv"
    code, out = _run("import", ledger, "--report", report)
    assert code == 0 and "入库 0 户 0 人" in out and "10 户与登记库中已有的记录相同：未作改动" in out
    assert report.read_text(encoding="utf-8-sig").strip() == "行号,户编号,字段,原因"
    assert f"没有被拒绝的记录；{report} 里只有表头行" in out.replace("\n", "")
    code, out = _run("import", ledger, "--json")
    doc = json.loads(out)
    assert (doc["stored_households"], doc["unchanged_households"], doc["stored_people"]) == (0, 10, 0)


def test_a_masked_ledger_is_one_line_and_exit_2_as_a_masked_jsonl(home, tmp_path, zh):
    _run("import", EXAMPLE)
    for suffix in (".xlsx", ".jsonl"):
        _run("export", tmp_path / f"masked{suffix}")
        code, out = _run("import", tmp_path / f"masked{suffix}")
        assert code == 2 and len(out.strip().splitlines()) == 1 and "脱敏" in out, out


def test_a_ledger_missing_a_required_column_names_it_once(home, tmp_path, zh):
    from tests.registry.test_ledger import write_ledger

    headers = ["户编号", "区划代码", "城乡类别", "与户主关系", "姓名", "家庭住址"]  # no 身份证号
    path = write_ledger(tmp_path / "no-id.csv", [{"户编号": "1", "区划代码": "500111119", "城乡类别": "农村",
                                                  "与户主关系": "户主", "姓名": "王"}], headers=headers)
    code, out = _run("import", path)
    assert code == 2 and "no-id.csv: 身份证号: 缺少必需的列" in out and "户编号:" not in out
    assert out.count("身份证号") == 2  # the column at fault, then the list of what a ledger must contain
