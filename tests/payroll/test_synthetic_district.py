"""The payroll of the synthetic district equals the sum of the rules' amounts for its enrolled households, to the fen
(issue 14, "done when").

The rules' amounts are computed here independently of the payroll: the snapshot's registry (its Parquet files, not
the database the payroll reads) evaluated by ``jiuzhu.rules`` for the month, as the generator and the scan do. The
payroll pays what the enrolments say (the decisions); the generator enrolls its natural households with the
rules' amounts and builds its planted households (truth kinds ``enrolled_not_entitled``, ``boundary_*``,
``deceased_still_paid``…) with the enrolments of their story, some of them not the rules' amounts on purpose. So:
natural households are paid exactly the rules' amounts, line by line and in total; a planted household's line may
differ, and every line that differs is a planted household's (docs/payroll.md, "The synthetic district").
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from sqlalchemy import select

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.payroll import accounts, service
from jiuzhu.payroll.models import PayrollLine
from jiuzhu.registry.bulk import load_snapshot
from jiuzhu.rules.batch import calculate, frame_from_tables
from jiuzhu.rules.inputs.population import Population
from jiuzhu.synth import generate
from tests.payroll.conftest import CHECKER, MAKER

MONTH = "2025-08"
PLANTED = ("entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below",
           "deceased_still_paid")
# programme → (the rules' variable of its amount, per household or per person)
AMOUNTS = {"dibao": ("dibao_amount", "household"), "tekun": ("tekun_amount", "person"),
           "disability_care": ("disability_care_amount", "person"),
           "disability_living": ("disability_living_amount", "person"),
           "orphan": ("child_allowance_amount", "person"), "unsupported_child": ("child_allowance_amount", "person")}


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    root = tmp_path_factory.mktemp("payroll-district")
    generate(district="500111", households=2_000, seed=14, out_dir=root / "synth", month=MONTH, months=12)
    engine = make_engine(f"sqlite:///{root / 'registry.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, root / "synth")
    with session_scope(engine) as session:
        assert accounts.synthesize(session, MAKER, "500111") > 0
    payrolls = {}
    for programme in service.PAID_PROGRAMMES:
        with session_scope(engine) as session:
            payrolls[programme] = service.prepare(session, MAKER, programme=programme, area="500111", month=MONTH)
        with session_scope(engine) as session:
            service.approve(session, CHECKER, payrolls[programme].payroll_no)
    yield engine, root / "synth", payrolls
    engine.dispose()


def rules_amounts(snapshot) -> dict[tuple[str, str], int]:
    """(programme, beneficiary) → the rules' monthly amount in fen, for every household and person."""
    with Population(snapshot, MONTH) as population:
        population.prepare()
        persons, households = population.fetch()
    variables = sorted({v for v, _ in AMOUNTS.values()} | {"dibao_person_amount"})
    values = calculate(frame_from_tables(persons, households, MONTH), variables)
    household_ids = households.column("household_id").to_numpy()
    person_ids = persons.column("person_id").to_numpy()
    out: dict[tuple[str, str], int] = {}
    for programme, (variable, level) in AMOUNTS.items():
        ids, prefix = (household_ids, "h") if level == "household" else (person_ids, "p")
        for i, amount in zip(ids, np.asarray(values[variable]), strict=True):
            out[(programme, f"{prefix}{i}")] = int(amount)
    for i, amount in zip(person_ids, np.asarray(values["dibao_person_amount"]), strict=True):
        out[("dibao", f"p{i}")] = int(amount)  # 单人保: a member enrolled alone
    return out


def test_the_payroll_is_the_rules_amounts_of_the_enrolled_households_to_the_fen(district):
    engine, snapshot, payrolls = district
    planted = {no for (no,) in duckdb.sql(
        f"SELECT household_no FROM read_parquet('{snapshot / 'truth' / 'planted.parquet'}') "
        f"WHERE kind IN {PLANTED}").fetchall()}
    expected = rules_amounts(snapshot)
    with session_scope(engine) as session:
        lines = session.execute(select(PayrollLine.programme, PayrollLine.beneficiary, PayrollLine.household_no,
                                       PayrollLine.amount_fen, PayrollLine.kind)).all()
    assert lines and {line.kind for line in lines} == {"regular"}  # the first payroll: no arrears before it
    natural = [line for line in lines if line.household_no not in planted]
    differ = [line for line in lines if expected.get((line.programme, line.beneficiary)) != line.amount_fen]
    assert [line for line in differ if line.household_no not in planted] == []
    by_programme: dict[str, list[int]] = {}
    for line in natural:
        paid, rules = by_programme.setdefault(line.programme, [0, 0]), expected[(line.programme, line.beneficiary)]
        paid[0] += line.amount_fen
        paid[1] += rules
    assert by_programme and all(paid == rules for paid, rules in by_programme.values())
    assert {"dibao", "tekun", "disability_care"} <= by_programme.keys()
    # Every enrolment with an amount is paid: nothing skipped (every payee has its synthetic account).
    assert all(p.skipped == [] for p in payrolls.values())
    assert sum(p.total_fen for p in payrolls.values()) == sum(line.amount_fen for line in lines)


def test_the_enrolments_the_payroll_read_are_the_snapshots(district):
    engine, snapshot, payrolls = district
    path = snapshot / "registry" / "enrolments.parquet"
    enrolled = duckdb.sql(
        f"SELECT programme, count(*), sum(monthly_amount_fen) FROM read_parquet('{path}') "
        f"WHERE monthly_amount_fen > 0 AND start_date <= DATE '2025-08-31' "
        f"AND (end_date IS NULL OR end_date >= DATE '2025-08-01') GROUP BY 1").fetchall()
    assert {p: (n, int(s)) for p, n, s in enrolled} == {
        p: (s.line_count, s.total_fen) for p, s in payrolls.items() if s.line_count}
