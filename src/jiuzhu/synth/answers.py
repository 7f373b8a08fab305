"""The answers the generator knows by construction: the planted households' check, and the truth rows.

The simplified 低保 test of ``jiuzhu.synth.enrol`` is applied to what a chunk's households declared (the
planted households must meet or fail it as built) and, for households whose declared data differs, to
the departments' data (their ``declared_differs`` answer). The rows go to ``truth/planted.parquet``.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import economy, enrol, planted
from jiuzhu.synth.enrol import Law

EXPECTED = {"entitled_unenrolled": "eligible", "enrolled_not_entitled": "not_eligible",
            "boundary_on_line": "not_eligible", "boundary_fen_below": "eligible"}


def counted(ch) -> np.ndarray:
    """Counted members per household."""
    return economy.household_sums(ch.pp["counted"].astype(np.int64), ch.pp, ch.hh["n"])


def dibao_eligible(ch, inc: economy.Incomes, rules: Law, declared_only: bool) -> np.ndarray:
    """Per household: the simplified 低保 test on ``inc`` and the assets and vehicles (declared ones only,
    or all of them)."""
    pp, n = ch.pp, ch.hh["n"]
    live = pp["counted"]
    income = economy.household_sums(inc.counted_per_person() * live, pp, n)
    a = ch.assets
    keep = live[a["person"]] & (a["declared"] if declared_only else True)
    assets = np.zeros(n, dtype=np.int64)
    np.add.at(assets, pp["hh"][a["person"][keep]], a["amount_fen"][keep])
    v = ch.vehicles
    keep = live[v["person"]] & ~v["mobility"] & (v["declared"] if declared_only else True)
    vehicle = np.zeros(n, dtype=bool)
    vehicle[pp["hh"][v["person"][keep]]] = True
    return enrol.dibao_eligible(rules.line_fen(ch.hh["urban"]), counted(ch), ch.M, income, assets, vehicle,
                                rules.assets_months)


def check_planted(picks: dict, eligible: np.ndarray) -> None:
    """Raise if a planted household does not meet its construction (a bug of the generator)."""
    for kind, want in EXPECTED.items():
        if len(picks[kind]) and not (eligible[picks[kind]] == (want == "eligible")).all():
            raise AssertionError(f"planted {kind} households do not meet their construction")


def truth_rows(ch, rules: Law) -> list[tuple]:
    """(household index, kind, programme, expected, detail) for the planted and the differing households."""
    rows: list[tuple] = []
    for kind in planted.KINDS:
        for h in ch.picks[kind]:
            rows.append((h, kind, "dibao", EXPECTED[kind], ch.details[h]))
    # Households whose declared data differs: the answer on the true data, by the simplified test
    # (enrol_by_rules adds whether the household is enrolled in 低保).
    if ch.differs.any():
        ok = dibao_eligible(ch, ch.inc, rules, declared_only=False)
        items: dict[tuple[int, str], set] = {}
        for d in ch.differences:
            over = d["declared_fen"] is not None and d["actual_fen"] is not None and d["declared_fen"] > d["actual_fen"]
            items.setdefault((d["hh"], "over-declared" if over else "undeclared"), set()).add(
                f"{d['item']} ({d['source']})")
        for h in np.nonzero(ch.differs)[0]:
            said = "; ".join(f"{how}: {', '.join(sorted(items[h, how]))}" for how in ("undeclared", "over-declared")
                             if (h, how) in items)
            rows.append((h, "declared_differs", "dibao", "eligible" if ok[h] else "not_eligible",
                         f"{said}; answer on the departments' data by the simplified test"))
    return rows
