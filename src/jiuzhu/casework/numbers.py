"""Readable, unique numbers: ``A-20261130-500111119-0001`` (an application), ``C-…`` (its case), ``R-…`` (a review
case): the kind, the day it was filed (Beijing time), the township, and the day's sequence in that township. The
column is UNIQUE: of two numbers taken at once one is refused, and the next is taken (a savepoint each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

ATTEMPTS = 20


def prefix(kind: str, day: dt.date, area_code: str) -> str:
    return f"{kind}-{day:%Y%m%d}-{area_code[:9]}-"


def next_number(session: Session, column, start: str) -> str:
    """The next number after the highest of ``start``… in ``column``."""
    last = session.scalar(select(func.max(column)).where(column.startswith(start)))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{start}{seq:04d}"


def insert_numbered(session: Session, column, start: str, make: Callable[[str], object]):
    """``make(number)`` added with the next free number; retried when another took that number meanwhile."""
    for _ in range(ATTEMPTS):
        number = next_number(session, column, start)
        try:
            with session.begin_nested():
                row = make(number)
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            continue
    raise RuntimeError(f"no free number after {start} in {ATTEMPTS} attempts")
