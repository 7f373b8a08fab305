"""More cases of the kinds of field test 1, as a careless or hostile user would try them.

Each section is one kind of the README of ``tests/cases/field_test_1``; its cases are further instances
of that kind. The inputs are in ``tests/cases/same_kinds`` (synthetic households, made-up names, ID numbers
valid per GB 11643; README.md there lists them) or are written by the test when they are spreadsheets or
large. What is asserted is what a user expects, as in ``test_field_test_1.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import ric

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
    lists_of,
    programme,
    says_chinese_encoding,
    says_unicode_is_expected,
    table_row,
)


def id_number(birth: str, seq: int, male: bool) -> str:
    """A valid resident ID number (GB 11643) born on ``birth`` (YYYYMMDD), registered in 大足."""
    for place in ("512126", "510230", "500111", "500225"):
        body = f"{place}{birth}{seq:02d}{1 if male else 2}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number
    raise ValueError(birth)


LEDGER_HEADER = ["户编号", "区划代码", "家庭住址", "城乡类别", "申报日期", "与户主关系", "姓名", "身份证号",
                 "是否共同生活", "户籍是否重庆", "收入月份", "工资性收入", "存款"]


def write_xlsx(path: Path, header: list[str], rows: list[list], merges: tuple[str, ...] = ()) -> Path:
    """A ledger as staff make one: text cells, merged ranges holding their value in the top-left cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def row(no, relation, name, number, *, area="500111119", address="铁山镇测试村30组(合成)", month="2025-07",
        wages="0", deposit="0") -> list:
    return [no, area, address, "农村", "2025-08-05", relation, name, number, "是", "是", month, wages, deposit]


def user_with(tmp_path: Path, *files: Path, name: str = "h") -> User:
    user = User(tmp_path / name)
    for file in files:
        run = user("import", file)
        assert run.code == 0, str(run)
    return user


# ====================================================================== 1. nothing lost, nothing half-changed


def test_merged_area_address_and_a_merged_cell_spanning_two_households(tmp_path):
    """区划代码 and 城乡类别 merged over two households, 户编号 and 家庭住址 merged per household."""
    a1, a2 = id_number("19700101", 31, True), id_number("19720202", 32, False)
    b1, b2 = id_number("19750303", 33, True), id_number("19770404", 34, False)
    rows = [row("SK-M-A", "户主", "测试甲一", a1, address="铁山镇测试村31组1号"),
            row("SK-M-A", "配偶", "测试甲二", a2, address="铁山镇测试村31组1号"),
            row("SK-M-B", "户主", "测试乙一", b1, address="铁山镇测试村31组2号"),
            row("SK-M-B", "配偶", "测试乙二", b2, address="铁山镇测试村31组2号")]
    # Merging keeps the top-left value only, as Excel does: B2:B5 and D2:D5 span both households.
    ledger = write_xlsx(tmp_path / "merged.xlsx", LEDGER_HEADER, rows,
                        ("A2:A3", "A4:A5", "B2:B5", "C2:C3", "C4:C5", "D2:D5", "E2:E5"))
    assert openpyxl.load_workbook(ledger).active["B4"].value is None  # what the importer sees
    user = User(tmp_path / "h")
    run = user("import", ledger)
    assert_clean(run)
    assert run.code == 0, str(run)
    docs = user.docs()
    assert {no: [m["name"] for m in d["members"]] for no, d in docs.items()} == {
        "SK-M-A": ["测试甲一", "测试甲二"], "SK-M-B": ["测试乙一", "测试乙二"]}
    assert {(d["area_code"], d["urban"], d["address"]) for d in docs.values()} == {
        ("500111119", False, "铁山镇测试村31组1号"), ("500111119", False, "铁山镇测试村31组2号")}


def test_a_household_with_a_rejected_row_is_left_exactly_as_stored(tmp_path):
    """A typo in one member's ID number: that household keeps every member and value; the others change."""
    a1, a2, a3 = id_number("19700101", 41, True), id_number("19720202", 42, False), id_number("19950303", 43, True)
    b1 = id_number("19650505", 44, True)
    good = [row("SK-R-A", "户主", "测试丙", a1), row("SK-R-A", "配偶", "测试丙妻", a2),
            row("SK-R-A", "子女", "测试丙子", a3), row("SK-R-B", "户主", "测试丁", b1)]
    user = User(tmp_path / "h")
    assert user("import", write_xlsx(tmp_path / "v1.xlsx", LEDGER_HEADER, good)).code == 0
    before = user.docs()
    typo = a3[:-1] + ("0" if a3[-1] != "0" else "1")
    changed = [row("SK-R-A", "户主", "测试丙", a1, wages="100"), row("SK-R-A", "配偶", "测试丙妻改", a2),
               row("SK-R-A", "子女", "测试丙子", typo),
               row("SK-R-B", "户主", "测试丁", b1, address="铁山镇测试村40组(新址)")]
    run = user("import", write_xlsx(tmp_path / "v2.xlsx", LEDGER_HEADER, changed))
    assert_refused(run, "SK-R-A", "身份证号")
    after = user.docs()
    assert after["SK-R-A"] == before["SK-R-A"]  # nobody removed, nothing changed, reported whole
    assert after["SK-R-B"]["address"] == "铁山镇测试村40组(新址)"  # the good household is kept


def _with_cached_value(path: Path, formula: str, value: str) -> None:
    """Give a formula cell the result Excel saves with it (openpyxl writes formulas without one)."""
    moved = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode())
            dst.writestr(item, data)
    moved.replace(path)


@pytest.mark.parametrize("saved_by_excel", [True, False], ids=["with-cached-value", "formula-only"])
def test_a_ledger_cell_holding_a_formula(tmp_path, saved_by_excel):
    """工资性收入 typed as =1000+200: Excel's saved result 1200.00 is read; a formula without one is never blank."""
    h = id_number("19680808", 45, True)
    ledger = write_xlsx(tmp_path / "formula.xlsx", LEDGER_HEADER,
                        [row("SK-FORMULA", "户主", "测试戊", h, wages="=1000+200")])
    if saved_by_excel:
        _with_cached_value(ledger, "1000+200", "1200")
    user = User(tmp_path / "h")
    run = user("import", ledger)
    assert_clean(run)
    if run.code == 0:
        wages = [i["wages"] for i in user.show("SK-FORMULA")["members"][0]["incomes"] if i["month"] == "2025-07"]
        assert wages == ["1200.00"]
    else:
        assert not saved_by_excel, str(run)
        assert_refused(run, "工资性收入")


# ====================================================================== 2. labels of their own, lossless round trips


def test_every_vocabulary_other_round_trips_through_the_ledger(tmp_path):
    """relation, employment, vehicle and property 其他: each its own label; export → import gives the codes back."""
    user = user_with(tmp_path, SAME_KINDS / "household-every-other-value.json")
    original = user.show("SK-OTHERS")
    for suffix in ("xlsx", "csv"):
        ledger = tmp_path / f"others.{suffix}"
        assert user("export", ledger, "--month", "2025-08", "--unmask").code == 0
        assert not any("其他急难情形" in str(v) for r in ledger_cells(ledger) for v in r)  # no emergency's label
        back = User(tmp_path / f"back-{suffix}")
        run = back("import", ledger)
        assert run.code == 0, str(run)
        got = back.show("SK-OTHERS")
        assert [(m["relation"], m["employment"]) for m in got["members"]] == [("head", "other"), ("other", "other")]
        assert [v["kind"] for v in got["members"][0]["vehicles"]] == ["other"]
        assert [r["use"] for r in got["members"][0]["real_estate"]] == ["other"]
        assert got == original


def test_reimporting_an_exported_ledger_into_the_same_registry_changes_nothing(demo, tmp_path):
    """The documented merge rule: export (--unmask) → import over the same registry is a no-op."""
    copy = tmp_path / "copy"
    shutil.copytree(demo.home, copy / "home", ignore=shutil.ignore_patterns("scans", "synth"))
    user = User(copy / "home")
    before = user.docs(tmp_path)
    ledger = tmp_path / "district.xlsx"
    assert user("export", ledger, "--month", "2025-08", "--unmask").code == 0
    run = user("import", ledger)
    assert_clean(run)
    assert run.code == 0, str(run)
    assert user.docs(tmp_path) == before


def test_one_community_exported_and_imported_keeps_its_community_code(demo, tmp_path):
    """export --area <community code> → import: the same households, under the same community code."""
    everything = demo.docs(tmp_path)
    community = sorted(d["area_code"] for d in everything.values() if len(d["area_code"]) == 12)[0]
    expected = {no: d for no, d in everything.items() if d["area_code"] == community}
    for suffix in ("jsonl", "xlsx"):
        path = tmp_path / f"community.{suffix}"
        month = ["--month", "2025-08"] if suffix == "xlsx" else []
        run = demo("export", path, "--area", community, *month, "--unmask")
        assert run.code == 0, str(run)
        back = User(tmp_path / f"back-{suffix}")
        run = back("import", path)
        assert run.code == 0, str(run)
        got = back.docs()
        assert {no: d["area_code"] for no, d in got.items()} == {no: community for no in expected}


# ====================================================================== 3. bounds on every fact

BOUNDS = [
    ("household-negative-wages.json", "SK-NEG-WAGES", "工资性收入"),
    ("household-negative-floor-area.json", "SK-NEG-AREA", "住房面积"),
    ("household-negative-enrolment-amount.json", "SK-NEG-ENROL", "月救助金额"),
    ("household-id-born-in-2099.json", "SK-FUTURE-ID", "身份证号"),
    ("household-statement-in-2099.json", "SK-FUTURE-STMT", "余额日期"),
    ("household-income-month-2099.json", "SK-FUTURE-MONTH", "收入月份"),
    ("household-death-in-2099.json", "SK-FUTURE-DEATH", "死亡日期"),
    ("household-wages-2pow63-fen.json", "SK-WAGES-2POW63", "工资性收入"),
    ("household-outside-jurisdiction.json", "SK-BEIJING", "区划代码"),
    ("household-blank-name.json", "SK-BLANK-NAME", "姓名"),
]


@pytest.mark.parametrize(("case", "household_no", "field"), BOUNDS, ids=[b[0][10:-5] for b in BOUNDS])
def test_an_out_of_range_fact_is_refused_naming_household_and_field(tmp_path, case, household_no, field):
    user = User(tmp_path / "h")
    for run in (user("import", SAME_KINDS / case), user("evaluate", SAME_KINDS / case, "--month", "2025-08")):
        assert_refused(run, household_no, field)
    assert user("household", "show", household_no).code != 0  # nothing stored


def test_a_ledger_with_negative_future_and_too_large_cells(tmp_path):
    """存款 −500, 收入月份 2099-01, 工资性收入 2⁶³−1 fen: each row refused with its column, the rest kept."""
    a, b, c, d = (id_number(f"1966010{i}", 50 + i, True) for i in range(1, 5))
    rows = [row("SK-L-NEG", "户主", "测试己", a, deposit="-500"),
            row("SK-L-FUT", "户主", "测试庚", b, month="2099-01"),
            row("SK-L-BIG", "户主", "测试辛", c, wages="92233720368547758.07"),
            row("SK-L-OK", "户主", "测试壬", d)]
    path = tmp_path / "ledger.csv"
    path.write_text(",".join(LEDGER_HEADER) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows),
                    encoding="utf-8-sig")
    user = User(tmp_path / "h")
    run = user("import", path)
    assert_refused(run, "存款", "收入月份", "工资性收入", "SK-L-NEG", "SK-L-FUT", "SK-L-BIG")
    assert sorted(user.docs()) == ["SK-L-OK"]


def test_the_largest_legal_amount_evaluates_and_scans(tmp_path):
    """999,999,999,999.99 yuan of wages and deposits: accepted, far above every line, and the scan completes."""
    case = SAME_KINDS / "household-wages-max-yuan.json"
    user = User(tmp_path / "h")
    run = user("evaluate", case, "--month", "2025-08", "--json")
    assert_clean(run)
    assert run.code == 0, str(run)
    assert programme(run.json(), "dibao")["status"] == "not_eligible"
    for file in (case, SAME_KINDS / "household-plain-rural.json"):
        assert user("import", file).code == 0
    run, lists = user.scan_lists("2025-08")
    assert_clean(run)
    assert run.code == 0, str(run)
    listed = {(r["户编号"], r["项目"]): amount_of(r) for r in lists.get("应享未享", [])}
    assert listed == {("SK-PLAIN-1", "最低生活保障"): Decimal("630.00")}


# ====================================================================== 4. encodings and every other bad input


def _gbk_ledger_text() -> str:
    h = id_number("19660101", 61, True)
    return ",".join(LEDGER_HEADER) + "\r\n" + ",".join(row("SK-GBK", "户主", "测试癸", h)) + "\r\n"


@pytest.mark.parametrize("encoding", ["bom+gbk", "utf-16", "gbk-jsonl"])
def test_a_file_in_another_encoding_is_named_not_a_traceback(tmp_path, encoding):
    """A GBK CSV with a UTF-8 BOM in front (BOM confusion), Excel's 'Unicode text' (UTF-16), a GBK .jsonl."""
    if encoding == "bom+gbk":
        path = tmp_path / "ledger.csv"
        path.write_bytes(b"\xef\xbb\xbf" + _gbk_ledger_text().encode("gbk"))
    elif encoding == "utf-16":
        path = tmp_path / "ledger.csv"
        path.write_bytes(_gbk_ledger_text().encode("utf-16"))
    else:
        path = tmp_path / "households.jsonl"
        doc = json.loads((SAME_KINDS / "household-plain-rural.json").read_text(encoding="utf-8"))
        path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("gbk") + b"\n")
    user = User(tmp_path / "h")
    run = user("import", path)
    assert_clean(run)
    if run.code == 0:  # read after all: then every Chinese character is right
        assert encoding == "bom+gbk", str(run)
        assert user.show("SK-GBK")["members"][0]["name"] == "测试癸"
        return
    assert_refused(run, path.name)
    assert says_unicode_is_expected(run.output), str(run)
    if encoding != "utf-16":
        assert says_chinese_encoding(run.output), str(run)


def test_a_json_file_with_a_utf8_bom_is_read(tmp_path):
    """Windows Notepad saves UTF-8 with a BOM: that is UTF-8, and the household is stored."""
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + (SAME_KINDS / "household-plain-rural.json").read_bytes())
    user = User(tmp_path / "h")
    for run in (user("import", path), user("evaluate", path, "--month", "2025-08")):
        assert_clean(run)
        assert run.code == 0, str(run)
    assert user.show("SK-PLAIN-1")["members"][0]["name"] == "测试壬"


@pytest.mark.parametrize("bad", ["utf-16", "suffix", "missing"])
def test_refusals_speak_chinese_by_default(tmp_path, bad):
    """The default language is Chinese: a refusal says what is wrong in Chinese, not only in English."""
    user = User(tmp_path / "h")
    if bad == "utf-16":
        path = tmp_path / "ledger.csv"
        path.write_bytes(_gbk_ledger_text().encode("utf-16"))
        command = ["import", path]
    elif bad == "suffix":
        path = tmp_path / "households.txt"
        path.write_bytes((SAME_KINDS / "household-plain-rural.json").read_bytes())
        command = ["import", path]
    else:
        assert user("import", SAME_KINDS / "household-plain-rural.json").code == 0
        path, command = tmp_path / "SK-NOBODY", ["household", "show", "SK-NOBODY"]
    run = user(*command)
    assert_refused(run, path.name)
    said = run.output.replace(path.name, "")
    assert re.search(r"[\u4e00-\u9fff]", said), str(run)


def _deep_json(folder: Path):
    path = folder / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return [["import", path], ["evaluate", path, "--month", "2025-08"]], path.name


def _not_xlsx(folder: Path):
    path = folder / "台账.xlsx"
    path.write_text("户编号,姓名\nA,张三\n", encoding="utf-8")
    return [["import", path]], path.name


def _impossible_month(folder: Path):
    plain = SAME_KINDS / "household-plain-rural.json"
    return [["scan", "--month", "2025-13"], ["evaluate", plain, "--month", "2025-13"],
            ["export", folder / "x.xlsx", "--month", "2025-13"],
            ["whatif", "--set", "dibao.line.rural=700", "--source", plain, "--month", "2025-13"]], "2025-13"


def _before_the_law(folder: Path):
    plain = SAME_KINDS / "household-plain-rural.json"
    return [["evaluate", plain, "--month", "1990-01"], ["scan", "--month", "1990-01"]], "1990-01"


def _unknown_area(folder: Path):
    return [["scan", "--month", "2025-08", "--area", "999999"],
            ["export", folder / "x.xlsx", "--area", "999999"]], "999999"


def _unknown_language(folder: Path):
    plain = SAME_KINDS / "household-plain-rural.json"
    # the message says what to use instead: zh (and en) — as a word, "jiuzhu" holds "zh" too
    return [["evaluate", plain, "--lang", "fr"], ["--lang", "fr", "summary"]], re.compile(r"\bzh\b")


def _export_into_missing_folder(folder: Path):
    missing = folder / "no-such-folder"
    return [["export", missing / "x.xlsx"], ["export", missing / "x.jsonl", "--unmask"]], "no-such-folder"


def _show_in_a_new_home(folder: Path):
    return [["household", "show", "SK-NOBODY"], ["household", "history", "SK-NOBODY"]], "SK-NOBODY"


def _unknown_parameter(folder: Path):
    plain = SAME_KINDS / "household-plain-rural.json"
    return [["whatif", "--set", "dibao.line.nonsense=700", "--source", plain],
            ["whatif", "--set", "dibao.line.rural=七百", "--source", plain]], "dibao.line."


BAD_INPUTS = [_deep_json, _not_xlsx, _impossible_month, _before_the_law, _unknown_area, _unknown_language,
              _export_into_missing_folder, _show_in_a_new_home, _unknown_parameter]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[f.__name__[1:] for f in BAD_INPUTS])
def test_bad_input_gets_one_clear_refusal(tmp_path, bad):
    """No traceback, exit ≠ 0, and the thing named — for every command the input reaches."""
    user = User(tmp_path / "h")
    if bad is not _show_in_a_new_home:  # a registry with one household, so that only the input is wrong
        assert user("import", SAME_KINDS / "household-plain-rural.json").code == 0
    commands, named = bad(tmp_path)
    for command in commands:
        assert_refused(user(*command), named)


def test_a_home_that_is_a_file_is_named(tmp_path):
    """JIUZHU_HOME pointing at a file: one line naming it, for a command that writes and one that reads."""
    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder", encoding="utf-8")
    user = User(home, create=False)
    for command in (["import", SAME_KINDS / "household-plain-rural.json"], ["summary"],
                    ["scan", "--month", "2025-08"]):
        assert_refused(user(*command), "home-is-a-file")


def test_a_ledger_with_twenty_thousand_columns(tmp_path):
    """The required columns and 20,000 more: no traceback; refused with the file named, or read."""
    h = id_number("19660101", 62, True)
    header = LEDGER_HEADER + [f"列{i}" for i in range(20_000)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row("SK-WIDE", "户主", "测试癸", h) + ["x"] * 20_000) + "\n",
                    encoding="utf-8-sig")
    user = User(tmp_path / "h")
    run = user("import", path)
    assert_clean(run)
    if run.code == 0:
        assert user.show("SK-WIDE")["members"][0]["name"] == "测试癸"
    else:
        assert path.name in run.output, str(run)


def test_loading_a_district_already_loaded_is_one_clear_refusal(tmp_path):
    """jiuzhu synth, jiuzhu load twice: the second load says the district is loaded, not a TypeError."""
    user = User(tmp_path / "h")
    snapshot = tmp_path / "snapshot"
    run = user("synth", "--households", "20", "--seed", "3", "--out", snapshot)
    assert run.code == 0, str(run)
    assert user("load", snapshot).code == 0
    run = user("load", snapshot)
    assert_refused(run)
    assert "500111" in run.output or snapshot.name in run.output, str(run)


# ====================================================================== 5. one way to write an ID number


def test_a_supporter_id_with_a_lowercase_x_is_stored_as_x(tmp_path):
    user = user_with(tmp_path, SAME_KINDS / "household-identifiers-v1.json")
    supporter = user.show("SK-IDS-1")["members"][0]["supporters"][0]["id_number"]
    assert supporter.endswith("X") and supporter == supporter.upper()


def test_a_ledger_with_lowercase_x_is_the_same_person(tmp_path):
    """T02-000001 stored from JSON; its ledger, with every X typed as x, is imported over it: no change."""
    user = user_with(tmp_path, FIELD_TEST_1 / "household-lowercase-x-references.json")
    before = user.docs()
    ledger = tmp_path / "t02.csv"
    assert user("export", ledger, "--month", "2025-08", "--unmask").code == 0
    ledger.write_text(ledger.read_text(encoding="utf-8-sig").replace("003X", "003x"), encoding="utf-8-sig")
    run = user("import", ledger)
    assert_clean(run)
    assert run.code == 0, str(run)
    assert user.docs() == before
    run = user("import", FIELD_TEST_1 / "household-lowercase-x-references.json")  # and the JSON once more
    assert run.code == 0, str(run)
    assert user.docs() == before


# ====================================================================== 6. a living person to contact


def test_lists_name_the_living_when_only_a_child_or_an_adult_child_lives(tmp_path):
    """Both parents died: the lists name the child left (a minor, or an adult son), and say who died."""
    user = user_with(tmp_path, SAME_KINDS / "households-only-child-living.json",
                     SAME_KINDS / "households-only-adult-child-living.json")
    run, lists = user.scan_lists("2025-08")
    assert run.code == 0, str(run)
    dead = {"已故父亲", "已故母亲", "已故老父", "已故老母"}
    living = {"SK-ORPHANED": "在世幼女", "SK-ADULT-CHILD": "在世儿子"}
    entries = [r for rows in lists.values() for r in rows if r.get("户编号") in living]
    assert {r["户编号"] for r in entries} == set(living), lists
    for entry in entries:
        contact = next((k for k in entry if "联系人" in k), "姓名")  # a contact column, or the name itself
        assert living[entry["户编号"]] in str(entry[contact]), entry
        if entry["项目"] == "最低生活保障":  # a household programme: it says the parents died
            said = " ".join(str(v) for v in entry.values() if v is not None)
            for name in dead:
                said = said.replace(name, "")
            assert any(w in said for w in DEATH_WORDS), entry


# ====================================================================== 7. formulas stay text


def test_outreach_workbooks_write_formula_like_names_as_text(tmp_path):
    """A head named '=1+2' at '=HYPERLINK(…)' on the 应享未享 list: text cells in every workbook."""
    user = user_with(tmp_path, SAME_KINDS / "household-formula-name-on-list.json")
    for by in ("township", "community"):
        before = set(user.home.rglob("*.xlsx"))
        run = user("scan", "--month", "2025-08", "--workbooks", by)
        assert run.code == 0, str(run)
        books = sorted(set(user.home.rglob("*.xlsx")) - before)
        assert books, str(run)
        for path in books:
            cells = [c for s in openpyxl.load_workbook(path).worksheets for r in s.iter_rows() for c in r]
            assert [c.coordinate for c in cells if c.data_type == "f"] == [], path.name
            assert "=1+2" in [str(c.value).lstrip("'") for c in cells]


def test_text_that_looks_like_a_formula_or_breaks_csv_round_trips(tmp_path):
    """Names '@SUM(1+1)', '+测试申', "'测试申子" and an address with quotes and commas: text out, same text back."""
    user = user_with(tmp_path, SAME_KINDS / "household-hostile-text.json")
    original = user.show("SK-TEXT-1")
    for suffix in ("xlsx", "csv"):
        ledger = tmp_path / f"text.{suffix}"
        assert user("export", ledger, "--month", "2025-08", "--unmask").code == 0
        if suffix == "xlsx":
            cells = [c for r in openpyxl.load_workbook(ledger).worksheets[0].iter_rows() for c in r]
            assert [c.coordinate for c in cells if c.data_type == "f"] == []
        else:
            assert [v for r in ledger_cells(ledger) for v in r if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
        back = User(tmp_path / f"back-{suffix}")
        run = back("import", ledger)
        assert run.code == 0, str(run)
        assert back.show("SK-TEXT-1") == original


# ====================================================================== 8. what-if uses the reform everywhere


def test_whatif_on_the_age_of_working_ability_reaches_who_is_an_able_supporter(tmp_path):
    """tekun.working_ability.elderly_age = 55: the 59-year-old son can no longer work.

    Before: the son (59) is able, his father (80) has an able supporter — no 特困. After: the son has no working
    ability and no able supporter (his father is 80), so he is 特困: 1,001 + 50 (全自理) = 1,051.00. His father
    becomes 特困 once the son is a 特困 person (《特困人员认定办法》第十一条: a supporter who is 特困 is unable) —
    recorded as enrolled, as the law's word 特困人员 means and docs/rules.md says: with the son's enrolment on
    record, the reform makes both 特困, 2,102.00 a month (the father alone before it).
    """
    user = User(tmp_path / "h")
    case = SAME_KINDS / "household-elderly-with-child-59.json"
    run = user("whatif", "--set", "tekun.working_ability.elderly_age=55", "--source", case, "--month", "2025-08")
    assert run.code == 0, str(run)
    money = [c for c in table_row(run.stdout, "特困人员救助供养") if re.fullmatch(r"-?\d+\.\d\d", c)]
    assert money[:2] == ["0.00", "1051.00"], run.stdout
    data = json.loads(case.read_text(encoding="utf-8"))
    data["enrolments"] = [{"programme": "tekun", "id_number": data["members"][1]["id_number"],
                           "monthly_amount": "1051.00", "start_date": "2025-08-01"}]
    enrolled = tmp_path / "son-enrolled.json"
    enrolled.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run = user("whatif", "--set", "tekun.working_ability.elderly_age=55", "--source", enrolled, "--month", "2025-08")
    assert run.code == 0, str(run)
    money = [c for c in table_row(run.stdout, "特困人员救助供养") if re.fullmatch(r"-?\d+\.\d\d", c)]
    assert money[:2] == ["1051.00", "2102.00"], run.stdout


def test_whatif_on_the_registry_uses_the_reform_while_preparing_inputs(tmp_path):
    """The field-test look-back case from the registry instead of a file: 1 → 0, 770.00 → 0.00."""
    user = user_with(tmp_path, FIELD_TEST_1 / "whatif-lookback-two-households.jsonl")
    run = user("whatif", "--set", "dibao.income.lookback_months=12", "--month", "2025-08")
    assert run.code == 0, str(run)
    row = table_row(run.stdout, "最低生活保障")
    assert row[1:3] == ["1", "0"], row
    assert [c for c in row if re.fullmatch(r"-?\d+\.\d\d", c)][:2] == ["770.00", "0.00"], row


def test_a_reform_dated_inside_a_month_says_when_it_first_changes(tmp_path):
    """dibao.line.rural=700@2025-08-15 for 2025-08: refused with the date named, or said to change 2025-09."""
    user = User(tmp_path / "h")
    run = user("whatif", "--set", "dibao.line.rural=700@2025-08-15", "--source",
               SAME_KINDS / "household-plain-rural.json", "--month", "2025-08")
    assert_clean(run)
    if run.code == 0:
        assert "2025-09" in run.output, str(run)
    else:
        assert "2025-08-15" in run.output, str(run)


# ====================================================================== 9. facts true in time


def _dibao(user: User, case: Path, month: str) -> tuple[str, str]:
    run = user("evaluate", case, "--month", month, "--json")
    assert run.code == 0, str(run)
    dibao = programme(run.json(), "dibao")
    return dibao["status"], dibao["monthly_amount"]


def test_three_statements_of_two_accounts_count_the_latest_of_each(tmp_path):
    """Account 1: 10,000 (05-31), 12,000 (06-30), 20,000 (09-30); account 2: 3,000 (04-30); limit 15,120.

    2025-08: 12,000 + 3,000 = 15,000 → 低保 630.00. 2025-10: 20,000 + 3,000 → over the limit.
    """
    case = SAME_KINDS / "household-deposits-three-dates-two-accounts.json"
    user = User(tmp_path / "h")
    assert _dibao(user, case, "2025-08") == ("eligible", "630.00")
    assert _dibao(user, case, "2025-10")[0] == "not_eligible"
    assert user("import", case).code == 0
    run, lists = user.scan_lists("2025-08")
    assert run.code == 0, str(run)
    rows = [r for r in lists.get("应享未享", []) if r["户编号"] == "SK-DEPOSITS" and r["项目"] == "最低生活保障"]
    assert [amount_of(r) for r in rows] == [Decimal("630.00")]


def test_a_car_sold_before_the_month_and_a_motorcycle_bought_after_do_not_count(tmp_path):
    """Car deregistered 2025-06-15, motorcycle registered 2025-09-01: none held on 2025-08-31 → 低保 630.00."""
    case = SAME_KINDS / "household-vehicle-sold-before-month.json"
    user = User(tmp_path / "h")
    assert _dibao(user, case, "2025-08") == ("eligible", "630.00")
    assert _dibao(user, case, "2025-05")[0] == "not_eligible"  # the car was held then
    assert user("import", case).code == 0
    run, lists = user.scan_lists("2025-08")
    assert run.code == 0, str(run)
    rows = [r for r in lists.get("应享未享", []) if r["户编号"] == "SK-CAR-SOLD" and r["项目"] == "最低生活保障"]
    assert [amount_of(r) for r in rows] == [Decimal("630.00")]


def test_a_supporter_who_died_is_no_longer_able(tmp_path):
    """The son was able (2015), died (as of 2025-03-01): in 2025-08 his father (77) is 特困, in 2025-02 not."""
    case = SAME_KINDS / "household-supporter-status-history.json"
    user = User(tmp_path / "h")
    for month, expected in (("2025-08", ["1051.00"]), ("2025-02", [])):
        run = user("evaluate", case, "--month", month, "--json")
        assert run.code == 0, str(run)
        assert [p["monthly_amount"] for p in eligible_persons(run.json(), "tekun")] == expected, month


# ====================================================================== 10. privacy in every output

IDENTIFIERS_V1 = ["13812345678", "023-43712345", "6228480012345678",
                  "渝B54321", "渝2020大足区不动产权第0012345号"]
IDENTIFIERS_V2 = ["13987654321", "6228480087654321", "渝B98765", "渝2025大足区不动产权第0067890号"]


def _ids(user: User) -> list[str]:
    doc = user.show("SK-IDS-1")
    numbers = [m["id_number"] for m in doc["members"]] + [s["id_number"] for s in doc["members"][0]["supporters"]]
    return numbers + [doc["members"][0]["disability"]["certificate_no"]]


def test_plates_accounts_phones_and_certificates_are_masked_in_show_and_history(tmp_path):
    user = user_with(tmp_path, SAME_KINDS / "household-identifiers-v1.json",
                     SAME_KINDS / "household-identifiers-v2.json")
    secrets = _ids(user) + IDENTIFIERS_V1 + IDENTIFIERS_V2
    for command in (["household", "show", "SK-IDS-1", "--json"], ["household", "show", "SK-IDS-1"],
                    ["household", "history", "SK-IDS-1"]):
        run = user(*command)
        assert run.code == 0, str(run)
        assert [s for s in secrets if s in run.output] == [], str(run)


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "jsonl"])
def test_exports_mask_every_identifier_unless_unmasked_and_the_log_says_which(tmp_path, suffix):
    """export without --unmask shows no identifier in full and is logged as masked; with --unmask, as unmasked."""
    user = user_with(tmp_path, SAME_KINDS / "household-identifiers-v1.json")
    secrets = _ids(user) + IDENTIFIERS_V1
    masked = tmp_path / f"masked.{suffix}"
    run = user("export", masked)
    assert run.code == 0, str(run)
    text = "\n".join(str(v) for r in ledger_cells(masked) for v in r) if suffix == "xlsx" else \
        masked.read_text(encoding="utf-8-sig")
    assert [s for s in secrets if s in text] == []
    assert access_log(user)[-1] is False
    run = user("export", tmp_path / f"full.{suffix}", "--unmask")
    assert run.code == 0, str(run)
    assert access_log(user)[-1] is True


# ====================================================================== 11. 特困 and every legal supporter


@pytest.mark.parametrize("case", ["household-tekun-child-apart-able.json", "household-tekun-spouse-apart-able.json",
                                  "household-tekun-grandparent-with-able-grandchild.json"])
def test_an_able_legal_supporter_rules_out_tekun(tmp_path, case):
    """An able adult child apart (art. 1067), an able spouse apart (1059), an able grandchild whose parent died
    living with the grandparent (1074): not 特困."""
    run = User(tmp_path / "h")("evaluate", SAME_KINDS / case, "--month", "2025-08", "--json")
    assert run.code == 0, str(run)
    assert eligible_persons(run.json(), "tekun") == []


def test_an_orphan_who_meets_dibao_is_not_paid_twice(tmp_path):
    """A 10-year-old orphan alone: the orphan allowance (1,651.00) and 低保 (730.00) are one need — the higher."""
    run = User(tmp_path / "h")("evaluate", SAME_KINDS / "household-orphan-meets-tekun.json", "--month", "2025-08",
                               "--json")
    assert run.code == 0, str(run)
    result = run.json()
    assert [p["monthly_amount"] for p in eligible_persons(result, "orphan")] == ["1651.00"]
    assert eligible_persons(result, "tekun") == []
    assert result["total_monthly_amount"] == "1651.00"


@pytest.mark.parametrize("case", ["household-identifiers-v1.json", "household-tekun-child-apart-able.json",
                                  "household-orphan-meets-tekun.json"])
def test_chinese_explanations_have_no_english_words(tmp_path, case):
    """Every condition of every programme, in the default language: Chinese sentences, no English words."""
    run = User(tmp_path / "h")("evaluate", SAME_KINDS / case, "--month", "2025-08", "--json", "--explain")
    assert run.code == 0, str(run)
    texts = [c["text"] for p in run.json()["programmes"] for c in p.get("conditions", [])]
    texts += [c["text"] for p in run.json()["programmes"] for x in p.get("persons", []) for c in x["conditions"]]
    assert texts
    assert [t for t in texts if re.search(r"[A-Za-z]{3,}", t)] == []


# ====================================================================== 12. scans that cannot go stale


def test_changed_parameters_of_other_programmes_reach_the_next_scan(tmp_path):
    """Between two scans a rules update lowers the 低保 asset multiple (24 → 12 months of the line) and raises
    the 特困 basic living (1,001 → 1,100): the 10,000-yuan household leaves the list, the 特困 man gets 1,150.00."""
    package = copy_package(tmp_path / "install")
    user = user_with(tmp_path, SAME_KINDS / "households-rule-change.jsonl")
    scan = ["scan", "--month", "2025-08", "--workbooks", "township"]
    first = lists_of(user.process(*scan, package=package), user)
    assert first == {("SK-RULE-ASSETS", "最低生活保障"): Decimal("630.00"),
                     ("SK-RULE-TEKUN", "特困人员救助供养"): Decimal("1051.00")}
    add_parameter_value(package, "dibao.property.financial_assets_months", "2025-08-01", 12)
    add_parameter_value(package, "tekun.basic_living", "2025-08-01", 1100)
    second = lists_of(user.process(*scan, package=package), user)
    assert second == {("SK-RULE-TEKUN", "特困人员救助供养"): Decimal("1150.00")}


# ====================================================================== 13. an empty registry, an empty area


def test_whatif_on_an_empty_registry_says_so(tmp_path):
    run = User(tmp_path / "h")("whatif", "--set", "dibao.line.rural=700", "--month", "2025-08")
    assert_refused(run)


def test_a_scan_of_an_area_without_households_says_so_and_leaves_nothing(tmp_path):
    """The registry holds 铁山镇 (500111119) only; a scan of 高升镇 (500111120) has nobody to decide."""
    user = user_with(tmp_path, SAME_KINDS / "household-plain-rural.json")
    run = user("scan", "--month", "2025-08", "--area", "500111120")
    assert_refused(run, "500111120")
    assert [p for p in user.home.rglob("*") if p.is_file() and not p.name.startswith("jiuzhu.db")] == []
