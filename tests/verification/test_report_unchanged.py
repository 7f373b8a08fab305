"""The batch's speed-ups change no report: ``facts.verify`` no longer validates the declared household again (it is
a validated ``Household``; only the members merged from what departments sent are validated, with the format's
ranges), and every report is byte for byte the one the former path gave — ``Household.model_validate`` of the
verified household's dump, which is what ``verify`` returned before."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.exchange.sources import catalogue
from jiuzhu.registry import schemas as s
from jiuzhu.verification import facts
from jiuzhu.verification import report as report_module
from jiuzhu.verification.fanout import Outcome
from jiuzhu.verification.report import ReportMeta, build_report
from tests.verification.test_facts import (
    CHILD,
    HEAD,
    MONTH,
    all_answered,
    answer,
    declared,
    failed,
    outcome_plans,
    outcomes_of,
)
from tests.verification.test_report import META, district  # noqa: F401 (the module's fixture, shared)


def _former_verify(*args, **kw) -> facts.Verified:
    """``facts.verify`` as it was: the verified household validated again from its dump."""
    v = facts.verify(*args, **kw)
    with s.one_today():
        v.household = s.Household.model_validate(v.household.model_dump())
    return v


def _both(monkeypatch, meta, doc, outcomes, month, **kw) -> tuple[bytes, bytes]:
    now = build_report(meta, doc, outcomes, month, **kw)
    with monkeypatch.context() as m:
        m.setattr(report_module, "verify", _former_verify)
        before = build_report(meta, doc, outcomes, month, **kw)
    return (json.dumps(now, ensure_ascii=False).encode("utf-8"), json.dumps(before, ensure_ascii=False).encode("utf-8"))


SCENARIOS = {
    "every source answered": lambda: all_answered(),
    "a failed bank": lambda: all_answered(**{"bank.cqbank": failed("bank.cqbank")}),
    "a refused member": lambda: all_answered(**{"tax": Outcome("tax", answer=answer(
        "tax", refused={CHILD: "consent_scope", HEAD: "consent_scope"}))}),
    "every source failed": lambda: [failed(o.endpoint) for o in all_answered()],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("unmask", [False, True])
def test_the_report_is_byte_identical_to_the_former_path(monkeypatch, name, unmask):
    now, before = _both(monkeypatch, META, declared(), SCENARIOS[name](), MONTH, unmask=unmask)
    assert now == before
    assert b'"members"' in now  # a real report, not two empty ones


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(outcome_plans())
def test_law_any_mix_of_answers_gives_the_former_report(monkeypatch, plan):
    now, before = _both(monkeypatch, META, declared(), outcomes_of(plan), MONTH)
    assert now == before


def test_the_verified_household_equals_its_revalidation():
    """What ``verify`` returns is already what validating it again gives (nothing left unvalidated or unnormalised),
    and the declared household is left as it was."""
    doc = declared()
    dump = doc.model_dump()
    v = facts.verify(doc, all_answered(), MONTH)
    assert v.differences  # the scenario merges departments' facts into the household
    assert v.household == s.Household.model_validate(v.household.model_dump())
    assert v.household != doc and doc.model_dump() == dump


def test_a_synthetic_district_s_reports_are_byte_identical(monkeypatch, district):  # noqa: F811
    docs, held, _ = district
    as_of, month = dt.date(2025, 8, 31), "2025-09"
    for household_no in sorted(docs)[:60]:
        doc = docs[household_no]
        ids = [m.id_number for m in doc.members if m.counted and not (m.death_date and m.death_date <= as_of)]
        outcomes = [Outcome(e, answer=answer(e, held[e], ids=ids, as_of=as_of)) for e in catalogue()]
        meta = ReportMeta(household_no=household_no, area_code=doc.area_code, purpose_kind="review",
                          purpose_reference="复核", requested_by="t", as_of=as_of,
                          created_at=dt.datetime(2025, 9, 1, tzinfo=dt.timezone.utc))
        now, before = _both(monkeypatch, meta, doc, outcomes, month, unmask=True)
        assert now == before, household_no


def _containers(value) -> list:
    if isinstance(value, dict):
        return [value, *(c for v in value.values() for c in _containers(v))]
    if isinstance(value, list):
        return [value, *(c for v in value for c in _containers(v))]
    return []


PLAIN = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=4), st.dates(),
              st.decimals(allow_nan=False, allow_infinity=False, places=2), st.sampled_from(list(s.Relation))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=25)


@given(PLAIN)
def test_law_the_merge_snapshot_is_a_deep_copy(value):
    """``facts._copy`` (a merge's snapshot, put back when a department's item does not fit) equals the value and
    shares none of its dicts and lists, as ``copy.deepcopy`` would."""
    copied = facts._copy(value)
    assert copied == value
    assert not {id(c) for c in _containers(copied)} & {id(c) for c in _containers(value)}
