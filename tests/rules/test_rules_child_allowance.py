"""A child allowance beside 低保 or 特困 under each value of ``orphan.with_dibao_or_tekun`` (docs/rules.md): the
default 就高 when the other programme pays more, 补差 and both paid. The default's ordinary cases are YAML
(src/jiuzhu/rules/tests/orphan/with_dibao_or_tekun.yaml)."""

from decimal import Decimal

import numpy as np

from jiuzhu.rules.simulation import Frame, build_simulation
from jiuzhu.rules.tri import FAIL, PASS
from jiuzhu.rules.whatif import reformed

MONTH = "2025-08"
DECEASED = 1


def _orphan_with_grandmother(system=None, institution=False):
    """A grandmother (57), the orphan's able supporter, and an orphan of 10 in school, urban, no income."""
    frame = Frame(period=MONTH, household_index=np.zeros(2, dtype=np.int32),
                  persons={"birth_date": np.array(["1968-03-01", "2015-03-01"], dtype="datetime64[D]"),
                           "father_status": np.array([0, DECEASED]), "mother_status": np.array([0, DECEASED]),
                           "in_school": np.array([False, True]), "in_institution": np.array([False, institution]),
                           "has_able_supporter": np.array([True, True])},
                  households={"is_urban": np.array([True])})
    simulation = build_simulation(frame, system)
    return {name: np.asarray(simulation.calculate(name, MONTH)) for name in (
        "dibao_amount", "dibao_person_amount", "child_allowance_amount", "orphan_state", "tekun_state",
        "child_allowance_kept", "dibao_state")}


def _rule(value, *more):
    return reformed([("orphan.with_dibao_or_tekun", "2019-06-01", Decimal(value)), *more])


def test_the_higher_kept_is_the_default():
    values = _orphan_with_grandmother()
    assert values["dibao_amount"][0] == 77_000 and list(values["child_allowance_amount"]) == [0, 165_100]


def test_the_higher_kept_pays_dibao_when_dibao_pays_more():
    """With a line of 2,000 yuan the child's share and add-on (2,100) exceed the 1,651-yuan allowance."""
    values = _orphan_with_grandmother(_rule("1", ("dibao.line.urban", "2025-07-01", Decimal("2000"))))
    assert list(values["dibao_person_amount"]) == [200_000, 210_000] and values["dibao_amount"][0] == 410_000
    assert values["child_allowance_kept"][1] == FAIL and values["orphan_state"][1] == FAIL
    assert values["child_allowance_amount"][1] == 0


def test_the_higher_kept_makes_the_child_tekun_when_tekun_pays_more():
    """An orphan alone with no able supporter; with the dispersed standard lowered to 1,000 yuan, 特困's 1,201
    (basic living and a child's partial care) is higher."""
    frame = Frame(period=MONTH, household_index=np.zeros(1, dtype=np.int32),
                  persons={"birth_date": np.array(["2015-03-01"], dtype="datetime64[D]"),
                           "father_status": np.array([DECEASED]), "mother_status": np.array([DECEASED]),
                           "has_able_supporter": np.array([False])},
                  households={"is_urban": np.array([True])})
    system = _rule("1", ("orphan.dispersed", "2025-07-01", Decimal("1000")))
    simulation = build_simulation(frame, system)
    read = lambda name: int(simulation.calculate(name, MONTH)[0])  # noqa: E731
    assert read("tekun_not_child_allowance") == PASS and read("tekun_state") == PASS
    assert read("tekun_amount") == 120_100
    assert read("child_allowance_kept") == FAIL and read("orphan_state") == FAIL and read("child_allowance_amount") == 0


def test_top_up_pays_dibao_and_the_difference_up_to_the_child_standard():
    values = _orphan_with_grandmother(_rule("2"))
    assert list(values["dibao_person_amount"]) == [77_000, 87_000] and values["dibao_amount"][0] == 164_000
    assert values["child_allowance_amount"][1] == 165_100 - 87_000 and values["orphan_state"][1] == PASS


def test_top_up_makes_a_child_without_supporter_tekun_and_tops_up_the_difference():
    frame = Frame(period=MONTH, household_index=np.zeros(1, dtype=np.int32),
                  persons={"birth_date": np.array(["2015-03-01"], dtype="datetime64[D]"),
                           "father_status": np.array([DECEASED]), "mother_status": np.array([DECEASED]),
                           "has_able_supporter": np.array([False])},
                  households={"is_urban": np.array([True])})
    simulation = build_simulation(frame, _rule("2"))
    read = lambda name: int(simulation.calculate(name, MONTH)[0])  # noqa: E731
    assert read("tekun_state") == PASS and read("tekun_amount") == 120_100
    assert read("orphan_state") == PASS and read("child_allowance_amount") == 165_100 - 120_100


def test_both_paid_in_full():
    values = _orphan_with_grandmother(_rule("0"))
    assert values["dibao_amount"][0] == 164_000 and values["child_allowance_amount"][1] == 165_100


def test_the_institution_standard_is_the_one_compared():
    values = _orphan_with_grandmother(institution=True)
    assert values["child_allowance_amount"][1] == 185_100 and values["dibao_person_amount"][1] == 0
