"""An unknown fact is treated the same way by every variable that reads it.

Each input that can be unknown (its ``*_known`` twin, the self-care assessment, a parent's situation) has its
readers declared here, each either "unknown" (the three-state answer is unknown unless the outcome does not
depend on the fact) or documented as "recorded facts only" (an amount paid on what is recognised: docs/rules.md,
"Unknown facts"). The declaration is checked against the formulas (OpenFisca's tracer lists who reads what),
and each "unknown" reader is shown to answer unknown in a household where the fact decides it.
"""

from __future__ import annotations

import numpy as np
import pytest
from openfisca_core.simulation_builder import SimulationBuilder

from jiuzhu.rules.explain import needed_variables
from jiuzhu.rules.system import rules
from jiuzhu.rules.tri import PASS, UNKNOWN

MONTH = "2025-08"
UNKNOWN_READS, RECORDED_ONLY = "unknown", "recorded facts only"
READERS = {
    "income_known": dict.fromkeys(("dibao_income_test", "margin_income_test", "rigid_income_test",
                                   "rigid_spending_test", "single_person_dibao", "tekun_own_income_test",
                                   "temporary_expenditure_test"), UNKNOWN_READS),
    "rigid_spending_known": dict.fromkeys(("dibao_income_test", "margin_income_test", "rigid_spending_test",
                                           "temporary_expenditure_test"), UNKNOWN_READS),
    "assets_known": dict.fromkeys(("dibao_assets_test", "tekun_own_assets_test"), UNKNOWN_READS),
    "vehicles_known": {"dibao_vehicle_test": UNKNOWN_READS},
    "property_known": {"dibao_housing_test": UNKNOWN_READS},
    "business_known": {"dibao_business_test": UNKNOWN_READS},
    "supporters_known": {"tekun_no_able_supporter": UNKNOWN_READS},
    "hukou_known": {"disability_living_hukou": UNKNOWN_READS},
    "self_care_assessed": {"tekun_self_care_known": UNKNOWN_READS},
    "major_illness_known": {"single_person_dibao": UNKNOWN_READS, "dibao_addon_decided": RECORDED_ONLY},
    "father_status": dict.fromkeys(("orphan_parents_test", "unsupported_parents_test"), UNKNOWN_READS),
    "mother_status": dict.fromkeys(("orphan_parents_test", "unsupported_parents_test"), UNKNOWN_READS),
}

# A household where the fact decides each "unknown" reader, with the fact unknown: (persons, household).
SITUATIONS = {
    # A grade-1 disabled member whose income is not known, beside 2000 yuan of wages: 低保, margin or 单人保.
    "income_known": ({"a": {"birth_date": "1980-03-01", "disability_category": "physical", "disability_grade": 1,
                            "income_known": False},
                      "b": {"birth_date": "1982-03-01", "income_wages": 200_000}},
                     {"rigid_spending_12_months": 100_000, "rigid_spending_this_month": 100_000}),
    "rigid_spending_known": ({"a": {"birth_date": "1980-03-01", "income_wages": 120_000}},
                             {"rigid_spending_known": False}),
    "assets_known": ({"a": {"birth_date": "1980-03-01", "assets_known": False}}, {}),
    "vehicles_known": ({"a": {"birth_date": "1980-03-01", "vehicles_known": False}}, {}),
    "property_known": ({"a": {"birth_date": "1980-03-01", "property_known": False}}, {}),
    "business_known": ({"a": {"birth_date": "1980-03-01", "business_known": False}}, {}),
    "supporters_known": ({"a": {"birth_date": "1950-03-01", "supporters_known": False}}, {}),
    "hukou_known": ({"a": {"birth_date": "1980-03-01", "disability_category": "hearing", "disability_grade": 3,
                           "hukou_known": False}}, {}),
    "self_care_assessed": ({"a": {"birth_date": "1950-03-01", "has_able_supporter": False,
                                  "self_care_assessed": False}}, {}),
    # A margin household (2000 yuan of wages for two): its member's illness would enrol him alone.
    "major_illness_known": ({"a": {"birth_date": "1980-03-01", "major_illness_known": False},
                             "b": {"birth_date": "1982-03-01", "income_wages": 200_000}}, {}),
    "father_status": ({"k": {"birth_date": "2015-03-01", "father_status": "unknown", "mother_status": "deceased"}},
                      {}),
    "mother_status": ({"k": {"birth_date": "2015-03-01", "father_status": "imprisoned", "mother_status": "unknown"}},
                      {}),
}


def _simulation(persons: dict, household: dict, trace: bool = False):
    builder = SimulationBuilder()
    builder.set_default_period(MONTH)
    case = {"persons": persons, "households": {"h": {"members": list(persons), "is_urban": True, **household}}}
    simulation = builder.build_from_entities(rules(), case)
    simulation.trace = trace
    return simulation


def _readers_in_the_formulas() -> dict[str, set[str]]:
    """Who reads each input, traced over every situation and everything an explanation computes."""
    reads: dict[str, set[str]] = {}
    for persons, household in SITUATIONS.values():
        simulation = _simulation(persons, household, trace=True)
        for name in [*needed_variables(), "dibao_members_pending", "dibao_person_amount_decided"]:
            simulation.calculate(name, MONTH)
        for node in simulation.tracer.browse_trace():
            for child in node.children:
                reads.setdefault(child.name, set()).add(node.name)
    return {fact: reads.get(fact, set()) for fact in READERS}


def test_every_input_that_can_be_unknown_is_declared():
    free = {n for n, v in rules().variables.items() if n.endswith("_known") and not v.formulas}
    assert free <= set(READERS), sorted(free - set(READERS))


def test_the_declared_readers_are_the_formulas_readers():
    assert _readers_in_the_formulas() == {fact: set(readers) for fact, readers in READERS.items()}


@pytest.mark.parametrize("fact", list(SITUATIONS))
def test_every_reader_answers_unknown_where_the_fact_decides(fact):
    persons, household = SITUATIONS[fact]
    simulation = _simulation(persons, household)
    for reader, treatment in READERS[fact].items():
        if treatment != UNKNOWN_READS:
            continue
        values = np.asarray(simulation.calculate(reader, MONTH))
        assert UNKNOWN in values, (reader, values)
    known = {**next(iter(persons.values()))}
    if fact.endswith("_known") or fact == "self_care_assessed":  # the same household with the fact known
        if fact in known:
            known[fact] = True
        else:
            household = {**household, fact: True}
        first = next(iter(persons))
        again = _simulation({**persons, first: known}, household)
        for reader, treatment in READERS[fact].items():
            if treatment == UNKNOWN_READS:
                assert UNKNOWN not in np.asarray(again.calculate(reader, MONTH)), reader


def test_an_illness_not_on_record_adds_nothing_yet_and_the_amount_says_it_may_change():
    """Recorded facts only: the 分类施保 add-on is granted on a recognised illness. A 低保 adult whose illness is
    not recorded is paid the difference without the 60 yuan, and the household's explanation says so."""
    simulation = _simulation({"a": {"birth_date": "1980-03-01", "major_illness_known": False}}, {})
    assert int(simulation.calculate("dibao_state", MONTH)[0]) == PASS
    assert int(simulation.calculate("dibao_amount", MONTH)[0]) == 77_000
    assert int(simulation.calculate("dibao_members_pending", MONTH)[0]) == 1
    recorded = _simulation({"a": {"birth_date": "1980-03-01", "major_illness": True}}, {})
    assert int(recorded.calculate("dibao_amount", MONTH)[0]) == 83_000
    assert int(recorded.calculate("dibao_members_pending", MONTH)[0]) == 0
