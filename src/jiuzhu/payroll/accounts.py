"""Payee accounts: where a person's money goes (domain.md §11).

Per-household programmes pay the head's card or account, per-person programmes the person's own (``payee_of``);
a card may not be held by someone else (财办〔2020〕37号): the holder's name must be the person's name in the
registry, and an open account number belongs to one person (a partial unique index, ``models``).

    import_ledger(session, who, path)   the township's ledger of accounts (CSV or Excel): good rows stored, bad rows
                                        reported by row and field (Chinese first), nothing of a bad row stored
    synthesize(session, who, area)      an account for every payee of the synthetic district without one
    accounts_of(session, who, id_number) a person's accounts, masked unless unmasked (and then audited)
    record_account(session, who, ...)   one payee's corrected account (a failed line: closed, name mismatch),
                                        checked as a ledger row is, with its reason, audited; the old one kept
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.errors import JiuzhuError, NotFoundError, RecordError
from jiuzhu.i18n import N_, t
from jiuzhu.payroll import banks as banks_mod
from jiuzhu.payroll.bankfiles import decode
from jiuzhu.payroll.models import PayeeAccount
from jiuzhu.registry import models as m
from jiuzhu.registry.privacy import mask_account, mask_id
from jiuzhu.registry.validation import check_id_number
from jiuzhu.text import check_text

# The ledger's columns: the Chinese title township staff write, or the English key.
COLUMNS = {"身份证号": "id_number", "姓名": "holder_name", "户名": "holder_name", "账户类型": "kind",
           "开户银行": "bank", "账号": "account_no", "卡号": "account_no", "开户网点": "branch_name",
           "联行号": "interbank_no", "开户日期": "opened_on", "销户日期": "closed_on"}
TITLE = {"id_number": "身份证号", "holder_name": "户名", "kind": "账户类型", "bank": "开户银行",
         "account_no": "账号", "branch_name": "开户网点", "interbank_no": "联行号", "opened_on": "开户日期",
         "closed_on": "销户日期"}
REQUIRED = ("id_number", "holder_name", "bank", "account_no", "opened_on")
KINDS = {"一卡通": "card", "card": "card", "社保卡": "card", "银行账户": "account", "存折": "account",
         "account": "account", "": "card"}
ACCOUNT_RE = re.compile(r"^\d{8,32}$")
INTERBANK_RE = re.compile(r"^\d{12}$")
ROW = N_("row {n}")
SYNTHETIC_BANKS = (("cqrcb", 80), ("icbc", 8), ("ccb", 6), ("psbc", 6))  # share in percent


@dataclass
class ImportResult:
    stored: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)


@dataclass(frozen=True)
class AccountView:
    id: int
    id_number: str
    holder_name: str
    kind: str
    bank_code: str
    bank_name: str
    account_no: str
    branch_name: str | None
    interbank_no: str | None
    opened_on: dt.date
    closed_on: dt.date | None


def read_ledger(path: Path) -> list[dict[str, str]]:
    """The rows of a ledger file as {key: text}; an unknown column is refused (a typo would drop a field)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".xlsx":
        from jiuzhu.payroll.bankfiles import _read_xlsx

        table = _read_xlsx(data, path.name)
    else:
        table = list(csv.reader(io.StringIO(decode(data, "auto", path.name))))
    if not table:
        raise RecordError(path.name, t("header"), t("the file is empty"))
    header = [c.strip() for c in table[0]]
    unknown = [c for c in header if c and c not in COLUMNS and c not in TITLE]
    if unknown:
        raise RecordError(path.name, t("header"), t("unknown columns {unknown}; known: {known}",
                                                    unknown=", ".join(unknown), known=", ".join(COLUMNS)))
    keys = [COLUMNS.get(c, c) for c in header]
    missing = [TITLE[k] for k in REQUIRED if k not in keys]
    if missing:  # once for the file, not once per row (tryout: a ledger without 账号 gave an error on every row)
        raise RecordError(path.name, t("header"), t("missing columns {missing}; the file has {found}",
                                                    missing="、".join(missing),
                                                    found="、".join(c for c in header if c) or "-"))
    return [{k: (row[i].strip() if i < len(row) and row[i] is not None else "") for i, k in enumerate(keys) if k}
            for row in table[1:] if any((c or "").strip() for c in row)]


def import_ledger(session: Session, who: Principal, path: Path) -> ImportResult:
    """Store the ledger's good rows, each in a savepoint (a row refused by the database leaves the others)."""
    who.require(Permission.WRITE_REGISTRY)
    rows = read_ledger(path)
    registry = banks_mod.load()
    result = ImportResult()
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            with session.begin_nested():
                stored = _store_row(session, who, registry, row, t(ROW, n=n))
            if stored:
                result.stored += 1
            else:
                result.unchanged += 1
        except RecordError as exc:
            result.errors.append(exc)
    audit.append(session, actor=who.username, action="payroll.accounts_import", subject=path.name,
                 detail={"stored": result.stored, "unchanged": result.unchanged, "rejected": len(result.errors)})
    return result


def _date(value: str, where: str, key: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        raise RecordError(where, TITLE[key], t("'{value}' is not a date (YYYY-MM-DD)", value=value)) from None
    if day > clock.today():
        raise RecordError(where, TITLE[key], t("{day} is in the future", day=day.isoformat()))
    return day


def _store_row(session: Session, who: Principal, registry: banks_mod.Banks, row: dict,
               where: str, source: str = "ledger") -> PayeeAccount | None:
    """The account of one ledger row stored (or its closing recorded); None: the same row was stored before."""
    for key in REQUIRED:
        if not row.get(key):
            raise RecordError(where, TITLE[key], t("missing"))
    try:
        id_number = check_id_number(row["id_number"].upper())
    except ValueError as exc:
        raise RecordError(where, TITLE["id_number"], str(exc)) from None
    person = session.execute(
        select(m.Person.id, m.Person.name, m.Household.area_code).join(m.Member, m.Member.person_id == m.Person.id)
        .join(m.Household, m.Household.id == m.Member.household_id).where(m.Person.id_number == id_number)).first()
    if person is None or not who.covers(person.area_code):
        raise RecordError(where, TITLE["id_number"], t("{id} is not a member of a household in your area",
                                                       id=mask_id(id_number)))
    if row["holder_name"] != person.name:
        raise RecordError(where, TITLE["holder_name"], t(
            "'{holder}' is not the person's name in the registry ('{name}'): an account or card may not be held by "
            "someone else", holder=row["holder_name"], name=person.name))
    kind = KINDS.get(row.get("kind", ""))
    if kind is None:
        raise RecordError(where, TITLE["kind"], t("'{value}' is not one of {allowed}", value=row["kind"],
                                                  allowed="一卡通, 银行账户"))
    bank_code = _bank_code(registry, row["bank"])
    if bank_code is None:
        raise RecordError(where, TITLE["bank"], t("'{value}' is not a bank the payroll knows; known: {known}",
                                                  value=row["bank"], known="、".join(registry.all_names())))
    account_no = row["account_no"].replace(" ", "")
    if not ACCOUNT_RE.match(account_no):
        raise RecordError(where, TITLE["account_no"], t("an account or card number is 8 to 32 digits"))
    interbank = row.get("interbank_no") or None
    if bank_code not in registry.banks and not (interbank and row.get("branch_name")):
        raise RecordError(where, TITLE["interbank_no"], t(
            "an account at another bank ({bank}) is paid through {default}: give its branch and 联行号",
            bank=registry.name_of(bank_code), default=registry.banks[registry.default_bank].name))
    if interbank and not INTERBANK_RE.match(interbank):
        raise RecordError(where, TITLE["interbank_no"], t("a 联行号 is 12 digits"))
    opened = _date(row["opened_on"], where, "opened_on")
    closed = _date(row.get("closed_on", ""), where, "closed_on")
    if closed and closed < opened:
        raise RecordError(where, TITLE["closed_on"], t("before the opening date {day}", day=opened.isoformat()))
    same = session.scalars(select(PayeeAccount).where(PayeeAccount.account_no == account_no,
                                                      PayeeAccount.person_id == person.id,
                                                      PayeeAccount.opened_on == opened)).first()
    if same is not None:
        if same.closed_on == closed:
            return None
        same.closed_on = closed  # the ledger records the closing of an account it listed before
        return same
    other = session.scalar(select(PayeeAccount.person_id).where(PayeeAccount.account_no == account_no,
                                                                 PayeeAccount.closed_on.is_(None),
                                                                 PayeeAccount.person_id != person.id))
    if other is not None and closed is None:
        raise RecordError(where, TITLE["account_no"], t("this account is open in another person's name"))
    account = PayeeAccount(person_id=person.id, kind=kind, bank_code=bank_code,
                           bank_name=registry.name_of(bank_code), account_no=account_no,
                           holder_name=row["holder_name"], branch_name=row.get("branch_name") or None,
                           interbank_no=interbank, opened_on=opened, closed_on=closed, source=source,
                           created_at=audit.now(), created_by=who.username)
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        raise RecordError(where, TITLE["account_no"], t("this account is open in another person's name")) from None
    return account


def _bank_code(registry: banks_mod.Banks, value: str) -> str | None:
    if registry.name_of(value):
        return value
    names = {name: code for code, name in {**registry.others, **{c: b.name for c, b in registry.banks.items()}}.items()}
    return names.get(value)


def _payee_persons(area_prefix: str):
    """(person id, name, first start date) of every payee of a paying enrolment in the area: the person of a
    per-person enrolment, the head of a per-household one (an outer join on the head, not an OR in the join: the
    databases use no index for that)."""
    e, hh, p = m.Enrolment, m.Household, m.Person
    head = aliased(m.Member)
    payee = func.coalesce(e.person_id, head.person_id)
    return (select(p.id, p.name, e.start_date).select_from(e).join(hh, hh.id == e.household_id)
            .outerjoin(head, and_(e.person_id.is_(None), head.household_id == e.household_id,
                                  head.relation == "head"))
            .join(p, p.id == payee)
            .where(hh.area_code.like(area_prefix + "%"), e.monthly_amount_fen > 0))


def synthesize(session: Session, who: Principal, area: str) -> int:
    """An open account for every payee in ``area`` who has none: the synthetic district's, so that its payroll can
    be tried end to end. Deterministic (bank and number from the person's id): 80% 一卡通 cards of 重庆农商行, the
    rest accounts at 工行, 建行 and 邮储 (paid through the default bank with a branch and 联行号)."""
    from jiuzhu.registry import areas

    who.require(Permission.WRITE_REGISTRY)
    area = areas.check_within(who, area)
    registry = banks_mod.load()
    has = exists().where(PayeeAccount.person_id == m.Person.id, PayeeAccount.closed_on.is_(None))
    rows = session.execute(_payee_persons(areas.prefix(area)).where(~has)).all()
    first: dict[int, tuple[str, dt.date]] = {}
    for person_id, name, start in rows:
        if person_id not in first or start < first[person_id][1]:
            first[person_id] = (name, start)
    now, values = audit.now(), []
    for person_id, (name, start) in sorted(first.items()):
        bank = _synthetic_bank(person_id)
        other = bank not in registry.banks
        values.append(dict(
            person_id=person_id, kind="card" if bank == "cqrcb" else "account", bank_code=bank,
            bank_name=registry.name_of(bank) or bank, account_no=f"62{sum(map(ord, bank)) % 100:02d}{person_id:015d}",
            holder_name=name, branch_name=f"{registry.name_of(bank)}大足支行" if other else None,
            interbank_no=f"{403 if bank == 'psbc' else 104}653{person_id % 1000000:06d}" if other else None,
            opened_on=min(start, clock.today()), closed_on=None, source="synthetic", created_at=now,
            created_by=who.username))
    if values:
        session.execute(insert(PayeeAccount), values)
    audit.append(session, actor=who.username, action="payroll.accounts_synth", subject=area,
                 area_code=area, detail={"accounts": len(values)})
    return len(values)


def _synthetic_bank(person_id: int) -> str:
    share = int(hashlib.sha256(f"bank:{person_id}".encode()).hexdigest()[:8], 16) % 100
    for bank, percent in SYNTHETIC_BANKS:
        if share < percent:
            return bank
        share -= percent
    return SYNTHETIC_BANKS[0][0]


def accounts_of(session: Session, who: Principal, id_number: str, *, unmask: bool = False,
                reason: str | None = None) -> list[AccountView]:
    """A person's accounts, newest first; numbers masked unless ``unmask`` (the permission, a reason, audited)."""
    who.require(Permission.READ_PAYMENTS)
    if unmask:
        who.require(Permission.UNMASK)
        if not (reason or "").strip():
            raise JiuzhuError(t("unmasking needs a reason (it is written to the audit log)"), field="reason")
    person = session.execute(
        select(m.Person.id, m.Person.id_number, m.Household.area_code).join(m.Member, m.Member.person_id == m.Person.id)
        .join(m.Household, m.Household.id == m.Member.household_id).where(m.Person.id_number == id_number)).first()
    if person is None or not who.covers(person.area_code):
        raise NotFoundError(t("{id} is not a member of a household in your area", id=mask_id(id_number)))
    rows = session.scalars(select(PayeeAccount).where(PayeeAccount.person_id == person.id)
                           .order_by(PayeeAccount.opened_on.desc(), PayeeAccount.id.desc())).all()
    audit.append(session, actor=who.username, action="payroll.accounts_read", subject=mask_id(id_number),
                 area_code=person.area_code, unmasked=unmask, reason=reason)
    show = (lambda x: x) if unmask else mask_account
    return [AccountView(a.id, person.id_number if unmask else mask_id(person.id_number), a.holder_name, a.kind,
                        a.bank_code, a.bank_name, show(a.account_no), a.branch_name, a.interbank_no, a.opened_on,
                        a.closed_on) for a in rows]


def record_account(session: Session, who: Principal, *, id_number: str, holder_name: str, bank: str,
                   account_no: str, reason: str, opened_on: str = "", kind: str = "", branch_name: str = "",
                   interbank_no: str = "") -> AccountView:
    """One payee's corrected account (a failed line: the account closed, the name not the holder's …), checked
    exactly as a row of the ledger is (same checks, same words), with its reason; the old accounts are kept
    (history: a line keeps the account it paid), the new one is the newest open one, so it is what the next payroll
    and the re-issue pay. Redirecting a payment is the classic abuse: the reason is required, the audit row names
    who, why, the old and the new account (masked), every answer is masked, and the re-issue it leads to is
    approved by another person (maker-checker) — docs/payroll.md, "Correcting one account"."""
    who.require(Permission.PREPARE_PAYROLL)
    who.require(Permission.WRITE_REGISTRY)
    why = check_text(reason, "reason", most=200).strip()
    if not why:
        raise JiuzhuError(t("correcting an account needs its reason (it is written to the audit log)"),
                          field="reason")
    row = {"id_number": id_number.strip(), "holder_name": holder_name.strip(), "kind": kind.strip(),
           "bank": bank.strip(), "account_no": account_no.strip(), "branch_name": branch_name.strip(),
           "interbank_no": interbank_no.strip(), "opened_on": opened_on.strip()}
    where = t("the new account")
    _require_person(session, who, row["id_number"].upper())
    before = _open_accounts(session, row["id_number"].upper())
    account = _store_row(session, who, banks_mod.load(), row, where, source="correction")
    if account is None or any(a.id == account.id for a in before):
        raise RecordError(where, TITLE["account_no"], t("this is already the payee's account: nothing changed"))
    person = session.get(m.Person, account.person_id)
    area = session.scalar(select(m.Household.area_code).join(m.Member, m.Member.household_id == m.Household.id)
                          .where(m.Member.person_id == person.id))
    audit.append(session, actor=who.username, action="payroll.account_set", subject=mask_id(person.id_number),
                 area_code=area, reason=why, detail={
                     "bank": account.bank_code, "account": mask_account(account.account_no),
                     "previous": [f"{a.bank_code} {mask_account(a.account_no)}" for a in before]})
    return AccountView(account.id, mask_id(person.id_number), account.holder_name, account.kind, account.bank_code,
                       account.bank_name, mask_account(account.account_no), account.branch_name,
                       account.interbank_no, account.opened_on, account.closed_on)


def _require_person(session: Session, who: Principal, id_number: str) -> None:
    """One person looked up by key: outside the area (or nobody) is "not found", as every such look-up answers
    (a ledger row says it beside its row instead); a malformed number is the row check's to say."""
    try:
        id_number = check_id_number(id_number)
    except ValueError:
        return
    areas_of = session.scalars(select(m.Household.area_code).join(m.Member, m.Member.household_id == m.Household.id)
                               .join(m.Person, m.Person.id == m.Member.person_id)
                               .where(m.Person.id_number == id_number)).all()
    if not any(who.covers(a) for a in areas_of):
        raise NotFoundError(t("{id} is not a member of a household in your area", id=mask_id(id_number)),
                            field="id_number")


def _open_accounts(session: Session, id_number: str) -> list[PayeeAccount]:
    return list(session.scalars(select(PayeeAccount).join(m.Person, m.Person.id == PayeeAccount.person_id)
                                .where(m.Person.id_number == id_number, PayeeAccount.closed_on.is_(None))
                                .order_by(PayeeAccount.id)))
