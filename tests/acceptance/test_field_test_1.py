"""Field test 1 (tests/cases/field_test_1/README.md): one test per row, asserting what a user expects.

Each test drives ``jiuzhu`` as township staff do — a new ``JIUZHU_HOME``, SQLite in it, the default language
(Chinese) — and checks what they would see: exit codes, the named fields, the figures, the files written.
"""

from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pytest

from tests.acceptance.conftest import (
    DEATH_WORDS,
    FIELD_TEST_1,
    SAME_KINDS,
    User,
    access_log,
    add_parameter_value,
    amount_of,
    assert_clean,
    assert_refused,
    copy_package,
    eligible_persons,
    ledger_cells,
    ledger_records,
    lists_of,
    member_named,
    member_of,
    people,
    programme,
    says_chinese_encoding,
    says_unicode_is_expected,
    table_row,
)

MERGED = FIELD_TEST_1 / "ledger-merged-household-cells.xlsx"
CLEAN = FIELD_TEST_1 / "ledger-clean-same-households.xlsx"


# ---------------------------------------------------------------------- nothing lost, nothing half-changed


def test_merged_household_cells_read_as_their_top_left_value_and_remove_nobody(tmp_path):
    """ledger-merged-household-cells.xlsx: all 32 people stored; over the clean ledger it changes nobody."""
    fresh = User(tmp_path / "fresh")
    run = fresh("import", MERGED)
    assert_clean(run)
    assert run.code == 0, str(run)  # every row is good once merged cells are read
    docs = fresh.docs()
    assert len(docs) == 10 and people(docs) == 32, {no: len(d["members"]) for no, d in docs.items()}

    over = User(tmp_path / "over")
    run = over("import", CLEAN)
    assert run.code == 0, str(run)
    before = over.docs()
    assert people(before) == 32
    run = over("import", MERGED)
    assert_clean(run)
    assert run.code == 0, str(run)
    assert over.docs() == before  # the same households, read from merged cells: nobody removed or changed


def test_relation_other_is_its_own_label_and_comes_back_as_the_same_code(tmp_path):
    """ledger-relation-other.xlsx: 其他 of each vocabulary is its own label, never 其他急难情形."""
    user = User(tmp_path / "a")
    run = user("import", FIELD_TEST_1 / "ledger-relation-other.xlsx")
    assert_clean(run)
    docs = user.docs()
    assert member_of(docs, "胡桂芝")["employment"] == "other"
    if "500111119-000002" in docs:  # 顾明兵 is the only row of his household; 其他 is a relation like any other
        assert member_of(docs, "顾明兵")["relation"] == "other"
    else:  # refused, then because the household has no 户主 — not because 其他 is an unknown value
        assert "500111119-000002" in run.output and "户主" in run.output, str(run)

    for suffix in ("xlsx", "csv"):
        ledger = tmp_path / f"other.{suffix}"
        run = user("export", ledger, "--month", "2025-08", "--unmask")
        assert run.code == 0, str(run)
        assert not any("其他急难情形" in str(v) for row in ledger_cells(ledger) for v in row)
        row = next(r for r in ledger_records(ledger) if r["姓名"] == "胡桂芝")
        assert row["就业状况"] == "其他"
        back = User(tmp_path / f"back-{suffix}")
        run = back("import", ledger)
        assert_clean(run)
        assert run.code == 0, str(run)
        assert back.docs() == docs  # the same codes back, and everything else


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "jsonl"])
def test_demo_district_round_trips_through_every_export_format(demo, tmp_path, suffix):
    """export x.xlsx/x.csv --month 2025-08 --unmask and x.jsonl --unmask, imported into an empty registry."""
    original = demo.docs(tmp_path)
    assert len(original) == 300
    assert any(len(d["area_code"]) == 12 for d in original.values())  # community codes are part of the trip
    exported = tmp_path / f"district.{suffix}"
    month = [] if suffix == "jsonl" else ["--month", "2025-08"]
    run = demo("export", exported, *month, "--unmask")
    assert run.code == 0, str(run)
    back = User(tmp_path / "back")
    run = back("import", exported)
    assert_clean(run)
    assert run.code == 0, str(run)
    copy = back.docs()
    assert sorted(copy) == sorted(original)
    if suffix == "jsonl":
        assert copy == original  # lossless: every household, member and fact
        return
    for no, doc in original.items():  # the same households and members, community codes included
        got = copy[no]
        assert (got["area_code"], got["address"], got["urban"]) == (doc["area_code"], doc["address"], doc["urban"])
        assert [(m["id_number"], m["name"], m["relation"]) for m in got["members"]] == \
            [(m["id_number"], m["name"], m["relation"]) for m in doc["members"]], no
    again = tmp_path / f"again.{suffix}"
    run = back("export", again, *month, "--unmask")
    assert run.code == 0, str(run)
    assert ledger_cells(again) == ledger_cells(exported)  # the ledger's own round trip: identical rows


# ---------------------------------------------------------------------- bounds on every fact


def test_negative_deposit_is_refused_naming_household_member_and_field(tmp_path):
    """household-negative-deposit.json: +500,000 and −500,000 must not cancel; refused, nothing stored."""
    case = FIELD_TEST_1 / "household-negative-deposit.json"
    user = User(tmp_path / "h")
    for run in (user("import", case), user("evaluate", case, "--month", "2025-08")):
        assert_refused(run, "CASE-RICH-NEGDEP", "金额")
        assert member_named(run.output, "测试乙", 2, "51212619720202002X"), str(run)
    assert user("household", "show", "CASE-RICH-NEGDEP").code != 0  # not stored


def test_declaration_in_2099_is_refused_naming_the_field(tmp_path):
    """household-declared-in-2099.json: a declaration date in the future is refused with 申报日期 named."""
    case = FIELD_TEST_1 / "household-declared-in-2099.json"
    user = User(tmp_path / "h")
    for run in (user("import", case), user("evaluate", case, "--month", "2025-08")):
        assert_refused(run, "CASE-DECL2099", "申报日期", "2099-01-01")
    assert user("household", "show", "CASE-DECL2099").code != 0


def test_wages_of_2pow31_fen_are_an_income_and_never_stop_a_scan(tmp_path):
    """household-wages-2pow31-fen.json: 21,474,836.48 yuan a month is a legal income, far above the 低保 line."""
    case = FIELD_TEST_1 / "household-wages-2pow31-fen.json"
    user = User(tmp_path / "h")
    run = user("evaluate", case, "--month", "2025-08", "--json")
    assert_clean(run)
    assert run.code == 0, str(run)
    assert programme(run.json(), "dibao")["status"] == "not_eligible"

    assert user("import", case).code == 0
    assert user("import", SAME_KINDS / "household-plain-rural.json").code == 0
    run, lists = user.scan_lists("2025-08")
    assert_clean(run)
    assert run.code == 0, str(run)
    entitled = lists.get("应享未享", [])
    assert not [r for r in entitled if r["户编号"] == "T01-000003"]
    plain = [r for r in entitled if r["户编号"] == "SK-PLAIN-1" and r["项目"] == "最低生活保障"]
    assert [amount_of(r) for r in plain] == [Decimal("630.00")]  # the rest of the registry was scanned


# ---------------------------------------------------------------------- errors, not tracebacks


def test_gbk_file_is_one_clear_line_not_a_traceback(tmp_path):
    """household-gbk-bytes.json: 'not UTF-8 (looks like GBK)', exit ≠ 0, from import and evaluate."""
    case = FIELD_TEST_1 / "household-gbk-bytes.json"
    user = User(tmp_path / "h")
    for command in (["import", case], ["evaluate", case, "--month", "2025-08"]):
        run = user.process(*command)
        assert_refused(run, case.name)
        assert says_unicode_is_expected(run.output) and says_chinese_encoding(run.output), str(run)
        assert len([line for line in run.output.splitlines() if line.strip()]) <= 3, str(run)


def test_scan_of_an_empty_registry_says_so_and_leaves_nothing_behind(tmp_path):
    """(no file) jiuzhu scan --month 2025-08 with no household: a message, exit ≠ 0, no folder of results."""
    for lang in (None, "en"):
        user = User(tmp_path / f"home-{lang or 'zh'}")
        run = user.process("scan", "--month", "2025-08", env={"JIUZHU_LANG": lang})
        assert_refused(run)
        if lang == "en":
            assert re.search(r"no household", run.output, re.IGNORECASE), str(run)
            assert "import" in run.output or "load" in run.output, str(run)
        else:
            assert any(w in run.output for w in ("导入", "import", "load", "加载", "装入")), str(run)
        left = [p for p in user.home.rglob("*") if p.is_file() and not p.name.startswith("jiuzhu.db")]
        assert left == [], left


# ---------------------------------------------------------------------- one way to write an ID number


def test_lowercase_x_references_are_normalised_like_the_member(tmp_path):
    """household-lowercase-x-references.json: the enrolment and rigid spending refer to the …X member."""
    case = FIELD_TEST_1 / "household-lowercase-x-references.json"
    user = User(tmp_path / "h")
    run = user("import", case)
    assert_clean(run)
    assert run.code == 0, str(run)
    doc = user.show("T02-000001")
    head = doc["members"][0]["id_number"]
    assert head == "51212619700512003X"
    assert [r["id_number"] for r in doc["rigid_spending"]] == [head]
    assert [e["id_number"] for e in doc["enrolments"]] == [head]
    run = user("evaluate", case, "--month", "2025-08", "--json")
    assert run.code == 0, str(run)
    assert [p["name"] for p in eligible_persons(run.json(), "disability_living")] == ["测试乙"]


# ---------------------------------------------------------------------- a living person to contact


def test_lists_and_workbooks_name_a_living_member_when_the_head_died(tmp_path):
    """households-head-died.json: T05-000002's head died 2025-07-10; visit the spouse or the child."""
    user = User(tmp_path / "h")
    assert user("import", FIELD_TEST_1 / "households-head-died.json").code == 0
    living = ("在世配偶", "在世孩子")
    for by in ("township", "community"):
        run, lists = user.scan_lists("2025-08", by=by)
        assert_clean(run)
        assert run.code == 0, str(run)
        rows = [r for r in lists.get("应享未享", []) if r["户编号"] == "T05-000002"]
        assert rows, lists
        for row in rows:
            contact = next((k for k in row if "联系人" in k), "姓名")  # a contact column, or the name itself
            assert any(name in str(row[contact]) for name in living), row
            said = " ".join(str(v) for v in row.values() if v is not None).replace("已故户主", "")
            assert any(w in said for w in DEATH_WORDS), row  # and it says that the head has died


# ---------------------------------------------------------------------- formulas stay text


def test_formula_like_text_is_written_as_text_and_round_trips(tmp_path):
    """household-formula-like-text.json: '=1+2', '=HYPERLINK(…)' and '-测试壬妻' never become formulas."""
    user = User(tmp_path / "h")
    assert user("import", FIELD_TEST_1 / "household-formula-like-text.json").code == 0
    original = user.show("T10-000001")
    for suffix in ("xlsx", "csv"):
        ledger = tmp_path / f"formula.{suffix}"
        run = user("export", ledger, "--month", "2025-08", "--unmask")
        assert run.code == 0, str(run)
        if suffix == "xlsx":
            cells = [c for row in openpyxl.load_workbook(ledger).worksheets[0].iter_rows() for c in row]
            assert [c.coordinate for c in cells if c.data_type == "f"] == []
        else:
            fields = [v for row in ledger_cells(ledger) for v in row]
            assert [v for v in fields if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
        back = User(tmp_path / f"back-{suffix}")
        run = back("import", ledger)
        assert_clean(run)
        assert run.code == 0, str(run)
        assert back.show("T10-000001") == original


# ---------------------------------------------------------------------- what-if uses the reform everywhere


def test_whatif_uses_the_reform_while_preparing_inputs(tmp_path):
    """whatif-lookback-two-households.jsonl: a 12-month look-back takes T11-000001 out of 低保 (1 → 0)."""
    user = User(tmp_path / "h")
    run = user("whatif", "--set", "dibao.income.lookback_months=12", "--source",
               FIELD_TEST_1 / "whatif-lookback-two-households.jsonl", "--month", "2025-08")
    assert_clean(run)
    assert run.code == 0, str(run)
    row = table_row(run.stdout, "最低生活保障")
    assert row[1:3] == ["1", "0"], row  # eligible before, after
    money = [c for c in row if re.fullmatch(r"-?[\d,]+\.\d\d", c)]
    assert money[:2] == ["770.00", "0.00"], row  # monthly cost before, after


# ---------------------------------------------------------------------- facts true in time


def test_a_dated_balance_replaces_the_earlier_statement_of_the_same_account(tmp_path):
    """ledger-deposit-statement-2025-06.csv then …-07.csv: 10,500 counts (not 20,500); 低保 630.00."""
    user = User(tmp_path / "h")
    for month in ("06", "07"):
        run = user("import", FIELD_TEST_1 / f"ledger-deposit-statement-2025-{month}.csv")
        assert run.code == 0, str(run)
    run, lists = user.scan_lists("2025-08")
    assert run.code == 0, str(run)
    rows = [r for r in lists.get("应享未享", []) if r["户编号"] == "T12-000001" and r["项目"] == "最低生活保障"]
    assert [amount_of(r) for r in rows] == [Decimal("630.00")], lists.get("应享未享")

    exported = tmp_path / "t12.jsonl"  # the same household decided on its own (the reference path)
    assert user("export", exported, "--unmask").code == 0
    run = user("evaluate", exported, "--month", "2025-08", "--json")
    assert run.code == 0, str(run)
    dibao = programme(run.json(), "dibao")
    assert (dibao["status"], dibao["monthly_amount"]) == ("eligible", "630.00")


# ---------------------------------------------------------------------- privacy in every output


def test_every_identifier_is_masked_unless_unmasked_and_the_log_says_so(tmp_path):
    """household-masking-v1.json then -v2.json: show, show --json and history mask every identifier."""
    user = User(tmp_path / "h")
    for version in ("v1", "v2"):
        assert user("import", FIELD_TEST_1 / f"household-masking-{version}.json").code == 0
    full = ["512126195203032517", "512126195605052561", "51212619800404253X", "51212619520303251741"]
    for command in (["household", "show", "T13-000001", "--json"], ["household", "show", "T13-000001"],
                    ["household", "history", "T13-000001"]):
        run = user(*command)
        assert run.code == 0, str(run)
        shown = [number for number in full if number in run.output]
        assert shown == [], f"{' '.join(command)} shows {shown} in full\n{run}"
        assert access_log(user)[-1] is False  # and the log says: masked
    doc = user("household", "show", "T13-000001", "--json").json()
    assert doc["members"][0]["supporters"][0]["id_number"] == "512126********253X"
    run = user("household", "show", "T13-000001", "--json", "--unmask")
    assert all(number in run.output for number in full), str(run)
    assert access_log(user)[-1] is True  # shown in full: the log says unmasked


# ---------------------------------------------------------------------- rules that follow the law's whole class


def test_an_able_spouse_is_a_legal_supporter_so_no_tekun(tmp_path):
    """household-tekun-spouse-able.json: 民法典 art. 1059 — not 特困; the household gets 低保 940.00."""
    user = User(tmp_path / "h")
    run = user("evaluate", FIELD_TEST_1 / "household-tekun-spouse-able.json", "--month", "2025-08", "--json")
    assert_clean(run)
    assert run.code == 0, str(run)
    result = run.json()
    assert eligible_persons(result, "tekun") == []
    assert programme(result, "tekun")["status"] != "eligible"
    dibao = programme(result, "dibao")
    assert (dibao["status"], dibao["monthly_amount"]) == ("eligible", "940.00")


# ---------------------------------------------------------------------- scans that cannot go stale


def test_a_new_rural_line_makes_the_next_scan_evaluate_every_household(tmp_path):
    """(no file) scan, publish a new rural 低保 line, scan again: the lists use the new line (630 → 700).

    Jiuzhu has no command that changes a parameter in place: the parameters ship with the package, so a
    new line arrives as an upgrade of it. The test runs a copy of the package, scans, adds the value
    ``2025-08-01: 700`` to dibao/line/rural.yaml in that copy (the upgrade), and scans again.
    """
    package = copy_package(tmp_path / "install")
    user = User(tmp_path / "h")
    assert user("import", SAME_KINDS / "household-plain-rural.json").code == 0
    first = lists_of(user.process("scan", "--month", "2025-08", "--workbooks", "township", package=package), user)
    assert first == {("SK-PLAIN-1", "最低生活保障"): Decimal("630.00")}
    add_parameter_value(package, "dibao.line.rural", "2025-08-01", 700)
    second = lists_of(user.process("scan", "--month", "2025-08", "--workbooks", "township", package=package), user)
    assert second == {("SK-PLAIN-1", "最低生活保障"): Decimal("700.00")}
