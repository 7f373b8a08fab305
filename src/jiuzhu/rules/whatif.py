"""What-if: the same households under changed parameters, and what the change costs.

``reformed([("dibao.line.urban", "2025-08-01", Decimal("800"))])`` is an OpenFisca reform of the
baseline; ``compare`` runs both systems over the same frames and counts, per programme, the
eligible households and the monthly cost before and after, and the households that change status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openfisca_core.reforms import Reform

from jiuzhu.errors import JiuzhuError
from jiuzhu.rules.batch import evaluate_frame
from jiuzhu.rules.programmes import SPECS
from jiuzhu.rules.simulation import Frame
from jiuzhu.rules.system import JiuzhuRules, rules
from jiuzhu.rules.tri import PASS

Change = tuple[str, str, Decimal]  # parameter name, start date, new value


def reformed(changes: list[Change], baseline: JiuzhuRules | None = None) -> JiuzhuRules:
    """The baseline with each parameter set to its new value from its start date on."""
    baseline = baseline or rules()
    for name, _, _ in changes:
        _parameter(baseline.parameters, name)  # refuse unknown names before building anything

    def modify(parameters):
        for name, start, value in changes:
            _parameter(parameters, name).update(start=start, value=float(value))
        return parameters

    class WhatIf(Reform):
        name = "; ".join(f"{n} = {v} from {s}" for n, s, v in changes)

        def apply(self):
            self.modify_parameters(modifier_function=modify)

    return WhatIf(baseline)


def _parameter(node, name: str):
    for part in name.split("."):
        children = getattr(node, "children", {})
        if part not in children:
            raise JiuzhuError(f"no parameter named {name} (see src/jiuzhu/rules/parameters/)")
        node = children[part]
    if hasattr(node, "children"):
        raise JiuzhuError(f"{name} is a group of parameters, not one value")
    return node


@dataclass
class ProgrammeDelta:
    programme: str
    eligible_before: int = 0
    eligible_after: int = 0
    cost_before_fen: int = 0
    cost_after_fen: int = 0
    newly_eligible: int = 0
    no_longer_eligible: int = 0


@dataclass
class WhatIfReport:
    reform: str
    month: str
    households: int = 0
    programmes: dict[str, ProgrammeDelta] = field(default_factory=dict)


def compare(frames: Iterable[Frame], month: str, reform: JiuzhuRules) -> WhatIfReport:
    report = WhatIfReport(reform=reform.name if hasattr(reform, "name") else "", month=month)
    report.programmes = {s.programme.value: ProgrammeDelta(s.programme.value) for s in SPECS}
    for frame in frames:
        if not len(frame.household_index):
            continue
        before, after = evaluate_frame(frame), evaluate_frame(frame, reform)
        report.households += frame.n_households
        for key, delta in report.programmes.items():
            b, a = before[f"{key}_state"] == PASS, after[f"{key}_state"] == PASS
            delta.eligible_before += int(b.sum())
            delta.eligible_after += int(a.sum())
            delta.cost_before_fen += int(before[f"{key}_amount"].sum())
            delta.cost_after_fen += int(after[f"{key}_amount"].sum())
            delta.newly_eligible += int((a & ~b).sum())
            delta.no_longer_eligible += int((b & ~a).sum())
    return report


def parse_change(text: str, default_start: str) -> Change:
    """``dibao.line.urban=800`` or ``dibao.line.urban=800@2025-10-01``."""
    if "=" not in text:
        raise JiuzhuError(f"'{text}': write NAME=VALUE, optionally NAME=VALUE@YYYY-MM-DD")
    name, _, rest = text.partition("=")
    value, _, start = rest.partition("@")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise JiuzhuError(f"'{text}': {value} is not a number") from None
    return name.strip(), (start or default_start).strip(), amount


__all__ = ["compare", "parse_change", "reformed", "WhatIfReport"]
