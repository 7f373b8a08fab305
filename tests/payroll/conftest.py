"""Households of 大足区 with enrolments, their payees' accounts, and the people who prepare and approve."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy import select, update

from jiuzhu.access import Principal, Role
from jiuzhu.db import session_scope
from jiuzhu.payroll.models import PayeeAccount
from jiuzhu.registry import models as m
from jiuzhu.registry import service as registry
from tests.api.conftest import household

TOWNSHIP = "500111119"
OTHER_TOWNSHIP = "500111001"


def person(role: Role, name: str, area: str = "500111") -> Principal:
    return Principal(username=name, role=role, area_code=area, area_prefixes=(area,))


MAKER = person(Role.TOWNSHIP_APPROVER, "maker")
CHECKER = person(Role.TOWNSHIP_APPROVER, "checker")
CASEWORKER = person(Role.TOWNSHIP_CASEWORKER, "caseworker")


def put(engine, *docs: dict) -> None:
    with session_scope(engine) as session:
        for doc in docs:
            registry.put_household(session, registry.parse_household(copy.deepcopy(doc), record="test"),
                                   actor="test", reason="test")


def dibao_household(no: str, seed: int, amount: str = "612.40", start: str = "2025-06-01",
                    area: str = TOWNSHIP, end: str | None = None) -> dict:
    """The example household under ``no``: 低保 for the household (paid to the head), and the head's care subsidy."""
    doc = household(no, area, seed)
    head = doc["members"][0]["id_number"]
    doc["enrolments"] = [
        {"programme": "dibao", "monthly_amount": amount, "start_date": start, "end_date": end},
        {"programme": "disability_care", "id_number": head, "monthly_amount": "100.00", "start_date": start},
    ]
    return doc


def add_account(engine, id_number: str, account_no: str, bank: str = "cqrcb", opened: str = "2024-01-01",
                branch: str | None = None, interbank: str | None = None) -> int:
    from jiuzhu.payroll.banks import load

    with session_scope(engine) as session:
        p = session.scalars(select(m.Person).where(m.Person.id_number == id_number)).one()
        account = PayeeAccount(person_id=p.id, kind="card", bank_code=bank, bank_name=load().name_of(bank),
                               account_no=account_no, holder_name=p.name, branch_name=branch, interbank_no=interbank,
                               opened_on=dt.date.fromisoformat(opened), source="test",
                               created_at=dt.datetime.now(dt.timezone.utc), created_by="test")
        session.add(account)
        session.flush()
        return account.id


def close_accounts(engine, id_number: str, on: str = "2025-07-15") -> None:
    with session_scope(engine) as session:
        pid = session.scalar(select(m.Person.id).where(m.Person.id_number == id_number))
        session.execute(update(PayeeAccount).where(PayeeAccount.person_id == pid, PayeeAccount.closed_on.is_(None))
                        .values(closed_on=dt.date.fromisoformat(on)))


@pytest.fixture
def district(engine):
    """Two households of 铁山 (低保 612.40 and 830.00 from June 2025, and the heads' care subsidy) and one of 龙滩子,
    every head with a 重庆农商行 card, but the third's, who banks with 邮储 (paid through 农商行, 跨行)."""
    docs = [dibao_household("500111119-000101", 1), dibao_household("500111119-000102", 2, amount="830.00"),
            dibao_household("500111001-000103", 3, area=OTHER_TOWNSHIP)]
    put(engine, *docs)
    heads = [d["members"][0]["id_number"] for d in docs]
    add_account(engine, heads[0], "6231000000000000101")
    add_account(engine, heads[1], "6231000000000000102")
    add_account(engine, heads[2], "6221000000000000103", bank="psbc", branch="邮储银行大足支行",
                interbank="403653000001")
    return engine, docs, heads
