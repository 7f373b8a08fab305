"""Outreach workbooks (入户核查工作簿): a scan's lists as .xlsx, one per township or community.

    write_workbooks(scan_dir, out_dir, snapshot=..., session=..., actor=..., by="township")  -> [paths]
    write_workbooks(..., unmask=True)                 full ID numbers and phone numbers

Each workbook is for the staff who go door to door: sheets 应享未享 (ranked), 享而不应, 已解决 (entries of
the previous scan no longer listed) and 说明 (what the lists are, the legal basis, counts). Each entry names
a living member to contact, with the household's address and the contact's phone, and leaves three columns
for the visit (走访日期, 走访结果 from a drop-down list, 备注). Identifiers (ID numbers, phone numbers) are
masked unless ``unmask`` (``registry.privacy``); every workbook written is recorded in the access log in the
caller's transaction, saying which area, how many entries and whether masked (个人信息保护法). Every text
cell is a text cell, never a formula (``spreadsheet.xlsx_text``); every file appears whole or not at all
(``files.atomic_output``). Money is written from integer fen via ``fen_to_yuan``: the cell holds the exact
decimal, formatted ``0.00``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from jiuzhu.discovery.lists import ENTITLED, FINDINGS, NOT_ENTITLED, RECORD_LANGUAGE, RESOLVED, list_label
from jiuzhu.discovery.scan import MANIFEST
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import atomic_output
from jiuzhu.i18n import t
from jiuzhu.money import fen_to_yuan
from jiuzhu.registry.areas import area_name
from jiuzhu.registry.codes import Programme, Relation
from jiuzhu.registry.privacy import mask_id, mask_phone
from jiuzhu.registry.service import log_export
from jiuzhu.spreadsheet import xlsx_text

BY = ("township", "community")
CHANGE_LABELS = {"new": "新增", "continuing": "持续", "resolved": "已解决"}
NONE_ROW = ("无", "本次排查无此类记录")
UNKNOWN = "未知"
NO_ADDRESS = "未登记"
SELF = "本人"
TEXT, MONEY, DATE, NUMBER = "@", "0.00", "yyyy-mm-dd", "0"


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    fmt: str = "General"


# Who to see and where, then the visit's own columns, left empty for the staff to fill in.
CONTACT_COLUMNS = [
    Column("联系人", 10), Column("联系人与户主关系", 10), Column("联系电话", 14, TEXT), Column("家庭住址", 30),
    Column("提示", 24),
]
VISIT_DATE, VISIT_RESULT, VISIT_NOTE = "走访日期", "走访结果", "备注"
VISIT_COLUMNS = [Column(VISIT_DATE, 12, DATE), Column(VISIT_RESULT, 16), Column(VISIT_NOTE, 30)]
VISIT_RESULTS = ("已走访-符合", "已走访-不符合", "已走访-待补充材料", "未遇", "拒绝", "已迁出", "已故", "其他")
ENTITLED_COLUMNS = [
    Column("排名", 6, NUMBER), Column("户编号", 19, TEXT), Column("姓名", 10), Column("身份证号", 21, TEXT),
    Column("项目", 22), Column("预计月救助金额(元)", 18, MONEY), Column("符合条件", 70),
    Column("社区/村", 24), Column("变化", 6), *CONTACT_COLUMNS, *VISIT_COLUMNS,
]
NOT_ENTITLED_COLUMNS = [
    Column("户编号", 19, TEXT), Column("姓名", 10), Column("身份证号", 21, TEXT), Column("项目", 22),
    Column("现月救助金额(元)", 16, MONEY), Column("不再符合的条件", 60), Column("起始月份", 10, TEXT),
    Column("上次复核", 12, DATE), Column("社区/村", 24), Column("变化", 6), *CONTACT_COLUMNS, *VISIT_COLUMNS,
]
RESOLVED_COLUMNS = [
    Column("原名单", 10), Column("户编号", 19, TEXT), Column("姓名", 10), Column("身份证号", 21, TEXT),
    Column("项目", 22), Column("月救助金额(元)", 14, MONEY), Column("原列入理由", 60),
    Column("列入月份", 10, TEXT), Column("社区/村", 24),
]
_ORDER = {p.value: i for i, p in enumerate(Programme)}
SHEETS = {"resolved": "已解决", "notes": "说明"}  # and one sheet per list, named as the list (sheet())

LEGAL_BASIS = [
    "《社会救助暂行办法》(国务院令第649号)第十七条：乡镇人民政府、街道办事处应当主动发现符合救助条件的困难群众。",
    "《社会救助暂行办法》第十三条：对低保家庭的人口、收入和财产状况定期核查，情况发生变化的增发、减发或停发。",
    "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》(国办发〔2023〕39号)：变“人找政策”为“政策找人”。",
    "《中华人民共和国个人信息保护法》：本工作簿中的个人信息仅用于本次核查，妥善保管，用后删除。",
]
CONTACT_RULE = ("户级项目（低保、低保边缘、刚性支出困难、临时救助）的“姓名”为联系人。联系人为在世家庭成员："
                "户主在世为户主；否则为配偶；否则为年龄最大的成年共同生活家庭成员；否则为年龄最大的在世成员。"
                "个人项目的“姓名”为本人；本人未成年或已故时，联系人为家中在世的成年成员（按同一顺序）。"
                "“提示”写明户主或本人已故（及日期）等情况。")
VISIT_RULE = ("走访后请填写走访日期、走访结果（下拉选择：" + "、".join(VISIT_RESULTS) + "）和备注。")


def write_workbooks(scan_dir: Path, out_dir: Path, *, snapshot: Path, session: Session | None = None,
                    actor: str | None = None, by: str = "township", unmask: bool = False) -> list[Path]:
    """Write one workbook per township (or community) of the scan's lists; return the paths written.

    Every workbook is personal data: each one written is recorded with ``log_export`` in the caller's
    transaction (``session``; ``actor`` is who exports), saying the area, the entries and whether the
    identifiers are masked. ``unmask=True`` writes full ID numbers and phone numbers.
    """
    check_by(by)
    if session is None or not actor:
        raise JiuzhuError(t("outreach workbooks are recorded in the access log: give the database session and "
                            "who exports them (actor)"))
    scan_dir, out_dir = Path(scan_dir), Path(out_dir)
    month, findings, resolved = _read(scan_dir)
    names = AreaNames(Path(snapshot))
    groups: dict[str, dict[str, list[dict]]] = defaultdict(lambda: {ENTITLED: [], NOT_ENTITLED: [], "resolved": []})
    for row in findings:
        groups[_group_of(row, by)][row["list"]].append(row)
    for row in resolved:
        groups[_group_of(row, by)]["resolved"].append(row)
    paths = []
    for code in sorted(groups):
        path = out_dir / _file_name(code, names.name(code), month)
        with atomic_output(path) as tmp:
            counts = _write_one(tmp, groups[code], code=code, month=month, names=names, unmask=unmask)
        paths.append(path)
        log_export(session, actor=actor, file=path.name, month=month, area=code, unmasked=unmask,
                   entries={sheet(kind): counts[kind] for kind in (ENTITLED, NOT_ENTITLED, "resolved")})
    return paths


def check_by(by: str) -> str:
    """``by`` if it is a way to split the workbooks (township or community), else one line saying the choices."""
    if by not in BY:
        raise JiuzhuError(t("workbooks by '{value}': choose township (one per 乡镇/街道) or community "
                            "(one per 村/社区)", value=by), field="workbooks")
    return by


class AreaNames:
    """Names of townships and communities: the snapshot's areas table, then the official table
    (``areas.area_name``)."""

    def __init__(self, snapshot: Path) -> None:
        path = snapshot / "registry" / "areas.parquet"
        self.names: dict[str, str] = {}
        if path.exists():
            table = pq.read_table(path, columns=["code", "name"])
            self.names = dict(zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True))

    def name(self, code: str | None) -> str:
        return area_name(code, self.names) if code else ""


def _read(scan_dir: Path) -> tuple[str, list[dict], list[dict]]:
    if not (scan_dir / FINDINGS).exists():
        raise JiuzhuError(t("{folder}: no lists of a finished scan ({file}); run the scan again",
                            folder=scan_dir, file=FINDINGS))
    findings = pq.read_table(scan_dir / FINDINGS).to_pylist()
    resolved = pq.read_table(scan_dir / RESOLVED).to_pylist() if (scan_dir / RESOLVED).exists() else []
    if (scan_dir / MANIFEST).exists():
        month = json.loads((scan_dir / MANIFEST).read_text())["month"]
    elif findings:
        month = findings[0]["month"]
    else:
        raise JiuzhuError(t("{folder}: no {file} and no entry; the month of the scan is unknown",
                            folder=scan_dir, file=MANIFEST))
    order = {ENTITLED: 0, NOT_ENTITLED: 1}
    findings.sort(key=lambda r: (r["township"], order.get(r["list"], 2), r["rank"] or 0))
    resolved.sort(key=lambda r: (r["township"], order.get(r["list"], 2), r["rank"] or 0))
    return month, findings, resolved


def _group_of(row: dict, by: str) -> str:
    # Entries registered directly under a township (no community) go to the township's own file.
    return (row["community"] or row["township"]) if by == "community" else row["township"]


def _file_name(code: str, name: str, month: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", name) or code
    return f"{code}-{safe}-{month}.xlsx"


def _write_one(path: Path, group: dict[str, list[dict]], *, code: str, month: str, names: AreaNames,
               unmask: bool) -> dict[str, int]:
    wb = openpyxl.Workbook(write_only=True)
    ident = (lambda n: n) if unmask else mask_id
    phone = (lambda n: n) if unmask else mask_phone

    def common(r: dict) -> dict[str, Any]:
        return {"户编号": r["household_no"], "姓名": r["name"],
                "身份证号": ident(r["id_number"]) if r["id_number"] else None,
                "项目": Programme(r["programme"]).label, "社区/村": names.name(r["community"] or r["township"])}

    def contact(r: dict) -> dict[str, Any]:
        relation = r.get("contact_relation")
        if relation and r.get("contact_person_id") is not None and r.get("contact_person_id") == r["person_id"]:
            relation_text = SELF
        else:
            relation_text = _relation_label(relation)
        return {"联系人": r.get("contact_name"), "联系人与户主关系": relation_text,
                "联系电话": phone(r["contact_phone"]) if r.get("contact_phone") else None,
                "家庭住址": r.get("address") or NO_ADDRESS, "提示": r.get("note")}

    _sheet(wb, sheet(ENTITLED), ENTITLED_COLUMNS, [
        common(r) | contact(r) | {"排名": r["rank"], "预计月救助金额(元)": _yuan(r["amount_fen"]),
                                  "符合条件": r["reason"], "变化": CHANGE_LABELS.get(r["change"], r["change"])}
        for r in group[ENTITLED]], month=month)
    _sheet(wb, sheet(NOT_ENTITLED), NOT_ENTITLED_COLUMNS, [
        common(r) | contact(r) | {"现月救助金额(元)": _yuan(r["amount_fen"]), "不再符合的条件": r["reason"],
                                  "起始月份": r["since"], "上次复核": r["last_review"],
                                  "变化": CHANGE_LABELS.get(r["change"], r["change"])}
        for r in group[NOT_ENTITLED]], month=month)
    _sheet(wb, sheet("resolved"), RESOLVED_COLUMNS, [
        common(r) | {"原名单": sheet(r["list"]), "月救助金额(元)": _yuan(r["amount_fen"]),
                     "原列入理由": r["reason"], "列入月份": r["since"]}
        for r in group["resolved"]], month=month)
    _notes(wb, group, code=code, month=month, names=names, unmask=unmask)
    wb.save(path)
    return {k: len(v) for k, v in group.items()}


def _relation_label(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return Relation(code).label
    except ValueError:
        return code


def _yuan(fen: int | None) -> Decimal | str:
    return UNKNOWN if fen is None else fen_to_yuan(fen)


def _text_cell(ws, value: Any) -> WriteOnlyCell:
    """A cell whose text, if any, is text: a name such as "=1+2" never becomes a formula (OWASP CSV injection)."""
    return xlsx_text(WriteOnlyCell(ws, value=value))


def _header(ws, headers: list[str]) -> None:
    bold = Font(bold=True)
    cells = []
    for h in headers:
        cell = _text_cell(ws, h)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)


def _sheet(wb, title: str, columns: list[Column], rows: list[dict], *, month: str) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    _header(ws, [c.header for c in columns])
    if not rows:
        ws.append([_text_cell(ws, v) for v in NONE_ROW])
        return
    _visit_validation(ws, columns, len(rows), month)
    for row in rows:
        out = []
        for col in columns:
            value = row.get(col.header)
            if col.fmt == TEXT and value is not None:
                value = str(value)
            cell = _text_cell(ws, value)
            if not (col.fmt == MONEY and isinstance(value, str)):
                cell.number_format = col.fmt
            out.append(cell)
        ws.append(out)


def _visit_validation(ws, columns: list[Column], n_rows: int, month: str) -> None:
    """The visit's columns accept what staff should write there: an outcome from the list, a date."""
    headers = [c.header for c in columns]
    if VISIT_RESULT not in headers:
        return
    last = n_rows + 1

    def column(header: str) -> str:
        letter = get_column_letter(headers.index(header) + 1)
        return f"{letter}2:{letter}{last}"

    results = DataValidation(type="list", formula1='"' + ",".join(VISIT_RESULTS) + '"', allow_blank=True,
                             showErrorMessage=True, errorStyle="warning", errorTitle="走访结果",
                             error="请从下拉列表中选择走访结果；其他情况选“其他”并在备注中说明。")
    results.add(column(VISIT_RESULT))
    year, mon = int(month[:4]), int(month[5:7])
    dates = DataValidation(type="date", operator="greaterThanOrEqual", formula1=f"DATE({year},{mon},1)",
                           allow_blank=True, showErrorMessage=True, errorTitle="走访日期",
                           error=f"请填写{year}年{mon}月1日或以后的日期，如 {month}-15。")
    dates.add(column(VISIT_DATE))
    ws.data_validations.append(results)
    ws.data_validations.append(dates)


def sheet(kind: str) -> str:
    """The name of a workbook's sheet: a list's Chinese name (``lists.list_label``), 已解决 or 说明."""
    return SHEETS[kind] if kind in SHEETS else list_label(kind, RECORD_LANGUAGE)


def _notes(wb, group: dict[str, list[dict]], *, code: str, month: str, names: AreaNames, unmask: bool) -> None:
    ws = wb.create_sheet(sheet("notes"))
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    _header(ws, ["项目", "内容"])
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, value in _note_rows(group, code=code, month=month, names=names, unmask=unmask):
        cell = _text_cell(ws, value)
        cell.alignment = wrap
        if isinstance(value, Decimal):
            cell.number_format = MONEY
        ws.append([_text_cell(ws, key), cell])


def _note_rows(group, *, code, month, names, unmask) -> list[tuple[str, Any]]:
    area = names.name(code)
    if len(code) > 9:
        area = f"{names.name(code[:9])} {area}"
    rows: list[tuple[str, Any]] = [
        ("工作簿", "政策找人 入户核查工作簿"),
        ("区域", f"{area}（{code}）"),
        ("排查月份", month),
        (sheet(ENTITLED), "按本月数据测算，符合救助条件但尚未纳入该项目的个人或户。请入户核实情况，"
                     "告知政策并协助申请。排名为乡镇(街道)内的顺序：按项目，预计金额由高到低。"),
        (sheet(NOT_ENTITLED), "正在享受该项目，但按本月数据已不再符合条件的个人或户。请入户核查；"
                     "是否调整以核查和审核确认结论为准，不得仅凭本名单停发。"),
        ("已解决", "上次排查列出、本次不再列出的条目（已纳入、已退出或情况已变化）。"),
        ("变化", "新增：本次排查首次列出；持续：上次排查已列出。起始月份为连续列出的第一个月。"),
        ("金额", "预计金额为测算结果，以审核确认为准；临时救助为一次性救助额；"
                 "0.00 表示该项目不按月发放救助金。"),
    ]
    rows += [("法律依据", line) for line in LEGAL_BASIS]
    rows.append(("联系人", CONTACT_RULE))
    rows.append(("走访记录", VISIT_RULE))
    rows.append(("身份证号", "本工作簿含完整身份证号和联系电话，导出已记入访问日志。" if unmask else
                 "身份证号已脱敏（只显示前6位和后4位），联系电话已脱敏（只显示前3位和后4位）。如需完整号码，"
                 "请向区县民政部门申请导出不脱敏工作簿，每次导出均记入访问日志。"))
    rows.append(("生成", "由 Jiuzhu 社会救助平台根据本月排查结果生成。"))
    for kind in (ENTITLED, NOT_ENTITLED):
        entries = group[kind]
        rows.append((f"{sheet(kind)}条数", len(entries)))
        per: dict[str, int] = defaultdict(int)
        for r in entries:
            per[r["programme"]] += 1
        rows += [(f"  {Programme(p).label}", n) for p, n in sorted(per.items(), key=lambda kv: _ORDER[kv[0]])]
        total = sum(r["amount_fen"] or 0 for r in entries)
        label = "预计月救助金额合计(元)" if kind == ENTITLED else "现月救助金额合计(元)"
        rows.append((f"{sheet(kind)}{label}", fen_to_yuan(total)))
    rows.append(("已解决条数", len(group["resolved"])))
    return rows
