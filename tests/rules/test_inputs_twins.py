"""The two twins of the rules' inputs (``documents`` in Python, ``population`` in DuckDB SQL) are equal on random
households rich in dated facts: account histories, vehicles, homes and businesses acquired and given up,
supporters of every relation with a history of statuses, deaths, births after the month, enrolments."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.months import month_end, month_start
from jiuzhu.registry import codes, service, validation
from jiuzhu.registry.snapshot import export_registry
from jiuzhu.rules.batch import frame_from_tables
from jiuzhu.rules.inputs import population
from jiuzhu.rules.inputs.documents import frame_for
from tests.factories import households, id_number, yuan

MONTHS = ["2024-08", "2025-06", "2025-08", "2026-01"]


def near(month: str):
    """Dates around ``month``, often on its first or last day or next to them, where a ``<`` and a ``<=`` part."""
    start, end = month_start(month), month_end(month)
    edges = [start - dt.timedelta(days=1), start, end - dt.timedelta(days=1), end, end + dt.timedelta(days=1)]
    return st.sampled_from(edges) | st.dates(min_value=start - dt.timedelta(days=120),
                                             max_value=min(end + dt.timedelta(days=60), dt.date(2026, 6, 30)))


SUPPORTER_IDS = [id_number(dt.date(1980, 3, 3), 7, True), id_number(dt.date(1990, 4, 4), 8, False),
                 id_number(dt.date(2010, 5, 5), 9, True)]
RELATIONS = [r.value for r in codes.Relation]


@st.composite
def statements(draw, month: str):
    accounts = draw(st.lists(st.tuples(st.sampled_from([k.value for k in codes.AssetKind]),
                                       st.sampled_from([None, "银行", "信用社"]),
                                       st.sampled_from([None, "6222001", "6222002"])), min_size=1, max_size=3))
    return [{"kind": kind, "institution": institution, "account": account, "amount": draw(yuan),
             "as_of": draw(near(month))}
            for kind, institution, account in draw(st.lists(st.sampled_from(accounts), max_size=5))]


@st.composite
def held_between(draw, month: str, since: str, until: str) -> dict:
    first = draw(st.none() | near(month))
    last = draw(st.none() | near(month).filter(lambda day: first is None or day >= first))
    return {since: first, until: last}


@st.composite
def supporter_rows(draw, month: str):
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        rows.append({"name": draw(st.sampled_from(["王一", "李二"])),
                     "id_number": draw(st.none() | st.sampled_from(SUPPORTER_IDS)),
                     "relation": draw(st.sampled_from(RELATIONS)),
                     "status": draw(st.sampled_from([s.value for s in codes.SupporterStatus])),
                     "as_of": draw(st.none() | near(month))})
    return rows


@st.composite
def rich_households(draw, month: str):
    data = draw(households())
    ids = [m["id_number"] for m in data["members"]]
    for m in data["members"]:
        birth = validation.birth_date_of(m["id_number"])
        m["death_date"] = draw(st.none() | near(month).filter(lambda day, birth=birth: day >= birth))
        m["financial_assets"] = draw(statements(month))
        m["vehicles"] = [{**v, "mobility_for_disabled": draw(st.booleans().filter(lambda b: not b) | st.booleans()),
                          **draw(held_between(month, "registered_on", "deregistered_on"))} for v in m["vehicles"]]
        m["real_estate"] = [{**r, "use": draw(st.sampled_from(["residential", "residential", "commercial"])),
                             **draw(held_between(month, "acquired_on", "disposed_on"))} for r in m["real_estate"]]
        m["businesses"] = [{**b, **draw(held_between(month, "registered_on", "deregistered_on"))}
                           for b in m["businesses"]]
        m["supporters"] = draw(supporter_rows(month))
        if m["self_care"] is not None:
            m["self_care"]["assessed_on"] = draw(st.none() | near(month))
        if m["disability"] is not None:
            m["disability"]["valid_from"] = draw(st.none() | st.dates(min_value=dt.date(2015, 1, 1),
                                                                      max_value=dt.date(2025, 9, 1)))
            if m["disability"]["valid_to"] and m["disability"]["valid_from"] and \
                    m["disability"]["valid_to"] < m["disability"]["valid_from"]:
                m["disability"]["valid_to"] = None
        if not m["counted"] and m["exclusion_reason"] is None:
            m["exclusion_reason"] = "prison"
    # 特困 and 低保 enrolments of members (they make a supporter unable), near the months evaluated.
    for _ in range(draw(st.integers(0, 2))):
        data["enrolments"].append({"programme": draw(st.sampled_from(["tekun", "dibao"])),
                                   "id_number": draw(st.none() | st.sampled_from(ids)),
                                   "monthly_amount": draw(yuan), "start_date": draw(near(month)), "end_date": None,
                                   "last_review": None, "taper_from": None})
    return data


def frames_equal(a, b) -> None:
    assert np.array_equal(a.household_index, b.household_index)
    for part in ("persons", "households"):
        left, right = getattr(a, part), getattr(b, part)
        assert set(left) <= set(right), (part, set(left) - set(right))
        for name, values in left.items():
            assert np.array_equal(values.astype(right[name].dtype), right[name]), (part, name, values, right[name])


def store_and_compare(root, raw: list[dict], month: str, system=None) -> int:
    """Store the households, snapshot the registry, prepare both twins and hold them equal; the people compared."""
    engine = make_engine(f"sqlite:///{root / 'r.db'}")
    migrate.upgrade(engine)
    docs, seen = [], set()
    for i, data in enumerate(raw):
        data = copy.deepcopy(data)
        data["household_no"] = f"H-{i}"
        data["members"] = [m for m in data["members"] if m["id_number"] not in seen]
        if not data["members"] or data["members"][0]["relation"] != "head":
            continue
        ids = {m["id_number"] for m in data["members"]}
        for key in ("rigid_spending", "enrolments"):
            data[key] = [x for x in data.get(key, []) if x.get("id_number") is None or x["id_number"] in ids]
        seen |= ids
        docs.append(service.parse_household(data, record=str(i)))
    with session_scope(engine) as session:
        for doc in docs:
            service.put_household(session, doc, actor="t", reason="t")
    export_registry(engine, root / "snap")
    with population.Population(root / "snap", month, system=system) as pop:
        pop.prepare()
        persons, hh = pop.fetch()
    with session_scope(engine) as session:
        stored = service.households_docs(session, [service.get_household(session, d.household_no) for d in docs])
    engine.dispose()
    reference = frame_for(stored, month, system)
    if not len(reference.household_index):
        assert persons.num_rows == 0
        return 0
    frames_equal(reference, frame_from_tables(persons, hh, month))
    for column in ("financial_assets", "business_capital", "income_wages"):
        assert persons.schema.field(column).type.bit_width == 64, column
    return len(reference.household_index)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_the_twins_are_equal_on_households_rich_in_dated_facts(tmp_path_factory, data):
    month = data.draw(st.sampled_from(MONTHS), label="month")
    raw = data.draw(st.lists(rich_households(month), min_size=1, max_size=4), label="households")
    store_and_compare(tmp_path_factory.mktemp("twins"), raw, month)
