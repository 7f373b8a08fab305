"""Evaluate households for a month: per programme a status, the amount and every condition, explained.

``evaluate(docs, month, lang)`` is what the CLI and the API call. It builds one simulation for all
the households given (one or many: the same code path), computes the variables the programme specs
name, and assembles one result per household. Amounts are integer fen inside and yuan strings with
two decimals in the output; nothing is rounded on the way (see docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from openfisca_core.indexed_enums import EnumArray

from jiuzhu.money import fen_to_yuan
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.validation import mask_id
from jiuzhu.rules.inputs.documents import frame_for, month_end
from jiuzhu.rules.programmes import EN_OPS, SPECS, Condition, Spec
from jiuzhu.rules.simulation import build_simulation
from jiuzhu.rules.system import rules
from jiuzhu.rules.tri import FAIL, PASS, UNKNOWN

STATUS = {PASS: "eligible", UNKNOWN: "needs_information", FAIL: "not_eligible"}
RESULT = {PASS: "passed", UNKNOWN: "unknown", FAIL: "failed"}
NAMES_EN = {
    Programme.dibao: "Minimum living allowance", Programme.tekun: "Destitute support",
    Programme.margin: "Low-income margin household", Programme.rigid_spending: "Rigid-spending hardship household",
    Programme.temporary: "Temporary assistance",
    Programme.disability_living: "Living subsidy for disabled people in hardship",
    Programme.disability_care: "Care subsidy for severely disabled people", Programme.orphan: "Orphan allowance",
    Programme.unsupported_child: "Allowance for children without de-facto carers",
}
EXTRA_PERSON = ("dibao_member", "tekun_care_tier", "dibao_household_state")


def needed_variables() -> list[str]:
    names: list[str] = list(EXTRA_PERSON)
    for spec in SPECS:
        names += [spec.state] + ([spec.amount] if spec.amount else []) + list(spec.breakdown)
        names += [spec.gate] if spec.gate else []
        for c in spec.conditions:
            names += [c.variable, *c.figures]
    return list(dict.fromkeys(names))


def compute(frame) -> dict[str, np.ndarray]:
    """Every variable the explanations need, for all households of the frame."""
    simulation = build_simulation(frame)
    return {name: simulation.calculate(name, frame.period) for name in needed_variables()}


def evaluate(docs: Sequence[s.Household], month: str, lang: str = "zh", unmask: bool = False) -> list[dict]:
    frame = frame_for(docs, month)
    values = compute(frame) if len(frame.household_index) else {}
    row_of = {position: row for row, position in enumerate(frame.sources)}
    results = []
    for position, doc in enumerate(docs):
        if position not in row_of:
            results.append(_nobody_alive(doc, month, lang))
            continue
        h = row_of[position]
        people = np.flatnonzero(frame.household_index == h)
        members = [m for m in doc.members if not (m.death_date and m.death_date <= month_end(month))]
        results.append(_household_result(doc, month, lang, values, h, people, members, unmask))
    return results


def _nobody_alive(doc, month, lang) -> dict:
    text = "家庭成员均已死亡" if lang == "zh" else "no member of the household is alive"
    programmes = [{**{k: v for k, v in _header(spec, lang, FAIL, 0).items() if k != "_fen"},
                   "conditions": [{"condition": "alive", "result": "failed", "text": text, "reference": None}]}
                  for spec in SPECS]
    return {"household_no": doc.household_no, "month": month, "language": lang,
            "total_monthly_amount": "0.00", "programmes": programmes}


def _household_result(doc, month, lang, values, h, people, members, unmask) -> dict:
    who = [{"member": m.id_number if unmask else mask_id(m.id_number), "name": m.name} for m in members]
    programmes = []
    for spec in SPECS:
        if spec.level == "household":
            programmes.append(_household_programme(spec, lang, values, h, people, who))
        else:
            programmes.append(_person_programme(spec, lang, values, people, who))
    total = sum(int(p["_fen"]) for p in programmes if p["status"] == "eligible")
    for p in programmes:
        p.pop("_fen")
    return {"household_no": doc.household_no, "month": month, "language": lang,
            "total_monthly_amount": _yuan(total), "programmes": programmes}


def _household_programme(spec: Spec, lang, values, h, people, who) -> dict:
    state = int(values[spec.state][h])
    fen = int(values[spec.amount][h]) if spec.amount and state == PASS else 0
    out = _header(spec, lang, state, fen)
    out["conditions"] = [_condition(c, lang, values, h) for c in spec.conditions if _relevant(c, values, h)]
    if spec.breakdown and state == PASS:
        base, addon, amount = spec.breakdown
        out["breakdown"] = [
            {**who[k], "base": _yuan(values[amount][i] - values[addon][i]), "addon": _yuan(values[addon][i]),
             "amount": _yuan(values[amount][i])}
            for k, i in enumerate(people) if values["dibao_member"][i] or values[amount][i]
        ]
    return out


def _relevant(c: Condition, values, h) -> bool:
    """The taper and 单人保 are only worth a line when the whole household does not qualify otherwise."""
    if c.variable == "dibao_in_taper":
        return int(values["dibao_income_test"][h]) != PASS or int(values[c.variable][h]) == PASS
    if c.variable == "dibao_single_person_any":
        return int(values["dibao_household_state"][h]) != PASS
    return True


def _person_programme(spec: Spec, lang, values, people, who) -> dict:
    persons = []
    for k, i in enumerate(people):
        if spec.gate and int(values[spec.gate][i]) == FAIL:
            continue
        state = int(values[spec.state][i])
        fen = int(values[spec.amount][i]) if state == PASS else 0
        entry = {**who[k], **_header(spec, lang, state, fen, name=False)}
        entry["conditions"] = [_condition(c, lang, values, i) for c in spec.conditions]
        if spec.programme == Programme.tekun and state == PASS:
            entry["care_tier"] = _figure(values, "tekun_care_tier", i)
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
        out["name"] = spec.programme.label if lang == "zh" else NAMES_EN[spec.programme]
    out["status"] = STATUS[state]
    out["monthly_amount"] = None if state == UNKNOWN else _yuan(fen if state == PASS else 0)
    out["_fen"] = fen if state == PASS else 0
    return out


def _code(status: str) -> int:
    return {v: k for k, v in STATUS.items()}[status]


def _condition(c: Condition, lang, values, i) -> dict:
    state = int(values[c.variable][i])
    if state == UNKNOWN:
        text = c.unknown_zh if lang == "zh" else c.unknown_en
    else:
        op = c.ops[0] if state == PASS else c.ops[1]
        if lang == "en":
            op = EN_OPS.get(op, op)
        figures = {f: _figure(values, f, i) for f in c.figures}
        text = (c.zh if lang == "zh" else c.en).format(op=op, **figures)
    variable = rules().get_variable(c.variable)
    return {"condition": c.variable, "result": RESULT[state], "text": text.strip(),
            "reference": variable.reference[0] if variable.reference else None}


def _figure(values, name, i) -> str:
    variable = rules().get_variable(name)
    column = values[name]
    if isinstance(column, EnumArray):
        return column[i : i + 1].decode()[0].value
    value = column[i]
    if getattr(variable, "unit", None) == "fen":
        return _yuan(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _no_one(spec: Spec, lang) -> dict:
    gate = next((c for c in spec.conditions if c.variable == spec.gate), None)
    label = rules().get_variable(spec.gate).label if spec.gate else ""
    text = ("家庭中无人符合：" if lang == "zh" else "no member meets: ") + (
        (gate.ops[0] if lang == "zh" else EN_OPS.get(gate.ops[0], gate.ops[0])) if gate else label)
    return {"condition": spec.gate, "result": "failed", "text": text, "reference": None}


def _yuan(fen) -> str:
    return f"{fen_to_yuan(int(fen))}"
