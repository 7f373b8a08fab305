"""Evaluate households for a month: per programme a status, the amount and every condition, explained.

``evaluate(docs, month, lang)`` is what the CLI and the API call. It builds one simulation for all
the households given (one or many: the same code path), computes the variables the programme specs
name, and assembles one result per household. Amounts are integer fen inside and yuan strings with
two decimals in the output; nothing is rounded on the way (see docs/rules.md).

``evaluate_one(doc, month, lang)`` is ``evaluate([doc], month, lang)[0]`` for a caller among many threads (the
web application's requests): the households asked for while a run of the rules is at work are evaluated together
in the next run (``batching.Combiner``). A run's cost is mostly per variable, not per household, so under load
the requests share it; alone, a request is evaluated at once. Each household's result is the one it has alone
(tests/rules/test_batch_equals_single.py holds the law).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from openfisca_core.indexed_enums import EnumArray

from jiuzhu.batching import Combiner
from jiuzhu.i18n import translate, use_language
from jiuzhu.money import fen_to_yuan
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.privacy import mask_id
from jiuzhu.rules import law
from jiuzhu.rules.batch import calculate
from jiuzhu.rules.inputs.documents import Unknown, frame_for, present_members
from jiuzhu.rules.programmes import ENUM_WORDS, NO_ONE, NOBODY_ALIVE, SPECS, Condition, Note, Spec
from jiuzhu.rules.system import rules
from jiuzhu.rules.tri import FAIL, PASS, UNKNOWN

STATUS = {PASS: "eligible", UNKNOWN: "needs_information", FAIL: "not_eligible"}
RESULT = {PASS: "passed", UNKNOWN: "unknown", FAIL: "failed"}
EXTRA_PERSON = ("dibao_member", "tekun_care_tier", "dibao_household_state")
EXTRA_HOUSEHOLD = ("dibao_children_on_allowance",)
__all__ = ["evaluate", "evaluate_one", "explain_household", "needed_variables"]


def needed_variables() -> list[str]:
    names: list[str] = [*EXTRA_PERSON, *EXTRA_HOUSEHOLD]
    for spec in SPECS:
        names += [spec.state] + ([spec.amount] if spec.amount else []) + list(spec.breakdown)
        names += [n.variable for n in spec.notes]
        names += [spec.gate] if spec.gate else []
        for c in spec.conditions:
            names += [c.variable, *c.figures]
    return list(dict.fromkeys(names))


def compute(frame, system=None) -> dict[str, np.ndarray]:
    """Every variable the explanations need, for all households of the frame."""
    return calculate(frame, needed_variables(), system)


def evaluate(docs: Iterable[s.Household], month: str, lang: str = "zh", unmask: bool = False,
             unknown: Sequence[Unknown | None] | None = None) -> list[dict]:
    """One result per household of ``docs`` for ``month``, in ``lang``; ID numbers masked unless ``unmask``. The
    month is checked before any household is read (``law.check_month``: its field is "month"). ``unknown``: per
    household, what a verification could not learn (``documents.frame_for``): the declared and the verified
    household are evaluated side by side by giving both, in one run."""
    month = law.check_month(month)
    docs = list(docs)
    frame = frame_for(docs, month, unknown=unknown)
    values = compute(frame) if len(frame.household_index) else {}
    row_of = {position: row for row, position in enumerate(frame.sources)}
    results = []
    for position, doc in enumerate(docs):
        if position not in row_of:
            results.append(_nobody_alive(doc, month, lang))
            continue
        h = row_of[position]
        members = present_members(doc, month)  # the frame's persons of this household, in the same order
        who = [{"member": m.id_number if unmask else mask_id(m.id_number), "name": m.name} for m in members]
        programmes = explain_household(values, frame.household_index, h, who, lang)
        total = sum(int(p.pop("_fen")) for p in programmes)
        results.append({"household_no": doc.household_no, "month": month, "language": lang,
                        "total_monthly_amount": _yuan(total), "programmes": programmes})
    return results


def evaluate_one(doc: s.Household, month: str, lang: str = "zh") -> dict:
    """``evaluate([doc], month, lang)[0]`` (ID numbers masked), in one run of the rules with the households other
    threads ask for at the same time. The month is checked first, in the caller's thread (its error is the
    caller's)."""
    return _EVALUATE_TOGETHER((doc, law.check_month(month), lang))


def _evaluate_many(items: list[tuple[s.Household, str, str]]) -> list[dict]:
    """Each (household, month, language) evaluated: one run of the rules per month and language asked."""
    out: list[dict | None] = [None] * len(items)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (_, month, lang) in enumerate(items):
        groups[(month, lang)].append(i)
    for (month, lang), positions in groups.items():
        with use_language(lang):  # an error's message in the asker's language, whichever thread runs it
            results = evaluate([items[i][0] for i in positions], month, lang)
        for i, result in zip(positions, results, strict=True):
            out[i] = result
    return out


# 32 households a run: a few times what arrives during one run at 200 requests a second, few enough that the
# last caller of a batch does not wait long for the others' explanations.
_EVALUATE_TOGETHER: Combiner[tuple[s.Household, str, str], dict] = Combiner(_evaluate_many, max_items=32)


def _nobody_alive(doc, month, lang) -> dict:
    text = translate(NOBODY_ALIVE, lang)
    programmes = [{**{k: v for k, v in _header(spec, lang, FAIL, 0).items() if k != "_fen"},
                   "conditions": [{"condition": "alive", "result": "failed", "text": text, "reference": None}]}
                  for spec in SPECS]
    return {"household_no": doc.household_no, "month": month, "language": lang,
            "total_monthly_amount": "0.00", "programmes": programmes}


def explain_household(values: dict[str, np.ndarray], household_index: np.ndarray, h: int, who: list[dict],
                      lang: str) -> list[dict]:
    """Every programme for household ``h`` of evaluated ``values`` (variables by name, as ``compute`` returns
    them), its persons described by ``who`` (member and name, in order). Each programme carries ``_fen``,
    what it pays (0 unless eligible), for the caller to total and drop."""
    people = np.flatnonzero(household_index == h)
    at = _Values(values, household_index)
    return [_household_programme(spec, lang, at, h, people, who) if spec.level == "household"
            else _person_programme(spec, lang, at, h, people, who) for spec in SPECS]


class _Values:
    """The evaluated variables, read for one person or one household: a household variable read for a
    person (a figure such as the line in a person's condition) is read at that person's household."""

    def __init__(self, values, household_index):
        self.values, self.household_index = values, household_index

    def column(self, name):
        return self.values[name]

    def at(self, name, i, person: bool):
        column = self.values[name]
        if person and rules().get_variable(name).entity.key == "household":
            i = self.household_index[i]
        return column, i


def _household_programme(spec: Spec, lang, at: _Values, h, people, who) -> dict:
    values = at.values
    state = int(values[spec.state][h])
    fen = int(values[spec.amount][h]) if spec.amount and state == PASS else 0
    out = _header(spec, lang, state, fen)
    out["conditions"] = [_condition(c, lang, at, h, person=False) for c in spec.conditions if _relevant(c, values, h)]
    out["conditions"] += [_note(n, lang, int(values[n.variable][h])) for n in spec.notes if int(values[n.variable][h])]
    if spec.breakdown and state == PASS:
        base, addon, amount = spec.breakdown
        out["breakdown"] = [
            {**who[k], "base": _yuan(values[amount][i] - values[addon][i] if values[amount][i] else 0),
             "addon": _yuan(values[addon][i] if values[amount][i] else 0), "amount": _yuan(values[amount][i])}
            for k, i in enumerate(people) if values["dibao_member"][i] or values[amount][i]
        ]
    return out


def _note(note: Note, lang, count: int) -> dict:
    variable = rules().get_variable(note.variable)
    return {"condition": note.variable, "result": "passed", "text": translate(note.text, lang).format(count=count),
            "reference": variable.reference[0] if variable.reference else None}


def _relevant(c: Condition, values, h) -> bool:
    """The taper and 单人保 are only worth a line when the whole household does not qualify otherwise; the
    child allowance's line when a child takes it or nobody is paid."""
    state = int(values[c.variable][h])
    if c.variable == "dibao_in_taper":
        return int(values["dibao_income_test"][h]) != PASS or state == PASS
    if c.variable == "dibao_single_person_any":
        return int(values["dibao_household_state"][h]) != PASS
    if c.variable == "dibao_paid_members":
        return state != PASS or int(values["dibao_children_on_allowance"][h]) > 0
    return True


def _person_programme(spec: Spec, lang, at: _Values, h, people, who) -> dict:
    values = at.values
    persons = []
    for k, i in enumerate(people):
        if spec.gate and int(values[spec.gate][i]) == FAIL:
            continue
        state = int(values[spec.state][i])
        fen = int(values[spec.amount][i]) if state == PASS else 0
        entry = {**who[k], **_header(spec, lang, state, fen, name=False)}
        entry["conditions"] = [_condition(c, lang, at, i, person=True) for c in spec.conditions]
        if spec.programme == Programme.tekun and state == PASS:
            entry["care_tier"] = _figure(at, "tekun_care_tier", i, lang, person=True)
            entry["care_allowance"] = _yuan(values["tekun_care_allowance"][i])
        persons.append(entry)
    best = max((_code(p["status"]) for p in persons), default=FAIL)
    fen = sum(int(p.pop("_fen")) for p in persons)
    out = _header(spec, lang, best, fen)
    out["persons"] = persons
    if not persons:
        out["conditions"] = [_no_one(spec, lang)]
    return out


def _header(spec: Spec, lang, state, fen, name=True) -> dict:
    out: dict[str, Any] = {}
    if name:
        out["programme"] = spec.programme.value
        out["name"] = spec.programme.words(lang)
    out["status"] = STATUS[state]
    out["monthly_amount"] = None if state == UNKNOWN else _yuan(fen if state == PASS else 0)
    out["_fen"] = fen if state == PASS else 0
    return out


def _code(status: str) -> int:
    return {v: k for k, v in STATUS.items()}[status]


def _condition(c: Condition, lang, at: _Values, i, person: bool) -> dict:
    state = int(at.values[c.variable][i])
    if state == UNKNOWN:
        text = c.unknown_line(lang)
    else:
        figures = {f: _figure(at, f, i, lang, person) for f in c.figures}
        op = c.outcome(state == PASS, lang).format(**figures)
        text = c.line(lang).format(op=op, **figures)
    variable = rules().get_variable(c.variable)
    return {"condition": c.variable, "result": RESULT[state], "text": text.strip(),
            "reference": variable.reference[0] if variable.reference else None}


def _figure(at: _Values, name, i, lang, person: bool) -> str:
    variable = rules().get_variable(name)
    column, i = at.at(name, i, person)
    if isinstance(column, EnumArray):
        item = column[i : i + 1].decode()[0]
        return translate(ENUM_WORDS[name][item.name], lang)
    value = column[i]
    if getattr(variable, "unit", None) == "fen":
        return _yuan(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _no_one(spec: Spec, lang) -> dict:
    gate = next(c for c in spec.conditions if c.variable == spec.gate)
    text = translate(NO_ONE, lang).format(condition=gate.outcome(True, lang))
    return {"condition": spec.gate, "result": "failed", "text": text, "reference": None}


def _yuan(fen) -> str:
    return f"{fen_to_yuan(int(fen))}"
