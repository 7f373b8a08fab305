"""A payroll's life: prepare → (adjust) → approve → bank files → returns → re-issue → close (docs/payroll.md).

Each step is one call taking the session and the ``Principal``; it checks the permission and the area, writes one
audit row, and only flushes (the command or the request commits). The database has the last word on what must
never happen twice (``models``): two approvals, two payments of one household- or person-month, two re-issues of
one line — a request that loses such a race gets ``ConflictError``, never a second payment.

What a month's payroll pays (the contract with casework, which creates and ends enrolments): an enrolment with an
amount pays every month M with ``start_date <= last day of M`` and ``end_date`` empty or ``>= first day of M``.
A month such an enrolment should have paid and no live line pays (approved late, or its account came late) is paid
as an arrear line in the next payroll, one line per (enrolment, month), from the first month this programme had a
payroll in Jiuzhu (earlier months were the old system's). A month with a failed line is not an arrear: its way is
the re-issue, once the account is corrected.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError, NotFoundError, RecordError
from jiuzhu.files import atomic_output, writable_folder
from jiuzhu.i18n import N_, t, translate
from jiuzhu.money import fen_to_yuan, format_yuan, yuan_to_fen
from jiuzhu.months import check_month, month_end, month_number, month_of_number, month_start
from jiuzhu.payroll import bankfiles, banks
from jiuzhu.payroll.models import PayeeAccount, Payroll, PayrollFile, PayrollLine, PayrollReturn
from jiuzhu.payroll.returns import Expected, read_return, reconcile
from jiuzhu.payroll.schemas import FileView, FileWritten, LineView, PayrollSummary, PayrollView, ReturnView
from jiuzhu.registry import areas
from jiuzhu.registry import models as m
from jiuzhu.registry.codes import Programme, parse_programme
from jiuzhu.registry.privacy import mask_account, mask_id
from jiuzhu.text import check_text

# Programmes paid monthly (低保边缘 and 刚性支出 are recognised statuses, 临时救助 a one-off payment: no payroll).
PAID_PROGRAMMES = ("dibao", "tekun", "disability_living", "disability_care", "orphan", "unsupported_child")
# The words of a payroll's and a line's states and kinds, for every face (the web's tags, the CLI's lines).
STATUS_TITLES = {"prepared": N_("prepared, waiting for approval"), "approved": N_("approved"),
                 "cancelled": N_("cancelled"), "closing": N_("closing asked"), "closed": N_("closed")}
LINE_TITLES = {"pending": N_("not paid yet"), "paid": N_("paid"), "failed": N_("failed"), "cancelled": N_("cancelled")}
KIND_TITLES = {"regular": N_("monthly"), "arrear": N_("arrear"), "adjustment": N_("adjustment"),
               "monthly": N_("monthly"), "reissue": N_("re-issue")}
def line_status(text: str) -> str:
    """A line's state as a person writes it: its code (``failed``) or its words in either language (失败)."""
    text = (text or "").strip()
    for code, title in LINE_TITLES.items():
        if text.casefold() in (code, translate(title, "zh"), translate(title, "en").casefold()):
            return code
    raise JiuzhuError(t("unknown line state '{status}': use one of {states}", status=text, states="、".join(
        f"{code}（{translate(title, 'zh')}）" for code, title in LINE_TITLES.items())), field="status")


# The declared range of one adjustment line (0, 20,000.00] yuan: about two years of the largest monthly benefit of
# a household; a larger sum is a decision of its own, not a correction slipped into a payroll (tryout: a line of
# 100 trillion yuan went through to a bank file).
ADJUSTMENT_MAX_FEN = 2_000_000
MEMO_TITLES = {"dibao": "低保金", "tekun": "特困供养金", "disability_living": "残疾人生活补贴",
               "disability_care": "重度残疾人护理补贴", "orphan": "孤儿基本生活费",
               "unsupported_child": "事实无人抚养儿童生活费"}
SKIP_REASONS = {
    "no_account": N_("no open account or card for the payee"),
    "no_head": N_("the household has no head to pay"),
    "deceased": N_("the payee died before the month"),
    "overlapping": N_("two enrolments pay the same month"),
}
NOT_FOUND = N_("payroll {no} does not exist in your area")
RACED = N_("another payroll, prepared at the same time, pays some of these households' months: nothing was stored; "
           "look at the payrolls of the month")
# How far back a month's payroll pays the months an enrolment missed (arrears): older ones are an adjustment with
# its reason, decided by a person (a payroll is not the place to find a gap of years).
ARREARS_MONTHS = 24


def _words(programme: str) -> str:
    """A programme as its reader says it (低保), not its code (dibao): messages are in words."""
    return Programme(programme).words()


def parse_yuan(text: str, field: str) -> int:
    """An amount in yuan as typed (50, 50.00) in fen, exact; refused in words (``money``'s own messages are
    English: tryout), never rounded."""
    try:
        return yuan_to_fen((text or "").strip())
    except ValueError:
        pass
    try:
        exact = Decimal((text or "").strip())
    except InvalidOperation:
        exact = None
    if exact is not None and exact.is_finite() and exact.as_tuple().exponent < -2:
        raise JiuzhuError(t("'{value}' has more than two decimals: 分 is the smallest unit", value=text),
                          field=field)
    raise JiuzhuError(t("'{value}' is not an amount in yuan, e.g. 50.00", value=text), field=field)


def _yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


def _get(session: Session, who: Principal, payroll_no: str, *, lock: bool = False) -> Payroll:
    query = select(Payroll).where(Payroll.payroll_no == payroll_no)
    payroll = session.scalars(query.with_for_update() if lock else query).first()
    if payroll is None or not who.covers(payroll.area_code):
        raise NotFoundError(t(NOT_FOUND, no=payroll_no), field="payroll")
    return payroll


def _check_area(who: Principal, area: str) -> str:
    area = areas.check_within(who, area.strip())
    if len(areas.prefix(area)) not in (6, 9):
        raise JiuzhuError(t("a payroll is a district's (6 digits) or a township's (9 digits): {area} is neither",
                            area=area), field="area")
    return areas.prefix(area)


def _check_programme(given: str) -> str:
    programme = parse_programme(given).value  # dibao, 最低生活保障 or 低保 alike
    if programme not in PAID_PROGRAMMES:
        words, typed = _words(programme), given.strip()
        raise JiuzhuError(t("{programme} is not paid monthly; programmes with a payroll: {known}",
                            programme=words if typed == words else f"{words}（{typed}）",
                            known="、".join(map(_words, PAID_PROGRAMMES))), field="programme")
    return programme


# --------------------------------------------------------------------------- prepare


def prepare(session: Session, who: Principal, *, programme: str, area: str, month: str) -> PayrollSummary:
    """The month's payroll of ``programme`` in ``area`` from the enrolments, with the arrears (module docstring)."""
    who.require(Permission.PREPARE_PAYROLL)
    programme, month, area = _check_programme(programme), check_month(month), _check_area(who, area)
    _refuse_overlap(session, programme, area, month)
    first = session.scalar(select(func.min(Payroll.month)).where(
        Payroll.programme == programme, Payroll.kind == "monthly", Payroll.status != "cancelled"))
    since = max(first, month_of_number(month_number(month) - ARREARS_MONTHS)) if first and first < month else month
    payroll = Payroll(payroll_no=f"{programme}-{area}-{month}", kind="monthly", programme=programme,
                      area_code=area, month=month, status="prepared", line_count=0, total_fen=0, skipped=[],
                      prepared_by=who.username, prepared_at=audit.now())
    try:
        with session.begin_nested():
            session.add(payroll)
            session.flush()
            overlapping = _overlapping(session, programme, area, month)
            regular = _insert_regular(session, payroll, overlapping)
            extra, skipped = _open_slots(session, programme, area, since, month)
            for seq, v in enumerate(extra, start=regular + 1):
                v.update(seq=seq, payroll_id=payroll.id)
            if extra:
                _insert_lines(session, extra)
    except IntegrityError:
        raise ConflictError(t(RACED)) from None
    payroll.line_count, payroll.total_fen = session.execute(
        select(func.count(), func.coalesce(func.sum(PayrollLine.amount_fen), 0))
        .where(PayrollLine.payroll_id == payroll.id)).one()
    payroll.skipped = skipped
    session.flush()
    audit.append(session, actor=who.username, action="payroll.prepare", subject=payroll.payroll_no,
                 area_code=area, detail={"lines": payroll.line_count, "total_fen": payroll.total_fen,
                                         "skipped": len(skipped)})
    return summary(payroll)


def _refuse_overlap(session: Session, programme: str, area: str, month: str) -> None:
    others = session.scalars(select(Payroll.payroll_no).where(
        Payroll.programme == programme, Payroll.month == month, Payroll.kind == "monthly",
        Payroll.status != "cancelled",
        or_(Payroll.area_code.startswith(area), func.substr(area, 1, func.length(Payroll.area_code))
            == Payroll.area_code))).all()
    if others:
        raise ConflictError(t("payroll {no} already pays {programme} of {month} in this area (cancel it first to "
                              "prepare again)", no=others[0], programme=_words(programme), month=month))


def _insert(session: Session, payroll: Payroll, lines: list[dict]) -> None:
    try:
        with session.begin_nested():
            session.add(payroll)
            session.flush()
            for v in lines:
                v["payroll_id"] = payroll.id
            if lines:
                _insert_lines(session, lines)
    except IntegrityError:
        # Another payroll prepared at the same moment pays some of these months (the partial unique indexes).
        raise ConflictError(t(RACED)) from None


def _insert_lines(session: Session, lines: list[dict]) -> None:
    """The lines in one executemany. The ORM's bulk insert cost as much again as the rest of a district's payroll
    (benchmark); on SQLite even SQLAlchemy's per-row parameter processing did, so the driver gets plain tuples
    there; PostgreSQL keeps SQLAlchemy's multi-row VALUES (``insertmanyvalues``), its fastest path."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(PayrollLine.__table__.insert(), lines)
        return
    columns = list(lines[0])
    sql = (f"INSERT INTO payroll_lines ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    connection.exec_driver_sql(sql, [tuple(v[c] for c in columns) for v in lines])


def _payees():
    """Per enrolment: the paying person (the person of a per-person enrolment, the household's head otherwise)."""
    e, hh, p = m.Enrolment, m.Household, m.Person
    head = aliased(m.Member)
    payee = func.coalesce(e.person_id, head.person_id)
    return (select(e.id, e.household_id, e.person_id, e.monthly_amount_fen, e.start_date, e.end_date,
                   hh.household_no, hh.area_code, payee.label("payee_id"), p.name, p.id_number, p.death_date)
            .select_from(e).join(hh, hh.id == e.household_id)
            .outerjoin(head, and_(e.person_id.is_(None), head.household_id == e.household_id,
                                  head.relation == "head"))
            .outerjoin(p, p.id == payee))


def _beneficiary(e=m.Enrolment):
    """SQL twin of a line's ``beneficiary``: ``p<person id>`` for a per-person enrolment, ``h<household id>``."""
    return case((e.person_id.is_(None), literal("h", String).concat(cast(e.household_id, String))),
                else_=literal("p", String).concat(cast(e.person_id, String)))


def _paying(month: str, e=m.Enrolment):
    """The enrolments with an amount that pay ``month`` (the contract with casework, module docstring)."""
    return and_(e.monthly_amount_fen > 0, e.start_date <= month_end(month),
                or_(e.end_date.is_(None), e.end_date >= month_start(month)))


def _not_taken(programme: str, month: str, beneficiary):
    """No line but a cancelled one (or an adjustment) holds the month of ``beneficiary``: a failed line keeps it,
    for its re-issue."""
    line = aliased(PayrollLine)
    return ~exists().where(line.programme == programme, line.beneficiary == beneficiary,
                           line.service_month == month, line.kind != "adjustment", line.status != "cancelled")


def _overlapping(session: Session, programme: str, area: str, month: str) -> list[str]:
    """Beneficiaries that two enrolments pay in ``month`` (a data error casework should not make): not paid."""
    e, ben = m.Enrolment, _beneficiary()
    return list(session.scalars(
        select(ben).join(m.Household, m.Household.id == e.household_id)
        .where(e.programme == programme, _paying(month), m.Household.area_code.like(area + "%"))
        .group_by(ben).having(func.count() > 1)))


def _insert_regular(session: Session, payroll: Payroll, overlapping: list[str]) -> int:
    """The month's lines in one ``INSERT … SELECT``: each enrolment paying the month whose month no line holds,
    with a living payee and an open account (the newest recorded), numbered by household. Its exceptions (no
    account, no head, deceased, overlapping) and the arrears are ``_open_slots``'s. Returns how many."""
    e, hh, p, a = m.Enrolment, m.Household, m.Person, PayeeAccount
    head = aliased(m.Member)
    payee = func.coalesce(e.person_id, head.person_id)
    ben = _beneficiary()
    newer = aliased(PayeeAccount)
    newest = and_(a.person_id == p.id, a.closed_on.is_(None),  # the newest open account: none recorded after it
                  ~exists().where(newer.person_id == p.id, newer.closed_on.is_(None), newer.id > a.id))
    month = payroll.month
    query = (select(literal(payroll.id), func.row_number().over(order_by=(hh.household_no, ben)),
                    literal("regular", String), e.programme, ben, literal(month, String), e.household_id,
                    hh.household_no, hh.area_code, e.person_id, e.id, e.monthly_amount_fen, p.name, p.id_number,
                    a.id, a.account_no, a.bank_code, a.bank_name, a.branch_name, a.interbank_no,
                    literal("pending", String))
             .select_from(e).join(hh, hh.id == e.household_id)
             .outerjoin(head, and_(e.person_id.is_(None), head.household_id == e.household_id,
                                   head.relation == "head"))
             .join(p, p.id == payee).join(a, newest)
             .where(e.programme == payroll.programme, _paying(month), hh.area_code.like(payroll.area_code + "%"),
                    or_(p.death_date.is_(None), p.death_date >= month_start(month)),
                    _not_taken(payroll.programme, month, ben)))
    if overlapping:
        query = query.where(ben.not_in(overlapping))
    columns = ["payroll_id", "seq", "kind", "programme", "beneficiary", "service_month", "household_id",
               "household_no", "area_code", "person_id", "enrolment_id", "amount_fen", "payee_name",
               "payee_id_number", "account_id", "account_no", "bank_code", "bank_name", "branch_name",
               "interbank_no", "status"]
    session.execute(PayrollLine.__table__.insert().from_select(columns, query))
    return session.scalar(select(func.count()).where(PayrollLine.payroll_id == payroll.id)) or 0


def _open_slots(session: Session, programme: str, area: str, since: str, month: str) -> tuple[list[dict], list]:
    """The months from ``since`` to ``month`` that an enrolment pays and no line holds, after the month's lines
    were written: before ``month`` an arrear line each (or a skip with its reason), in ``month`` the skips."""
    e = m.Enrolment
    found: dict[tuple[str, str], list] = defaultdict(list)
    for number in range(month_number(since), month_number(month) + 1):
        service = month_of_number(number)
        for r in session.execute(_payees().where(
                e.programme == programme, _paying(service), m.Household.area_code.like(area + "%"),
                _not_taken(programme, service, _beneficiary()))):
            beneficiary = f"p{r.person_id}" if r.person_id is not None else f"h{r.household_id}"
            found[(beneficiary, service)].append(r)
    accounts = _current_accounts(session, {rows[0].payee_id for rows in found.values() if rows[0].payee_id})
    lines, skipped = [], []
    for (beneficiary, service), rows in sorted(found.items(), key=lambda kv: (kv[1][0].household_no, kv[0])):
        r = rows[0]
        reason = ("overlapping" if len(rows) > 1 else "no_head" if r.payee_id is None
                  else "deceased" if r.death_date is not None and r.death_date < month_start(service)
                  else "no_account" if r.payee_id not in accounts else None)
        if reason:
            skipped.append({"household_no": r.household_no, "service_month": service, "reason": reason})
            continue
        a = accounts[r.payee_id]
        lines.append(dict(kind="regular" if service == month else "arrear", programme=programme,
                          beneficiary=beneficiary, service_month=service, household_id=r.household_id,
                          household_no=r.household_no, area_code=r.area_code, person_id=r.person_id,
                          enrolment_id=r.id, amount_fen=r.monthly_amount_fen, reason=None, reissue_of=None,
                          payee_name=r.name, payee_id_number=r.id_number, account_id=a.id, account_no=a.account_no,
                          bank_code=a.bank_code, bank_name=a.bank_name, branch_name=a.branch_name,
                          interbank_no=a.interbank_no, status="pending"))
    skipped.sort(key=lambda s: (s["household_no"], s["service_month"]))
    return lines, skipped


# --------------------------------------------------------------------------- adjust, approve, cancel


def adjust(session: Session, who: Principal, payroll_no: str, *, household_no: str, service_month: str,
           amount: str, reason: str, id_number: str | None = None) -> LineView:
    """A caseworker's adjustment line: an extra payment for one enrolment and month (an underpayment corrected, a
    one-off the decision grants), with its reason; approved with the payroll. Never a negative line: a bank
    pays no negative amount, and a recovery of an overpayment is a decision of its own (社会救助暂行办法 art. 68)."""
    who.require(Permission.PREPARE_PAYROLL)
    payroll = _get(session, who, payroll_no, lock=True)
    if payroll.status != "prepared" or payroll.kind != "monthly":
        raise ConflictError(t("payroll {no} is {status}: only a prepared monthly payroll takes adjustments",
                              no=payroll_no, status=t(STATUS_TITLES[payroll.status])))
    reason = check_text(reason, "reason")
    if not reason:
        raise JiuzhuError(t("an adjustment needs its reason"), field="reason")
    amount_fen = parse_yuan(amount, "amount")
    if amount_fen <= 0:
        raise JiuzhuError(t("an adjustment pays a positive amount"), field="amount")
    if amount_fen > ADJUSTMENT_MAX_FEN:
        raise JiuzhuError(t("an adjustment of {amount} yuan is above the most one line may pay ({most} yuan): a larger "
                            "sum is a decision of its own", amount=format_yuan(amount_fen),
                            most=format_yuan(ADJUSTMENT_MAX_FEN)), field="amount")
    service_month = check_month(service_month, "service_month")
    earliest = month_of_number(month_number(payroll.month) - ARREARS_MONTHS)
    if not earliest <= service_month <= payroll.month:  # a month paid for lies in the payroll's look-back
        raise JiuzhuError(t("an adjustment of payroll {no} is for a month from {earliest} to {month}, not {given}",
                            no=payroll_no, earliest=earliest, month=payroll.month, given=service_month),
                          field="service_month")
    e = m.Enrolment
    query = _payees().where(e.programme == payroll.programme, m.Household.household_no == household_no,
                            e.start_date <= month_end(service_month),
                            or_(e.end_date.is_(None), e.end_date >= month_start(service_month)))
    if id_number:
        query = query.where(e.person_id == select(m.Person.id).where(m.Person.id_number == id_number)
                            .scalar_subquery())
    found = session.execute(query).all()
    if len(found) != 1 or not found[0].area_code.startswith(payroll.area_code):
        raise NotFoundError(t("no single {programme} enrolment of household {no} in {month} in this payroll's area",
                              programme=_words(payroll.programme), no=household_no, month=service_month),
                            field="household_no")
    r = found[0]
    a = _current_accounts(session, {r.payee_id}).get(r.payee_id) if r.payee_id else None
    if a is None:
        raise JiuzhuError(t(SKIP_REASONS["no_account"]), field="household_no")
    seq = (session.scalar(select(func.max(PayrollLine.seq)).where(PayrollLine.payroll_id == payroll.id)) or 0) + 1
    line = PayrollLine(payroll_id=payroll.id, seq=seq, kind="adjustment", programme=payroll.programme,
                       beneficiary=f"p{r.person_id}" if r.person_id is not None else f"h{r.household_id}",
                       service_month=service_month, household_id=r.household_id, household_no=r.household_no,
                       area_code=r.area_code, person_id=r.person_id, enrolment_id=r.id, amount_fen=amount_fen,
                       reason=reason.strip()[:200], payee_name=r.name, payee_id_number=r.id_number,
                       account_id=a.id, account_no=a.account_no, bank_code=a.bank_code, bank_name=a.bank_name,
                       branch_name=a.branch_name, interbank_no=a.interbank_no, status="pending")
    try:
        with session.begin_nested():
            session.add(line)
            session.flush()
    except IntegrityError:
        raise ConflictError(t("household {no} already has an adjustment for {month}", no=household_no,
                              month=service_month)) from None
    payroll.line_count += 1
    payroll.total_fen += amount_fen
    audit.append(session, actor=who.username, action="payroll.adjust", subject=payroll_no,
                 area_code=payroll.area_code, reason=reason[:200],
                 detail={"household_no": household_no, "service_month": service_month, "amount_fen": amount_fen})
    return _line_view(line, {}, unmask=False)


NOT_WAITING_APPROVAL = N_("payroll {no} is {status}, not waiting for approval")
NOT_WAITING_CLOSE = N_("payroll {no} is {status}, not waiting to be closed")


def _second_person(session: Session, payroll: Payroll, who: Principal, maker, before: str, refused: str,
                   **values) -> None:
    """A maker-checker step as one conditional update: from state ``before``, by anyone but the one in column
    ``maker``, once — two checkers at the same moment give one step and one refusal (``refused``)."""
    done = session.execute(update(Payroll).where(Payroll.id == payroll.id, Payroll.status == before,
                                                 maker != who.username)
                           .values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(payroll)
    if done != 1:
        raise ConflictError(t(refused, no=payroll.payroll_no, status=t(STATUS_TITLES[payroll.status])))


def approve(session: Session, who: Principal, payroll_no: str) -> PayrollSummary:
    """Approve a prepared payroll: never one's own (maker-checker), and once — a conditional update, so two
    approvers at the same moment give one approval and one refusal."""
    who.require(Permission.APPROVE_PAYROLL)
    payroll = _get(session, who, payroll_no)
    if payroll.prepared_by == who.username:
        raise ForbiddenError(t("{user} prepared payroll {no} and cannot approve it: another person approves "
                               "(maker-checker)", user=who.username, no=payroll_no))
    _second_person(session, payroll, who, Payroll.prepared_by, "prepared", NOT_WAITING_APPROVAL,
                   status="approved", approved_by=who.username, approved_at=audit.now())
    audit.append(session, actor=who.username, action="payroll.approve", subject=payroll_no,
                 area_code=payroll.area_code, detail={"lines": payroll.line_count, "total_fen": payroll.total_fen})
    return summary(payroll)


def cancel(session: Session, who: Principal, payroll_no: str, reason: str) -> PayrollSummary:
    """Cancel a payroll not yet approved: its lines free their months (prepare again after a correction)."""
    who.require(Permission.PREPARE_PAYROLL)
    reason = check_text(reason, "reason")
    if not reason:
        raise JiuzhuError(t("cancelling needs a reason"), field="reason")
    payroll = _get(session, who, payroll_no)
    done = session.execute(update(Payroll).where(Payroll.id == payroll.id, Payroll.status == "prepared")
                           .values(status="cancelled", cancelled_by=who.username)
                           .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ConflictError(t("payroll {no} is {status}: only a prepared payroll can be cancelled", no=payroll_no,
                              status=t(STATUS_TITLES[payroll.status])))
    session.execute(update(PayrollLine).where(PayrollLine.payroll_id == payroll.id).values(status="cancelled"))
    session.refresh(payroll)
    # A later payroll of the month gets a new number: the cancelled one keeps its own.
    payroll.payroll_no = f"{payroll_no}-X{payroll.id}"
    audit.append(session, actor=who.username, action="payroll.cancel", subject=payroll_no,
                 area_code=payroll.area_code, reason=reason[:200])
    return summary(payroll)


# --------------------------------------------------------------------------- bank files


def memo(line: PayrollLine) -> str:
    """The file's memo: programme and service month, 补发 for an arrear, 重发 for a re-issue (banks show it)."""
    text = f"{MEMO_TITLES.get(line.programme, line.programme)}{line.service_month[:4]}年{line.service_month[5:]}月"
    return text + ("补发" if line.kind == "arrear" else "调整" if line.kind == "adjustment" else "") + \
        ("重发" if line.reissue_of else "")


def file_lines(session: Session, payroll: Payroll) -> dict[str, list[PayrollLine]]:
    """The lines of each disbursing bank's file, in the payroll's order (their sequence numbers in the file)."""
    registry = banks.load()
    out: dict[str, list[PayrollLine]] = defaultdict(list)
    for line in session.scalars(select(PayrollLine).where(PayrollLine.payroll_id == payroll.id,
                                                          PayrollLine.status != "cancelled")
                                .order_by(PayrollLine.seq)):
        out[registry.disbursing(line.bank_code).code].append(line)
    return dict(out)


def write_files(session: Session, who: Principal, payroll_no: str, folder: Path, *, reason: str) -> list[FileWritten]:
    """Write the approved payroll's file for each bank into ``folder`` (atomically: complete or absent), record it,
    and audit it: the file carries account and ID numbers in full, because the bank needs them — so writing it
    needs the unmask permission and a reason.

    Safe to run again (after a crash between writing and recording, or to have a lost file back): the lines, their
    order and sequence numbers are the payroll's, so the file is the same; a file whose return was imported is
    not written again."""
    who.require(Permission.PREPARE_PAYROLL)
    who.require(Permission.UNMASK)
    reason = check_text(reason, "reason")
    if not reason:
        raise JiuzhuError(t("writing a bank file shows identifiers in full: give the reason"), field="reason")
    payroll = _get(session, who, payroll_no)
    if payroll.status not in ("approved", "closing"):
        raise ConflictError(t("payroll {no} is {status}: only an approved payroll is paid", no=payroll_no,
                              status=t(STATUS_TITLES[payroll.status])))
    folder = writable_folder(folder)
    registry = banks.load()
    written = []
    for bank_code, lines in sorted(file_lines(session, payroll).items()):
        bank = registry.banks[bank_code]
        ext = {"txt": "txt", "csv": "csv", "xlsx": "xlsx"}[bank.layout.format]
        data = bankfiles.render(bank.layout, [
            bankfiles.FileLine(seq=i, name=line.payee_name, account=line.account_no, amount_fen=line.amount_fen,
                               id_number=line.payee_id_number, memo=memo(line), branch=line.branch_name or "",
                               interbank_no=line.interbank_no or "", bank=line.bank_name)
            for i, line in enumerate(lines, start=1)])
        name = f"{payroll_no}_{bank_code}.{ext}"
        record = session.scalars(select(PayrollFile).where(PayrollFile.payroll_id == payroll.id,
                                                           PayrollFile.bank_code == bank_code)).first()
        if record is not None and session.scalar(select(func.count()).where(PayrollReturn.file_id == record.id)):
            raise ConflictError(t("the {bank} file of payroll {no} has its return imported: it is not written "
                                  "again (failed lines are re-issued)", bank=bank.name, no=payroll_no))
        with atomic_output(folder / name) as tmp:
            tmp.write_bytes(data)
        total = sum(line.amount_fen for line in lines)
        if record is None:
            record = PayrollFile(payroll_id=payroll.id, bank_code=bank_code, file_name=name, line_count=len(lines),
                                 total_fen=total, sha256="", written_by=who.username, written_at=audit.now())
            session.add(record)
        record.sha256, record.written_by, record.written_at = hashlib.sha256(data).hexdigest(), who.username, \
            audit.now()
        session.flush()
        for i, line in enumerate(lines, start=1):
            line.file_id, line.file_seq = record.id, i
        audit.append(session, actor=who.username, action="payroll.file", subject=f"{payroll_no} {bank_code}",
                     area_code=payroll.area_code, unmasked=True, reason=reason[:200],
                     detail={"file": name, "lines": len(lines), "total_fen": total})
        written.append(FileWritten(bank_code=bank_code, path=str(folder / name), line_count=len(lines),
                                   total_yuan=_yuan(total)))
    session.flush()
    return written


def read_file(session: Session, who: Principal, payroll_no: str, bank_code: str, folder: Path, *,
              reason: str) -> tuple[str, bytes]:
    """A recorded bank file as written (for a download): the unmask permission, a reason, audited; refused if the
    file on disk is not the one recorded (its SHA-256)."""
    who.require(Permission.PREPARE_PAYROLL)
    who.require(Permission.UNMASK)
    reason = check_text(reason, "reason")
    if not reason:
        raise JiuzhuError(t("writing a bank file shows identifiers in full: give the reason"), field="reason")
    payroll = _get(session, who, payroll_no)
    record = _file(session, payroll, bank_code)
    try:
        data = (folder / record.file_name).read_bytes()
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise ConflictError(t("the file {name} on disk is not the one recorded: write it again (jiuzhu payroll "
                              "file)", name=record.file_name))
    audit.append(session, actor=who.username, action="payroll.file", subject=f"{payroll_no} {bank_code}",
                 area_code=payroll.area_code, unmasked=True, reason=reason[:200],
                 detail={"file": record.file_name, "download": True})
    return record.file_name, data


def record_batch_no(session: Session, who: Principal, payroll_no: str, bank_code: str, batch_no: str) -> FileView:
    """The batch number the bank gave on upload (批次号), kept with the file it names."""
    who.require(Permission.PREPARE_PAYROLL)
    payroll = _get(session, who, payroll_no)
    record = _file(session, payroll, bank_code)
    batch_no = check_text(batch_no, "batch_no", most=60)
    if not batch_no:
        raise JiuzhuError(t("a batch number is 1 to 60 characters"), field="batch_no")
    record.batch_no = batch_no.strip()
    audit.append(session, actor=who.username, action="payroll.batch_no", subject=f"{payroll_no} {bank_code}",
                 area_code=payroll.area_code, detail={"batch_no": record.batch_no})
    return _file_view(record)


def _file(session: Session, payroll: Payroll, bank_code: str) -> PayrollFile:
    record = session.scalars(select(PayrollFile).where(PayrollFile.payroll_id == payroll.id,
                                                       PayrollFile.bank_code == bank_code)).first()
    if record is None:
        raise NotFoundError(t("payroll {no} has no file for bank {bank}: write it first (jiuzhu payroll file)",
                              no=payroll.payroll_no, bank=banks.load().name_of(bank_code) or bank_code), field="bank")
    return record


# --------------------------------------------------------------------------- returns, re-issue, close


def import_return(session: Session, who: Principal, payroll_no: str, bank_code: str, data: bytes,
                  file_name: str) -> ReturnView:
    """Reconcile the bank's return file line by line (``returns``): all of it, or nothing if one line is bad."""
    who.require(Permission.PREPARE_PAYROLL)
    payroll = _get(session, who, payroll_no, lock=True)
    record = _file(session, payroll, bank_code)
    sha = hashlib.sha256(data).hexdigest()
    if session.scalar(select(func.count()).where(PayrollReturn.file_id == record.id, PayrollReturn.sha256 == sha)):
        raise ConflictError(t("this return file ({name}) was imported already", name=file_name))
    registry = banks.load()
    rows = _read_return(registry, bank_code, data, file_name)
    lines = {line.file_seq: line for line in session.scalars(
        select(PayrollLine).where(PayrollLine.file_id == record.id).with_for_update())}
    expected = {seq: Expected(line.account_no, line.amount_fen) for seq, line in lines.items()}
    settled = frozenset(seq for seq, line in lines.items() if line.status != "pending")
    outcomes = reconcile(expected, settled, rows, registry.get(bank_code).returns.reasons)
    back = PayrollReturn(file_id=record.id, file_name=file_name[:200], sha256=sha,
                         paid=sum(o.result == "paid" for o in outcomes),
                         failed=sum(o.result == "failed" for o in outcomes),
                         unmatched=[{"row": o.row, "seq": o.seq, "code": o.code} for o in outcomes
                                    if o.result == "unmatched"],
                         imported_by=who.username, imported_at=audit.now())
    session.add(back)
    session.flush()
    for o in outcomes:
        if o.result in ("paid", "failed"):
            line = lines[o.seq]
            line.status, line.fail_code, line.fail_text, line.return_id = o.result, o.code, o.text, back.id
    session.flush()
    audit.append(session, actor=who.username, action="payroll.return", subject=f"{payroll_no} {bank_code}",
                 area_code=payroll.area_code, detail={"file": file_name, "paid": back.paid, "failed": back.failed,
                                                      "unmatched": len(back.unmatched)})
    return _return_view(back, bank_code)


def _read_return(registry: banks.Banks, bank_code: str, data: bytes, file_name: str):
    """The return file's lines in the chosen bank's layout. A file that does not read in it (tryout: another bank's
    file gave a cryptic "column count") is refused in one line naming the chosen bank, and the bank whose layout it
    does read in, if one does."""
    bank = registry.get(bank_code)
    try:
        return read_return(bank.returns, data, file_name, bank.name)
    except RecordError as exc:
        for other in registry.banks.values():
            if other.code == bank_code:
                continue
            try:
                if not read_return(other.returns, data, file_name, other.name):
                    continue  # an empty reading (all taken for a header) tells nothing
            except RecordError:
                continue
            raise JiuzhuError(t("{file} is a return file in {other}'s layout, not {bank}'s (the bank chosen): choose "
                                "{other}, or ask {bank} for its own return file", file=file_name, other=other.name,
                                bank=bank.name), field="bank") from None
        raise exc from None


def reissue(session: Session, who: Principal, payroll_no: str, reason: str) -> PayrollSummary:
    """A re-issue payroll of the failed lines whose payee has another open account now (the corrected one): one
    line each, same month and amount, to be approved and filed like any payroll. A line is re-issued once: the
    database refuses a second live re-issue of it (``uq_payroll_lines_reissue``). Failed lines whose account was
    not corrected are listed in ``skipped``."""
    who.require(Permission.PREPARE_PAYROLL)
    reason = check_text(reason, "reason")
    if not reason:
        raise JiuzhuError(t("a re-issue needs its reason"), field="reason")
    original = _get(session, who, payroll_no)
    reissued = {i for (i,) in session.execute(select(PayrollLine.reissue_of).where(
        PayrollLine.reissue_of.is_not(None), PayrollLine.status.not_in(("failed", "cancelled"))))}
    failed = [line for line in session.scalars(select(PayrollLine).where(
        PayrollLine.payroll_id == original.id, PayrollLine.status == "failed").order_by(PayrollLine.seq))
        if line.id not in reissued]
    if not failed:
        raise ConflictError(t("payroll {no} has no failed line waiting for a re-issue", no=payroll_no))
    owners = dict(session.execute(select(PayeeAccount.id, PayeeAccount.person_id).where(
        PayeeAccount.id.in_([line.account_id for line in failed]))).all())
    current = _current_accounts(session, set(owners.values()))
    lines, skipped = [], []
    for line in failed:
        account = current.get(owners.get(line.account_id))
        if account is None or account.id == line.account_id:
            skipped.append({"household_no": line.household_no, "service_month": line.service_month,
                            "reason": "not_corrected", "seq": line.seq})
            continue
        person = session.get(m.Person, account.person_id)
        lines.append(dict(
            seq=len(lines) + 1, kind=line.kind, programme=line.programme, beneficiary=line.beneficiary,
            service_month=line.service_month, household_id=line.household_id, household_no=line.household_no,
            area_code=line.area_code, person_id=line.person_id, enrolment_id=line.enrolment_id,
            amount_fen=line.amount_fen, reason=reason.strip()[:200], reissue_of=line.id, payee_name=person.name,
            payee_id_number=person.id_number, account_id=account.id, account_no=account.account_no,
            bank_code=account.bank_code, bank_name=account.bank_name, branch_name=account.branch_name,
            interbank_no=account.interbank_no, status="pending"))
    if not lines:
        raise ConflictError(t("no failed line of payroll {no} has a corrected account yet: record the new account "
                              "(jiuzhu payroll accounts-set), then re-issue", no=payroll_no))
    count = session.scalar(select(func.count()).where(Payroll.reissue_of == original.id)) or 0
    payroll = Payroll(payroll_no=f"{payroll_no}-R{count + 1}", kind="reissue", programme=original.programme,
                      area_code=original.area_code, month=original.month, reissue_of=original.id, status="prepared",
                      line_count=len(lines), total_fen=sum(v["amount_fen"] for v in lines), skipped=skipped,
                      prepared_by=who.username, prepared_at=audit.now())
    try:
        _insert(session, payroll, lines)
    except ConflictError:
        raise ConflictError(t("these failed lines were re-issued at the same time by another request: nothing was "
                              "stored")) from None
    audit.append(session, actor=who.username, action="payroll.reissue", subject=payroll.payroll_no,
                 area_code=payroll.area_code, reason=reason[:200], detail={"lines": len(lines), "of": payroll_no})
    return summary(payroll)


def _current_accounts(session: Session, person_ids: set[int]) -> dict[int, PayeeAccount]:
    rows = session.scalars(select(PayeeAccount).where(PayeeAccount.person_id.in_(person_ids),
                                                      PayeeAccount.closed_on.is_(None))
                           .order_by(PayeeAccount.id)).all()
    return {a.person_id: a for a in rows}


def request_close(session: Session, who: Principal, payroll_no: str) -> PayrollSummary:
    """Ask to close the reconciliation: every line settled (paid or failed); another person confirms."""
    who.require(Permission.PREPARE_PAYROLL)
    payroll = _get(session, who, payroll_no)
    pending = session.scalar(select(func.count()).where(PayrollLine.payroll_id == payroll.id,
                                                        PayrollLine.status == "pending"))
    if pending:
        raise ConflictError(t("payroll {no} has {n} lines the bank has not returned yet", no=payroll_no, n=pending))
    done = session.execute(update(Payroll).where(Payroll.id == payroll.id, Payroll.status == "approved")
                           .values(status="closing", close_requested_by=who.username)
                           .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ConflictError(t("payroll {no} is {status}, not open for closing", no=payroll_no,
                              status=t(STATUS_TITLES[payroll.status])))
    session.refresh(payroll)
    audit.append(session, actor=who.username, action="payroll.close_request", subject=payroll_no,
                 area_code=payroll.area_code)
    return summary(payroll)


def close(session: Session, who: Principal, payroll_no: str) -> PayrollSummary:
    """Close the reconciliation: never by the one who asked (maker-checker), once (a conditional update)."""
    who.require(Permission.APPROVE_PAYROLL)
    payroll = _get(session, who, payroll_no)
    if payroll.close_requested_by == who.username:
        raise ForbiddenError(t("{user} asked to close payroll {no} and cannot close it: another person does "
                               "(maker-checker)", user=who.username, no=payroll_no))
    _second_person(session, payroll, who, Payroll.close_requested_by, "closing", NOT_WAITING_CLOSE,
                   status="closed", closed_by=who.username, closed_at=audit.now())
    audit.append(session, actor=who.username, action="payroll.close", subject=payroll_no,
                 area_code=payroll.area_code)
    return summary(payroll)


# --------------------------------------------------------------------------- reading


def summary(payroll: Payroll) -> PayrollSummary:
    return PayrollSummary(payroll_no=payroll.payroll_no, kind=payroll.kind, programme=payroll.programme,
                          area_code=payroll.area_code, month=payroll.month, status=payroll.status,
                          line_count=payroll.line_count, total_fen=payroll.total_fen,
                          total_yuan=_yuan(payroll.total_fen), prepared_by=payroll.prepared_by,
                          approved_by=payroll.approved_by, closed_by=payroll.closed_by,
                          skipped=[{**s, "reason_text": t(SKIP_REASONS[s["reason"]]) if s["reason"] in SKIP_REASONS
                                    else t("account not corrected")} for s in payroll.skipped])


def list_payrolls(session: Session, who: Principal, *, month: str | None = None,
                  programme: str | None = None) -> list[PayrollSummary]:
    who.require(Permission.READ_PAYMENTS)
    query = select(Payroll).where(who.area_clause(Payroll.area_code)).order_by(Payroll.month.desc(), Payroll.id)
    if month:
        query = query.where(Payroll.month == check_month(month))
    if programme:  # a filter as people write it (低保); a wrong one is refused, not an empty list
        query = query.where(Payroll.programme == parse_programme(programme).value)
    return [summary(p) for p in session.scalars(query)]


def show(session: Session, who: Principal, payroll_no: str, *, unmask: bool = False, reason: str | None = None,
         status: str | None = None, first: int = 0, most: int | None = None) -> PayrollView:
    """A payroll with its lines (``status``: only those; ``first``/``most``: one page of them, read by the database:
    a district's payroll has 50,000 lines), files and returns; identifiers masked unless unmasked (the permission
    and a reason, audited as every read of the lines is). ``matching``: how many lines the filter keeps."""
    who.require(Permission.READ_PAYMENTS)
    if unmask:
        who.require(Permission.UNMASK)
        if not (reason or "").strip():
            raise JiuzhuError(t("unmasking needs a reason (it is written to the audit log)"), field="reason")
    payroll = _get(session, who, payroll_no)
    query = select(PayrollLine).where(PayrollLine.payroll_id == payroll.id).order_by(PayrollLine.seq)
    if status:  # a filter as people write it (failed or 失败); a wrong one refused, not an empty list
        query = query.where(PayrollLine.status == line_status(status))
    lines = session.scalars(query.offset(max(first, 0)).limit(most) if most is not None else query).all()
    by_status = session.execute(select(PayrollLine.status, func.count(), func.sum(PayrollLine.amount_fen)).where(
        PayrollLine.payroll_id == payroll.id).group_by(PayrollLine.status)).all()
    counts = {s: int(n) for s, n, _ in by_status}
    amounts = {s: int(fen or 0) for s, _, fen in by_status}
    originals = _original_refs(session, [line.reissue_of for line in lines if line.reissue_of])
    files = session.scalars(select(PayrollFile).where(PayrollFile.payroll_id == payroll.id)
                            .order_by(PayrollFile.bank_code)).all()
    bank_of = {f.id: f.bank_code for f in files}
    returns = session.scalars(select(PayrollReturn).where(PayrollReturn.file_id.in_(list(bank_of)))
                              .order_by(PayrollReturn.id)).all() if bank_of else []
    audit.append(session, actor=who.username, action="payroll.read", subject=payroll_no,
                 area_code=payroll.area_code, unmasked=unmask, reason=reason)
    return PayrollView(**summary(payroll).model_dump(), counts=counts, amounts_fen=amounts,
                       matching=counts.get(line_status(status), 0) if status else sum(counts.values()),
                       lines=[_line_view(line, originals, unmask=unmask) for line in lines],
                       files=[_file_view(f) for f in files],
                       returns=[_return_view(r, bank_of[r.file_id]) for r in returns])


def _original_refs(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(PayrollLine.id, Payroll.payroll_no, PayrollLine.seq)
                           .join(Payroll, Payroll.id == PayrollLine.payroll_id).where(PayrollLine.id.in_(ids))).all()
    return {i: f"{no}#{seq}" for i, no, seq in rows}


def _line_view(line: PayrollLine, originals: dict[int, str], *, unmask: bool) -> LineView:
    return LineView(seq=line.seq, kind=line.kind, programme=line.programme, service_month=line.service_month,
                    household_no=line.household_no, area_code=line.area_code, payee_name=line.payee_name,
                    payee_id_number=line.payee_id_number if unmask else mask_id(line.payee_id_number),
                    account_no=line.account_no if unmask else mask_account(line.account_no),
                    bank_name=line.bank_name, amount_fen=line.amount_fen, amount_yuan=_yuan(line.amount_fen),
                    status=line.status, fail_code=line.fail_code, fail_text=line.fail_text, reason=line.reason,
                    reissue_of_seq=originals.get(line.reissue_of) if line.reissue_of else None)


def _file_view(f: PayrollFile) -> FileView:
    return FileView(bank_code=f.bank_code, file_name=f.file_name, sha256=f.sha256, line_count=f.line_count,
                    total_fen=f.total_fen, total_yuan=_yuan(f.total_fen), batch_no=f.batch_no,
                    written_by=f.written_by, written_at=f.written_at)


def _return_view(r: PayrollReturn, bank_code: str) -> ReturnView:
    return ReturnView(bank_code=bank_code, file_name=r.file_name, paid=r.paid, failed=r.failed,
                      unmatched=r.unmatched, imported_by=r.imported_by, imported_at=r.imported_at)

