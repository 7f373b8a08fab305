"""Every condition of every programme appears in its explanation, and says when it is the one that failed.

Derived from the formulas, not from a list: OpenFisca's tracer gives every three-valued variable the
programme's state is computed from; each is then forced (``set_input`` overrides a formula) to the values it
does not have in a household where the programme passes. When that alone stops the programme, one of the
lines of its explanation must change with it: a condition the state reads but no line shows is a gap.
Then each listed line, failed alone, must show as failed.
"""

from __future__ import annotations

import numpy as np
import pytest

from jiuzhu.registry.codes import Programme
from jiuzhu.rules.explain import explain_household, needed_variables
from jiuzhu.rules.programmes import SPECS, Spec
from jiuzhu.rules.simulation import Frame, build_simulation
from jiuzhu.rules.system import rules
from jiuzhu.rules.tri import FAIL, PASS, UNKNOWN, TriState

MONTH = "2025-08"
ADULT, OLD, CHILD = "1980-03-01", "1950-03-01", "2015-03-01"

# A household in which the programme passes, for its first person: (persons, household inputs).
PASSING = {
    Programme.dibao: ([{"birth_date": ADULT}], {"is_urban": True}),
    Programme.margin: ([{"birth_date": ADULT, "income_wages": 100_000}], {"is_urban": True}),
    Programme.rigid_spending: ([{"birth_date": ADULT, "income_wages": 200_000}],
                               {"is_urban": True, "rigid_spending_12_months": 2_000_000}),
    Programme.temporary: ([{"birth_date": ADULT, "income_wages": 300_000}],
                          {"is_urban": True, "emergency_need": 100_000}),
    Programme.tekun: ([{"birth_date": OLD, "has_able_supporter": False}], {"is_urban": True}),
    Programme.disability_living: ([{"birth_date": ADULT, "disability_category": 2, "disability_grade": 3}],
                                  {"is_urban": True}),
    Programme.disability_care: ([{"birth_date": ADULT, "disability_category": 4, "disability_grade": 1,
                                  "income_wages": 300_000}], {"is_urban": True}),
    Programme.orphan: ([{"birth_date": CHILD, "father_status": 1, "mother_status": 1, "has_able_supporter": False}],
                       {"is_urban": True}),
    Programme.unsupported_child: ([{"birth_date": CHILD, "father_status": 1, "mother_status": 5,
                                    "has_able_supporter": False}], {"is_urban": True}),
}


def _frame(programme: Programme) -> Frame:
    persons, household = PASSING[programme]
    columns = {}
    for key in {k for p in persons for k in p}:
        values = [p.get(key, 0) for p in persons]
        columns[key] = np.array(values, dtype="datetime64[D]") if key == "birth_date" else np.array(values)
    return Frame(period=MONTH, household_index=np.zeros(len(persons), dtype=np.int32), persons=columns,
                 households={k: np.array([v]) for k, v in household.items()})


def _simulation(programme: Programme, overrides: dict[str, int] | None = None, trace: bool = False):
    frame = _frame(programme)
    simulation = build_simulation(frame)
    for name, value in (overrides or {}).items():
        count = simulation.persons.count if rules().get_variable(name).entity.key == "person" else 1
        simulation.set_input(name, MONTH, np.full(count, value, dtype=np.int32))
    simulation.trace = trace
    return simulation


def _spec(programme: Programme) -> Spec:
    return next(s for s in SPECS if s.programme == programme)


def _read(simulation, name: str) -> int:
    return int(simulation.calculate(name, MONTH)[0])


def _closure(programme: Programme) -> tuple[set[str], dict[str, set[str]]]:
    """The three-valued variables the state is computed from, and what each variable reads directly."""
    spec = _spec(programme)
    simulation = _simulation(programme, trace=True)
    simulation.calculate(spec.state, MONTH)
    reads: dict[str, set[str]] = {}
    for node in simulation.tracer.browse_trace():
        reads.setdefault(node.name, set()).update(child.name for child in node.children)
    return {n for n in reads if isinstance(rules().get_variable(n), TriState)} - {spec.state}, reads


def _composites(listed: set[str], reads: dict[str, set[str]]) -> set[str]:
    """Variables that only combine listed conditions (``dibao_property_test`` is its four tests): forcing one
    skips its parts, which the lines show."""
    out: set[str] = set()
    while True:
        more = {n for n, children in reads.items() if n not in out | listed and children
                and children <= listed | out}
        if not more:
            return out
        out |= more


@pytest.mark.parametrize("programme", list(PASSING), ids=lambda p: p.value)
def test_the_passing_household_passes(programme):
    assert _read(_simulation(programme), _spec(programme).state) == PASS


@pytest.mark.parametrize("programme", list(PASSING), ids=lambda p: p.value)
def test_every_condition_the_state_depends_on_has_a_line(programme):
    spec = _spec(programme)
    listed = [c.variable for c in spec.conditions]
    base = _simulation(programme)
    lines = {name: _read(base, name) for name in listed}
    closure, reads = _closure(programme)
    gaps = []
    for name in sorted(closure - set(listed) - _composites(set(listed), reads)):
        for forced in {FAIL, PASS, UNKNOWN} - {_read(base, name)}:
            simulation = _simulation(programme, {name: forced})
            if _read(simulation, spec.state) != PASS and {n: _read(simulation, n) for n in listed} == lines:
                gaps.append((name, forced))
    assert gaps == [], f"{programme.value}: the state reads these, but no line of its explanation shows them"


def _explained(programme: Programme, overrides: dict[str, int]) -> dict:
    simulation = _simulation(programme, overrides)
    values = {name: simulation.calculate(name, MONTH) for name in needed_variables()}
    who = [{"member": f"M{i}", "name": f"成员{i}"} for i in range(simulation.persons.count)]
    programmes = explain_household(values, np.zeros(simulation.persons.count, dtype=np.int32), 0, who, "zh")
    return next(p for p in programmes if p["programme"] == programme.value)


def _lines(result: dict) -> dict[str, str]:
    conditions = result["persons"][0]["conditions"] if result.get("persons") else result["conditions"]
    return {c["condition"]: c["result"] for c in conditions}


@pytest.mark.parametrize("programme", list(PASSING), ids=lambda p: p.value)
def test_each_condition_failed_alone_shows_as_the_failed_line(programme):
    spec = _spec(programme)
    assert _explained(programme, {})["status"] == "eligible"
    for condition in spec.conditions:
        forced = _simulation(programme, {condition.variable: FAIL})
        result = _explained(programme, {condition.variable: FAIL})
        if _read(forced, spec.state) == PASS:
            assert condition.variable in ALTERNATIVES, f"{condition.variable} failed alone and the programme passed"
            continue
        assert result["status"] == "not_eligible", condition.variable
        assert _lines(result).get(condition.variable) == "failed", (condition.variable, _lines(result))


# Routes of their own: the programme passes by another one (the taper and 单人保 are other ways into 低保;
# temporary aid is either type).
ALTERNATIVES = {"dibao_in_taper", "dibao_single_person_any", "temporary_expenditure_test"}
