"""A household of four counted members (two adults, an adult child, a minor child) and one excluded member, in
铁山镇; another household in 高升镇; principals of both townships."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from jiuzhu.access import Principal, Role
from jiuzhu.consent import models as _consent_models  # noqa: F401  (registers the tables)
from jiuzhu.db import session_scope
from jiuzhu.registry import service as registry
from tests.factories import id_number

HH = "500111119-000001"
OTHER = "500111120-000009"
HEAD, SPOUSE, ADULT_CHILD, MINOR = ("512126195804120037", "512126196009180027", "500225200503010044",
                                    "500111201506200055")
EXCLUDED = id_number(dt.date(1985, 3, 1), 7, True)
ON = dt.date(2026, 6, 1)


def _household(example: dict) -> dict:
    data = copy.deepcopy(example)
    relations = {HEAD: "head", SPOUSE: "spouse", ADULT_CHILD: "child", MINOR: "child"}
    for m in data["members"]:
        m["relation"] = relations[m["id_number"]]
    data["members"].append({"id_number": EXCLUDED, "name": "王强", "relation": "child", "counted": False,
                            "exclusion_reason": "prison"})
    return data


def _other(example: dict) -> dict:
    return {"household_no": OTHER, "area_code": "500111120", "urban": False,
            "members": [{"id_number": id_number(dt.date(1970, 5, 5), 9, False), "name": "赵敏", "relation": "head"}]}


@pytest.fixture
def world(engine, example_data):
    with session_scope(engine) as session:
        for doc in (_household(example_data), _other(example_data)):
            registry.put_household(session, registry.parse_household(doc, record=doc["household_no"]), actor="t",
                                   reason="test")
    return engine


def principal(role: Role = Role.TOWNSHIP_CASEWORKER, area: str = "500111119") -> Principal:
    return Principal(username=f"{role.value}.{area}", role=role, area_code=area, area_prefixes=(area,))


@pytest.fixture
def caseworker() -> Principal:
    return principal()


@pytest.fixture
def sqlite_world(sqlite_engine, example_data):
    """``world`` on SQLite only (the property tests run many sequences; the guard is the same on both)."""
    with session_scope(sqlite_engine) as session:
        doc = _household(example_data)
        registry.put_household(session, registry.parse_household(doc, record=doc["household_no"]), actor="t",
                               reason="test")
    return sqlite_engine
