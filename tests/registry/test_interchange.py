"""The JSON import: good households kept, bad ones reported by file, line, household, member and field; a file
that cannot be read refused in one line before anything is stored; the export masked unless asked."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select, text

from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError, NotFoundError
from jiuzhu.i18n import use_language
from jiuzhu.registry import interchange, service
from jiuzhu.registry import models as m
from tests.audit import access_rows
from tests.conftest import FIELD_TEST_1


def _jsonl(path, docs):
    path.write_text("\n".join(d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for d in docs) + "\n",
                    encoding="utf-8")
    return path


def _variant(example, number, drop=()):
    doc = copy.deepcopy(example)
    doc["household_no"] = f"500111119-{number:06d}"
    doc["members"] = [mem for i, mem in enumerate(doc["members"]) if i not in drop]
    return doc


def _count(engine, model) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def _import(engine, path):
    with session_scope(engine) as session:
        return interchange.import_households(session, path, actor="t", reason="import")


def test_bad_lines_are_reported_and_good_ones_stored(sqlite_engine, example_data, tmp_path):
    good = _variant(example_data, 1)
    bad_id = _variant(example_data, 2)
    bad_id["members"][0]["id_number"] = "512126195804120030"
    clash = _variant(example_data, 3)  # same people as household 1
    path = _jsonl(tmp_path / "h.jsonl", [good, bad_id, "{not json", clash])
    report = _import(sqlite_engine, path)
    assert report.stored == ["500111119-000001"]
    by_record = {(e.record, e.field) for e in report.rejected}
    assert ("h.jsonl line 2 (household 500111119-000002)", "members[0].id_number") in by_record
    assert any(r.startswith("h.jsonl line 3") for r, _ in by_record)
    assert ("h.jsonl line 4 (household 500111119-000003)", "members[0].id_number") in by_record
    assert report.records == 4 and report.rejected_households == 3
    assert _count(sqlite_engine, m.Household) == 1


def test_records_are_named_by_file_line_and_household_in_chinese(sqlite_engine, example_data, tmp_path, zh):
    bad = _variant(example_data, 2)
    bad["members"][1]["financial_assets"] = [{"kind": "deposit", "amount": "-5.00", "as_of": "2025-07-31"}]
    path = _jsonl(tmp_path / "h.jsonl", [_variant(example_data, 1), bad, "[1, 2]"])
    report = _import(sqlite_engine, path)
    assert [(e.record, e.field) for e in report.rejected] == [
        ("h.jsonl 第2行（户 500111119-000002）",
         "家庭成员第2项·金融资产第1项·金额（members[1].financial_assets[0].amount）"),
        ("h.jsonl 第3行", "（整份文档）")]
    assert "负数" in report.rejected[0].reason
    assert "JSON 对象" in report.rejected[1].reason and "列表" in report.rejected[1].reason


def test_export_then_import_into_an_empty_database_is_lossless(engine, example_data, tmp_path, sqlite_engine):
    path = _jsonl(tmp_path / "in.jsonl", [example_data])
    _import(engine, path)
    with session_scope(engine) as session:
        assert interchange.export_households(session, tmp_path / "out.jsonl", actor="t", unmask=True) == 1
    report = _import(sqlite_engine, tmp_path / "out.jsonl")
    assert report.rejected == [] and report.stored == [example_data["household_no"]]
    with session_scope(sqlite_engine) as session:
        interchange.export_households(session, tmp_path / "again.jsonl", actor="t", unmask=True)
    assert (tmp_path / "again.jsonl").read_text() == (tmp_path / "out.jsonl").read_text()
    with session_scope(engine) as session:
        [log] = access_rows(session)
    assert (log.action, log.unmasked) == ("export", True)
    assert log.subject == "导出 out.jsonl，全部区划，1 户；证件号码等未脱敏"  # Chinese, whatever the language


def test_the_export_masks_every_identifier_unless_asked_and_the_log_says_which(sqlite_engine, example_data,
                                                                              tmp_path):
    example_data["members"][0]["phone"] = "13812345678"
    example_data["members"][0]["financial_assets"][0]["account"] = "6217000012345678"
    _import(sqlite_engine, _jsonl(tmp_path / "in.jsonl", [example_data]))
    with session_scope(sqlite_engine) as session:
        interchange.export_households(session, tmp_path / "masked.jsonl", actor="clerk")
    written = (tmp_path / "masked.jsonl").read_text(encoding="utf-8")
    secrets = [mem["id_number"] for mem in example_data["members"]] + [
        "13812345678", "6217000012345678", example_data["members"][0]["disability"]["certificate_no"]]
    assert not [secret for secret in secrets if secret in written]
    assert "512126********0037" in written and example_data["members"][0]["name"] in written
    with session_scope(sqlite_engine) as session:
        [log] = access_rows(session)
    assert (log.actor, log.action, log.unmasked) == ("clerk", "export", False) and "证件号码等已脱敏" in log.subject


def test_a_masked_export_is_refused_with_the_reason(sqlite_engine, example_data, tmp_path, zh):
    _import(sqlite_engine, _jsonl(tmp_path / "in.jsonl", [example_data]))
    with session_scope(sqlite_engine) as session:
        interchange.export_households(session, tmp_path / "masked.jsonl", actor="t")
    with pytest.raises(JiuzhuError, match="masked.jsonl.*星号|masked.jsonl.*\\*"):
        _import(sqlite_engine, tmp_path / "masked.jsonl")
    # A masked record further down a file: that record is refused, saying why, the others are stored.
    masked = json.loads((tmp_path / "masked.jsonl").read_text(encoding="utf-8"))
    masked["household_no"] = "500111119-000009"
    report = _import(sqlite_engine, _jsonl(tmp_path / "mixed.jsonl", [_variant(example_data, 1), masked]))
    assert report.unchanged == ["500111119-000001"]
    [error] = report.rejected
    assert error.record.startswith("mixed.jsonl 第2行") and error.field == "members[0].id_number"
    assert "unmask" in error.reason


def test_an_export_appears_whole_or_not_at_all(sqlite_engine, example_data, tmp_path, monkeypatch):
    _import(sqlite_engine, _jsonl(tmp_path / "in.jsonl", [example_data]))
    target = tmp_path / "out.jsonl"
    target.write_text("the previous export\n")

    def broken(*args, **kwargs):
        raise RuntimeError("stopped halfway")

    monkeypatch.setattr(service.privacy, "mask_document", broken)
    with pytest.raises(RuntimeError), session_scope(sqlite_engine) as session:
        interchange.export_households(session, target, actor="t")
    assert target.read_text() == "the previous export\n"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_a_household_failing_inside_the_database_leaves_nothing_half_written(sqlite_engine, example_data, tmp_path):
    """The database refuses household 2 at its last step (its change-log row): its rows written before are
    undone, and households 1 and 3 of the same batch are stored."""
    with sqlite_engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON changes WHEN NEW.household_no LIKE '%2' "
                          "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"))
    second, third = _variant(example_data, 2), _variant(example_data, 3)
    for doc, ids in ((second, ("512126195804120117",)), (third, ("512126195804120133",))):
        doc["members"] = doc["members"][:1]
        doc["members"][0]["id_number"] = ids[0]
        doc["rigid_spending"] = doc["enrolments"] = []
    path = _jsonl(tmp_path / "h.jsonl", [_variant(example_data, 1), second, third])
    report = _import(sqlite_engine, path)
    assert report.stored == ["500111119-000001", "500111119-000003"]
    [error] = report.rejected
    assert error.record == "h.jsonl line 2 (household 500111119-000002)" and "disk full (simulated)" in error.reason
    assert _count(sqlite_engine, m.Person) == 5 and _count(sqlite_engine, m.Household) == 2
    with session_scope(sqlite_engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(m.Person)
                              .where(m.Person.id_number == "512126195804120117")) == 0


# --------------------------------------------------------------------------- files that cannot be read


def _gbk(tmp_path):
    return FIELD_TEST_1 / "household-gbk-bytes.json"


def _garbage(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(bytes(range(128, 256)) * 40)
    return path


def _spreadsheet(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_bytes(b"PK\x03\x04" + b"\x00\x14\x00\x06" * 100)
    return path


def _utf16(tmp_path):
    path = tmp_path / "utf16.json"
    path.write_text('{"household_no": "x"}', encoding="utf-16")
    return path


def _empty(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    return path


def _missing(tmp_path):
    return tmp_path / "nowhere.jsonl"


def _folder(tmp_path):
    (tmp_path / "a-folder.json").mkdir()
    return tmp_path / "a-folder.json"


UNREADABLE = [
    (_gbk, "household-gbk-bytes.json 不是 UTF-8.*GB18030/GBK", "is not UTF-8 text.*GB18030/GBK"),
    (_garbage, "garbage.jsonl 不是 UTF-8", "garbage.jsonl is not UTF-8 text"),
    (_spreadsheet, "ledger.json 不是 UTF-8.*二进制", "not UTF-8 text.*binary data"),
    (_utf16, "utf16.json 不是 UTF-8.*UTF-16", "not UTF-8 text.*UTF-16"),
    (_empty, "empty.jsonl 是空文件", "empty.jsonl is empty"),
    (_missing, "nowhere.jsonl 不存在", "nowhere.jsonl does not exist"),
    (_folder, "a-folder.json 是文件夹", "a-folder.json is a folder"),
]


@pytest.mark.parametrize(("make", "chinese", "english"), UNREADABLE, ids=[u[0].__name__[1:] for u in UNREADABLE])
def test_a_file_that_cannot_be_read_is_refused_in_one_line_before_anything_is_stored(sqlite_engine, tmp_path, make,
                                                                                     chinese, english):
    path = make(tmp_path)
    for lang, expected in (("zh", chinese), ("en", english)):
        with use_language(lang), pytest.raises(JiuzhuError, match=expected) as info:
            interchange.import_households_file(sqlite_engine, path, actor="t", reason="r")
        assert "\n" not in info.value.message
        with use_language(lang), pytest.raises(JiuzhuError, match=expected), session_scope(sqlite_engine) as s:
            interchange.import_households(s, path, actor="t", reason="r")
    assert _count(sqlite_engine, m.Household) == 0 and _count(sqlite_engine, m.Area) == 0


def test_a_missing_file_is_a_not_found_error(sqlite_engine, tmp_path):
    with pytest.raises(NotFoundError):
        interchange.check_file(tmp_path / "nowhere.json")


@pytest.mark.parametrize(("line", "field", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "(line)", "nested too deeply"),
    ('{"household_no": ' + "[" * 50 + "]" * 50 + "}", "household_no", ""),
    ("42", "(document)", "not a number"),
    ('"a household"', "(document)", "not a string"),
    ("null", "(document)", "not null"),
    ("{\"household_no\": \"x\",", "column ", "not valid JSON"),
], ids=["deep-list", "deep-value", "number", "string", "null", "cut"])
def test_a_line_that_is_not_a_household_is_reported_by_line_and_the_rest_stored(sqlite_engine, example_data,
                                                                               tmp_path, line, field, reason):
    path = _jsonl(tmp_path / "h.jsonl", [line, _variant(example_data, 1)])
    for run in (interchange.import_households_file, None):
        if run is None:
            report = _import(sqlite_engine, path)
        else:
            report = run(sqlite_engine, path, actor="t", reason="r")
        assert report.stored + report.unchanged == ["500111119-000001"]
        assert [e.record for e in report.rejected if e.record.startswith("h.jsonl line 1")] and all(
            e.record.startswith("h.jsonl line 1") for e in report.rejected)
        assert any(e.field.startswith(field) and reason in e.reason for e in report.rejected), report.rejected


def test_a_line_of_other_bytes_in_a_utf8_file_is_reported_by_line(sqlite_engine, example_data, tmp_path):
    """Beyond the part checked before the import starts, a line of other bytes is one bad record."""
    path = tmp_path / "h.jsonl"
    path.write_bytes(json.dumps(_variant(example_data, 1), ensure_ascii=False).encode() + b"\n"
                     + b" " * interchange.SAMPLE_BYTES + b"\n"
                     + "{\"household_no\": \"测试\"}".encode("gb18030") + b"\n")
    report = interchange.import_households_file(sqlite_engine, path, actor="t", reason="r")
    assert report.stored == ["500111119-000001"]
    [error] = report.rejected
    assert (error.record, error.field) == ("h.jsonl line 3", "(line)") and "not UTF-8" in error.reason
    path.write_bytes(path.read_bytes().replace(b" " * interchange.SAMPLE_BYTES, b""))
    with pytest.raises(JiuzhuError, match="not UTF-8 text"):  # within it: the whole file, before anything
        interchange.import_households_file(sqlite_engine, path, actor="t", reason="r")


def test_a_json_list_names_its_items_from_one(sqlite_engine, example_data, tmp_path):
    bad = _variant(example_data, 2)
    bad["urban"] = "perhaps"
    path = tmp_path / "list.json"
    path.write_text(json.dumps([_variant(example_data, 1), bad, 7], ensure_ascii=False), encoding="utf-8")
    report = _import(sqlite_engine, path)
    assert report.stored == ["500111119-000001"]
    assert [(e.record, e.field) for e in report.rejected] == [
        ("list.json item 2 (household 500111119-000002)", "urban"), ("list.json item 3", "(document)")]


# --------------------------------------------------------------------------- the field test's households


def test_lowercase_x_is_read_as_x_in_every_reference(engine, tmp_path):
    """Field case household-lowercase-x-references.json: the member's …x and the rigid spending's and
    enrolment's references to it are one person; a supporter's …x is normalised the same way."""
    data = json.loads((FIELD_TEST_1 / "household-lowercase-x-references.json").read_text(encoding="utf-8"))
    data["members"][1]["supporters"] = [{"name": "测试乙", "id_number": "51212619700512003x", "relation": "spouse",
                                         "status": "able"}]
    report = _import(engine, _jsonl(tmp_path / "x.jsonl", [data]))
    assert report.rejected == [] and report.stored == ["T02-000001"]
    with session_scope(engine) as session:
        doc = service.read_household(session, "T02-000001", actor="t", unmask=True)
        assert session.scalar(select(m.Person.id_number).where(m.Person.name == "测试乙")) == "51212619700512003X"
    assert doc["members"][0]["id_number"] == "51212619700512003X"
    assert doc["rigid_spending"][0]["id_number"] == doc["enrolments"][0]["id_number"] == "51212619700512003X"
    assert doc["members"][1]["supporters"][0]["id_number"] == "51212619700512003X"


def test_wages_of_two_to_the_31_fen_are_stored_and_read_back_whole(engine, tmp_path):
    """Field case household-wages-2pow31-fen.json: money is 64-bit (BIGINT) on both backends."""
    _import(engine, FIELD_TEST_1 / "household-wages-2pow31-fen.json")
    with session_scope(engine) as session:
        doc = service.read_household(session, "T01-000003", actor="t")
        fen = session.scalar(select(func.max(m.Income.wages)))
    assert fen == 2**31
    assert {i["wages"] for i in doc["members"][0]["incomes"]} == {"21474836.48"}


def _with(change):
    def make(example):
        doc = _variant(example, 1)
        change(doc)
        return doc
    return make


OUT_OF_RANGE = [
    ("negative-deposit", lambda ex: json.loads((FIELD_TEST_1 / "household-negative-deposit.json").read_text(
        encoding="utf-8")), "CASE-RICH-NEGDEP",
     "家庭成员第2项·金融资产第1项·金额（members[1].financial_assets[0].amount）", "为负数"),
    ("declared-in-2099", lambda ex: json.loads((FIELD_TEST_1 / "household-declared-in-2099.json").read_text(
        encoding="utf-8")), "CASE-DECL2099", "申报日期（declared_on）", "将来"),
    ("negative-wage", _with(lambda d: d["members"][1]["incomes"].__setitem__(0, {"month": "2025-06",
                                                                               "wages": "-1.00"})),
     "500111119-000001", "家庭成员第2项·收入第1项·工资性收入（members[1].incomes[0].wages）", "为负数"),
    ("negative-area", _with(lambda d: d["members"][0]["real_estate"][0].__setitem__("floor_area_m2", "-86.00")),
     "500111119-000001", "家庭成员第1项·不动产第1项·住房面积（members[0].real_estate[0].floor_area_m2）", "为负数"),
    ("future-statement", _with(lambda d: d["members"][0]["financial_assets"][0].__setitem__("as_of", "2099-07-31")),
     "500111119-000001", "家庭成员第1项·金融资产第1项·余额日期（members[0].financial_assets[0].as_of）", "将来"),
    ("future-income-month", _with(lambda d: d["members"][0]["incomes"][0].__setitem__("month", "2099-01")),
     "500111119-000001", "家庭成员第1项·收入第1项·收入月份（members[0].incomes[0].month）", "将来"),
    ("born-in-the-future", _with(lambda d: d["members"][2].__setitem__("birth_date", "2099-01-01")),
     "500111119-000001", "家庭成员第3项·出生日期（members[2].birth_date）", "将来"),
    ("outside-jurisdiction", _with(lambda d: d.__setitem__("area_code", "110101")),
     "500111119-000001", "区划代码（area_code）", "JIUZHU_JURISDICTION"),
    ("blank-name", _with(lambda d: d["members"][1].__setitem__("name", "   ")),
     "500111119-000001", "家庭成员第2项·姓名（members[1].name）", ""),
    ("blank-supporter", _with(lambda d: d["members"][0]["supporters"][0].__setitem__("name", "")),
     "500111119-000001", "家庭成员第1项·法定义务人第1项·义务人姓名（members[0].supporters[0].name）", ""),
]


@pytest.mark.parametrize(("make", "household", "field", "reason"), [o[1:] for o in OUT_OF_RANGE],
                         ids=[o[0] for o in OUT_OF_RANGE])
def test_values_out_of_range_are_refused_naming_household_member_and_field(sqlite_engine, example_data, tmp_path,
                                                                          zh, make, household, field, reason):
    path = _jsonl(tmp_path / "case.jsonl", [make(example_data)])
    report = interchange.import_households_file(sqlite_engine, path, actor="t", reason="r")
    assert report.stored == []
    assert [(e.record, e.field) for e in report.rejected] == [(f"case.jsonl 第1行（户 {household}）", field)]
    assert reason in report.rejected[0].reason
    assert _count(sqlite_engine, m.Household) == 0


def test_text_a_spreadsheet_would_read_as_a_formula_round_trips_unchanged_in_json(sqlite_engine, tmp_path):
    """Field case household-formula-like-text.json, the JSON side: such text is data, stored and exported as
    it was given (the ledger writes it as text, see the ledger's tests), and the round trip returns it."""
    case = FIELD_TEST_1 / "household-formula-like-text.json"
    assert _import(sqlite_engine, case).stored == ["T10-000001"]
    with session_scope(sqlite_engine) as session:
        interchange.export_households(session, tmp_path / "out.jsonl", actor="t", unmask=True)
    exported = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    given = json.loads(case.read_text(encoding="utf-8"))
    assert exported["address"] == given["address"] and exported["members"][0]["name"] == "=1+2"
    assert exported["members"][1]["name"] == "-测试壬妻"
    from jiuzhu import migrate
    from jiuzhu.db import make_engine

    copy = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    migrate.upgrade(copy)
    assert interchange.import_households_file(copy, tmp_path / "out.jsonl", actor="t", reason="r").stored == [
        "T10-000001"]
    with session_scope(copy) as session:
        assert service.read_household(session, "T10-000001", actor="t", unmask=True) == exported
