"""What-if: the same households under changed parameters, and what the change costs.

    run(["dibao.line.urban=800"], "2025-08", source=path)      households of a JSON/JSONL file
    run(["dibao.line.urban=800"], "2025-08", engine=engine)    the registry (through a Parquet snapshot in a
                                                               temporary folder, removed after), or an area

The registry's snapshot is personal data: it is staged like a scan's folder (``files.locked_folder``: a partial
folder beside a lock the process holds), so what a killed what-if leaves is removed by the next one
(``clean_abandoned``, at its start) and a what-if still running is left alone.

Both systems — the baseline and the reform — prepare their own inputs (``frame_for`` and ``population``
read the parameters of the system given, e.g. the income look-back window), so a reform's value is used
wherever a parameter is read, never only in the formulas; when the parameters the inputs read are equal in
both, the inputs are prepared once. ``compare`` counts, per programme, the eligible households and the monthly
cost before and after, and the households that change status.

A change starts on the first day of a month (``NAME=VALUE@YYYY-MM-01``; without a date: the month compared).
The rules decide whole months with the values in force on a month's first day, so a date inside a month would
take effect only from the next month: it is refused, naming both firsts of a month it could mean.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
from openfisca_core.reforms import Reform

from jiuzhu.errors import JiuzhuError
from jiuzhu.files import clean_abandoned, locked_folder
from jiuzhu.i18n import language, month_text, t
from jiuzhu.months import month_number, month_of, month_of_number
from jiuzhu.registry import schemas as s
from jiuzhu.rules import law
from jiuzhu.rules.batch import evaluate_frame, frame_from_tables
from jiuzhu.rules.inputs.documents import frame_for
from jiuzhu.rules.inputs.facts import InputParameters
from jiuzhu.rules.programmes import SPECS
from jiuzhu.rules.simulation import Frame
from jiuzhu.rules.system import JiuzhuRules, rules
from jiuzhu.rules.tri import PASS

Change = tuple[str, str, Decimal]  # parameter name, start date (YYYY-MM-DD, a month's first day), new value

WHOLE_UNITS = {"month", "year", "grade", "activity", "property"}  # counts: whole numbers
WHOLE_NAMES = {"orphan.with_dibao_or_tekun"}  # a code: 0 both paid, 1 the higher kept, 2 topped up
# Money: at most 10,000,000 yuan. The rules compute a person's amounts in 32-bit fen (2³¹ fen is 21,474,836.47
# yuan) and add two of them (an add-on to another, a care allowance to the basic living standard); the inputs
# multiply a line by months in 64 bits (facts.sql_fen). A line of ten million yuan a month is already no policy.
MONEY_HIGHEST = Decimal("10000000")
MAX_YUAN = Decimal("999999999999.99")  # the household format's largest amount (registry.schemas.YUAN_PATTERN)
MAX_FLOOR_AREA = Decimal("99999999.99")  # and floor area (registry.schemas.AREA_PATTERN)
# Every value a what-if accepts has a declared range (lowest, highest), by unit, or by name where the
# parameter's meaning is narrower. A value outside it is refused, naming the parameter and the range.
RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "currency-CNY": (Decimal(0), MONEY_HIGHEST),
    "/1": (Decimal(0), Decimal(1000)),  # a multiple of a line (24 months of it, 1.5 times it) or a share
    "m2": (Decimal(0), MAX_FLOOR_AREA),  # the household format's largest floor area
    "month": (Decimal(0), Decimal(120)),  # ten years of look-back, taper or recognition
    "year": (Decimal(0), Decimal(130)),  # an age: the rules know ages up to 130 (demographics.MAX_AGE)
    "grade": (Decimal(1), Decimal(4)),  # a disability certificate's grade
    "activity": (Decimal(0), Decimal(6)),  # of the six activities of daily living
    "property": (Decimal(0), Decimal(100)),  # residential properties
}
RANGE_OF: dict[str, tuple[Decimal, Decimal]] = {
    "dibao.income.lookback_months": (Decimal(1), Decimal(120)),  # at least one month to average
    "dibao.income.rigid_deduction_share": (Decimal(0), Decimal(1)),  # a share of the spending: at most all of it
    # Compared with a household's registered capital, in 64 bits: any amount the household format holds.
    "dibao.property.business_capital_limit": (Decimal(0), MAX_YUAN),
    "orphan.with_dibao_or_tekun": (Decimal(0), Decimal(2)),
}
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAPSHOT = "jiuzhu-whatif"  # the staged snapshot: <scratch>/jiuzhu-whatif.partial-<random>, beside its lock


def parse_change(text: str, default_start: str) -> Change:
    """``dibao.line.urban=800`` or ``dibao.line.urban=800@2025-10-01``: checked against the parameter (it
    exists, is one value, and the value fits its unit) and the date (a month's first day)."""
    if "=" not in text:
        raise JiuzhuError(t("'{text}': write NAME=VALUE, optionally NAME=VALUE@YYYY-MM-01", text=text))
    name, _, rest = text.partition("=")
    value, _, start = rest.partition("@")
    name, value, start = name.strip(), value.strip(), (start or default_start).strip()
    try:
        amount = Decimal(value)
        if not amount.is_finite():  # NaN, Infinity
            raise InvalidOperation
    except (ArithmeticError, ValueError):
        raise JiuzhuError(t("'{text}': {value} is not a number", text=text, value=value)) from None
    node = _parameter(rules().parameters, name)
    _check_value(name, node, amount, text)
    return name, _check_start(start, text), _plain(amount)


def value_range(name: str, node=None) -> tuple[Decimal, Decimal]:
    """The lowest and highest value a what-if accepts for the parameter ``name``."""
    node = node if node is not None else _parameter(rules().parameters, name)
    unit = (node.metadata or {}).get("unit", "")
    return RANGE_OF.get(name) or RANGES["currency-CNY" if unit.startswith("currency") else unit]


def _check_value(name: str, node, amount: Decimal, text: str) -> None:
    """The value within its range (checked first: ``1e99`` is a number no arithmetic should meet), then whole
    or with at most two decimals as its unit says."""
    unit = (node.metadata or {}).get("unit", "")
    lowest, highest = value_range(name, node)
    if not lowest <= amount <= highest:
        raise JiuzhuError(t("'{text}': {name} is from {lowest} to {highest}", text=text,
                            name=parameter_title(name, node), lowest=f"{lowest:,}", highest=f"{highest:,}"))
    if (unit in WHOLE_UNITS or name in WHOLE_NAMES) and amount != amount.to_integral_value():
        raise JiuzhuError(t("'{text}': {name} is a whole number", text=text, name=name))
    if unit.startswith("currency") and amount != amount.quantize(Decimal("0.01")):
        raise JiuzhuError(t("'{text}': an amount of money has at most two decimals", text=text))


def _plain(amount: Decimal | int) -> Decimal:
    """The value as people write it: ``1e2`` is 100 (never shown ``1E+2``), ``-0`` is 0, ``800.50`` stays."""
    return Decimal(format(Decimal(str(amount)) + 0, "f"))


def parameter_title(name: str, node=None) -> str:
    """The parameter as people read it: in Chinese, its name and what it is, in the words of its YAML
    ``description`` up to the first English gloss or note (``dibao.line.urban（城市最低生活保障标准）``); in
    English (or without a Chinese description), its name."""
    if language() == "en":
        return name
    node = node if node is not None else _parameter(rules().parameters, name)
    text = (getattr(node, "description", None) or "").strip()
    text = re.split(r"\s\(|[,;]\s*(?=[A-Za-z])", text, maxsplit=1)[0].strip().replace(", ", "，")
    return f"{name}（{text}）" if CJK.search(text) else name


def describe(changes: Sequence[Change]) -> str:
    """The changes in words, in the current language: ``dibao.line.urban（城市最低生活保障标准）自2025年8月1日起
    调整为 800``."""
    return t("; ").join(t("{name} = {value} from {start}", name=parameter_title(n), value=_plain(v),
                          start=_day_text(start)) for n, start, v in changes)


def _day_text(day: str) -> str:
    """``2025-08-01`` as people write it: ``2025年8月1日`` in Chinese; unchanged in English."""
    return f"{month_text(day[:7])}{int(day[8:])}日" if language() == "zh" else day


def _check_start(start: str, text: str) -> str:
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise JiuzhuError(t("'{text}': {start} is not a date: write YYYY-MM-01", text=text, start=start)) from None
    if day.day != 1:
        month = month_of(day)
        raise JiuzhuError(t(
            "'{text}': the rules decide whole months with the values in force on the first day, so a change "
            "starts on a month's first day: write {this}-01 (from {this}) or {next}-01 (from {next})",
            text=text, this=month, next=month_of_number(month_number(month) + 1)))
    return day.isoformat()


def reformed(changes: list[Change], baseline: JiuzhuRules | None = None) -> JiuzhuRules:
    """The baseline with each parameter set to its new value from its start date on (an unknown name is refused
    as the reform is built, naming it)."""
    baseline = baseline or rules()

    def modify(parameters):
        for name, start, value in changes:
            _parameter(parameters, name).update(start=start, value=float(value))
        return parameters

    class WhatIf(Reform):
        name = describe(changes)

        def apply(self):
            self.modify_parameters(modifier_function=modify)

    return WhatIf(baseline)


def _parameter(node, name: str):
    for part in name.split("."):
        children = getattr(node, "children", {})
        if part not in children:
            raise JiuzhuError(t("no parameter named {name} (see src/jiuzhu/rules/parameters/)", name=name))
        node = children[part]
    if hasattr(node, "children"):
        raise JiuzhuError(t("{name} is a group of parameters, not one value: name one of {members}",
                            name=name, members=", ".join(f"{name}.{k}" for k in node.children)))
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
    # The same per township (乡镇/街道, the first 9 digits of a household's area code): {township: {programme: delta}}
    townships: dict[str, dict[str, ProgrammeDelta]] = field(default_factory=dict)
    # Each change with the first month it changes (its start's month); ``in_force``: on or before ``month``.
    changes: list[dict] = field(default_factory=list)
    cleaned: list[Path] = field(default_factory=list)  # snapshots that killed what-ifs left, removed before this one


def _report(month: str, reform: JiuzhuRules, changes: Sequence[Change] = ()) -> WhatIfReport:
    report = WhatIfReport(reform=describe(changes) if changes else getattr(reform, "name", ""), month=month)
    report.programmes = {s.programme.value: ProgrammeDelta(s.programme.value) for s in SPECS}
    report.changes = [{"name": n, "start": start, "value": str(_plain(v)), "first_month": start[:7],
                       "in_force": start[:7] <= month} for n, start, v in changes]
    return report


def tally(report: WhatIfReport, before: dict[str, np.ndarray], after: dict[str, np.ndarray],
          townships: np.ndarray | None = None) -> None:
    """Add one chunk's per-household states and amounts (``evaluate_frame``), the same households in both;
    ``townships`` (one 9-digit code per household, in the same order), when given, adds each township's share
    to ``report.townships`` too."""
    report.households += len(next(iter(before.values()))) if before else 0
    _add(report.programmes, before, after, slice(None))
    if townships is None:
        return
    for code in np.unique(townships):
        rows = townships == code
        into = report.townships.setdefault(str(code), {s.programme.value: ProgrammeDelta(s.programme.value)
                                                       for s in SPECS})
        _add(into, before, after, rows)


def _add(deltas: dict[str, ProgrammeDelta], before: dict[str, np.ndarray], after: dict[str, np.ndarray],
         rows) -> None:
    for key, delta in deltas.items():
        b, a = before[f"{key}_state"][rows] == PASS, after[f"{key}_state"][rows] == PASS
        delta.eligible_before += int(b.sum())
        delta.eligible_after += int(a.sum())
        delta.cost_before_fen += int(before[f"{key}_amount"][rows].sum())
        delta.cost_after_fen += int(after[f"{key}_amount"][rows].sum())
        delta.newly_eligible += int((a & ~b).sum())
        delta.no_longer_eligible += int((b & ~a).sum())


def compare(pairs: Iterable[tuple], month: str, reform: JiuzhuRules,
            baseline: JiuzhuRules | None = None, changes: Sequence[Change] = ()) -> WhatIfReport:
    """Per programme (and per township, when the pairs carry the households' townships), before and after, over
    pairs of frames of the same households: each prepared with its own system's parameters (the first with the
    baseline's, the second with the reform's: ``document_frames``, ``population_frames``, which yield
    ``(before, after, townships)``). ``changes`` (as ``parse_change`` gives them) are reported with the first
    month each changes."""
    report = _report(month, reform, changes)
    for before, after, *rest in pairs:
        if len(before.household_index):
            tally(report, evaluate_frame(before, baseline), evaluate_frame(after, reform), rest[0] if rest else None)
    return report


def document_frames(batches: Iterable[Sequence[s.Household]], month: str, reform: JiuzhuRules,
                    baseline: JiuzhuRules | None = None) -> Iterator[tuple[Frame, Frame]]:
    """(baseline frame, reform frame, townships) per batch of household documents."""
    same = InputParameters.of(month, baseline) == InputParameters.of(month, reform)
    for batch in batches:
        before = frame_for(batch, month, baseline)
        townships = np.array([h.area_code[:9] for h in batch])
        yield before, (before if same else frame_for(batch, month, reform)), townships


def population_frames(snapshot: Path, month: str, reform: JiuzhuRules, *, area: str | None = None,
                      baseline: JiuzhuRules | None = None) -> Iterator[tuple[Frame, Frame]]:
    """(baseline frame, reform frame, townships) per chunk of a registry snapshot's households (of ``area``, if
    given)."""
    from jiuzhu.rules.inputs.population import Scope, chunks

    scope = Scope(area=area)
    before_chunks = chunks(snapshot, month, scope, system=baseline)
    if InputParameters.of(month, baseline) == InputParameters.of(month, reform):
        for persons, households in before_chunks:
            frame = frame_from_tables(persons, households, month)
            yield frame, frame, _townships(households)
        return
    after_chunks = chunks(snapshot, month, scope, system=reform)
    for (p0, h0), (p1, h1) in zip(before_chunks, after_chunks, strict=True):
        if not h0.column("household_id").equals(h1.column("household_id")):
            raise RuntimeError("the two preparations chose different households")
        yield frame_from_tables(p0, h0, month), frame_from_tables(p1, h1, month), _townships(h0)


def _townships(households) -> np.ndarray:
    """Each household's township (the first 9 digits of its area code), in the chunk's order."""
    import pyarrow.compute as pc

    return pc.utf8_slice_codeunits(households.column("area_code"), 0, 9).to_numpy(zero_copy_only=False)


def run(changes: Sequence[str], month: str, *, source: Path | None = None, engine=None, area: str | None = None,
        scratch: Path | None = None) -> WhatIfReport:
    """What the changes (``NAME=VALUE[@YYYY-MM-01]`` each) would do in ``month``: the households of the file
    ``source`` (JSON or JSON Lines), or else of the registry behind ``engine`` (of ``area``, if given), read
    through a Parquet snapshot in a temporary folder (under ``scratch`` if given, else the system's) that is
    removed after; the snapshots that killed what-ifs left there are removed first (``WhatIfReport.cleaned``).

    Every bad value is one clear line (``JiuzhuError``) before any household is read.
    """
    from jiuzhu.rules.sources import file_households

    month = law.check_month(month)
    if not changes:
        raise JiuzhuError(t("give at least one change: --set NAME=VALUE"))
    parsed = [_parsed(c, month) for c in changes]
    reform = reformed(parsed)
    if source is None and engine is None:
        raise JiuzhuError(t("what-if needs households: a file (--source) or the registry"))
    scratch = _scratch(scratch)
    cleaned = clean(scratch)
    if source is not None:
        report = compare(document_frames(file_households(Path(source)), month, reform), month, reform,
                         changes=parsed)
    else:
        from jiuzhu.db import session_scope
        from jiuzhu.registry.snapshot import export_registry
        from jiuzhu.registry.summary import require_households

        with session_scope(engine, write=False) as session:
            require_households(session, area)  # an empty registry, an unknown area: refused before the snapshot

        with locked_folder(scratch / SNAPSHOT) as staging:  # never committed: removed after
            export_registry(engine, staging.work)
            report = compare(population_frames(staging.work, month, reform, area=area), month, reform,
                             changes=parsed)
    report.cleaned = cleaned
    return report


def clean(scratch: Path | None = None) -> list[Path]:
    """Remove the snapshots that killed what-ifs left under ``scratch`` (the system's temporary folder if not
    given): the partial folders whose lock nobody holds; return them. ``run`` does this first."""
    return clean_abandoned(_scratch(scratch), prefix=SNAPSHOT)


def _scratch(scratch: Path | None) -> Path:
    return Path(scratch) if scratch is not None else Path(tempfile.gettempdir())


def _parsed(text: str, month: str) -> Change:
    """``parse_change``, its refusal naming the input it is about (the ``--set`` of a command)."""
    try:
        return parse_change(text, f"{month}-01")
    except JiuzhuError as exc:
        raise JiuzhuError(exc.message, field=exc.field or "set") from None


__all__ = ["Change", "ProgrammeDelta", "WhatIfReport", "clean", "compare", "document_frames", "parse_change",
           "population_frames", "reformed", "run", "tally"]
