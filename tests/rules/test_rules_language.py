"""The explanations speak one language: no English word in a Chinese explanation, no Chinese in an English one
(a legal citation, which has no translation, aside), over every situation of the YAML cases and over
synthetic households (Hypothesis)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openfisca_core.simulation_builder import SimulationBuilder

from jiuzhu.registry import service
from jiuzhu.rules.explain import evaluate, explain_household, needed_variables
from jiuzhu.rules.system import rules
from tests.factories import households

CASES = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "rules" / "tests"
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ALLOWED_ASCII: set[str] = set()  # no English word is needed in a Chinese explanation


def _texts(programme: dict, lang: str):
    """(where, text) of everything the programme's explanation says in words."""
    yield "name", programme["name"]
    entries = [programme, *(programme.get("persons") or [])]
    for k, entry in enumerate(entries):
        for c in entry.get("conditions") or []:
            yield f"{k}:{c['condition']}", c["text"]
            if lang == "zh" and c["reference"]:
                yield f"{k}:{c['condition']}:reference", c["reference"]
        if entry.get("care_tier"):
            yield f"{k}:care_tier", entry["care_tier"]


def _check(programmes: list[dict], lang: str) -> None:
    for programme in programmes:
        for where, text in _texts(programme, lang):
            if lang == "zh":
                words = set(ASCII_WORD.findall(text)) - ALLOWED_ASCII
                assert not words, f"{programme['programme']} {where}: English {sorted(words)} in {text!r}"
            else:
                assert not CJK.search(text), f"{programme['programme']} {where}: Chinese in {text!r}"


def _cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES.rglob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append((f"{path.parent.name}/{path.stem}: {case['name'][:60]}", case))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_yaml_situation_is_explained_in_one_language(lang):
    cases = _cases()
    assert len(cases) > 150
    system = rules()
    for label, case in cases:
        builder = SimulationBuilder()
        builder.set_default_period(str(case["period"]))
        simulation = builder.build_from_entities(system, case["input"])
        period = str(case["period"])
        values = {name: simulation.calculate(name, period) for name in needed_variables()}
        household = simulation.populations["household"]
        index = np.asarray(household.members_entity_id)
        who = [{"member": f"M{i}", "name": f"成员{i}"} for i in range(simulation.persons.count)]
        for h in range(household.count):
            try:
                _check(explain_household(values, index, h, [who[i] for i in np.flatnonzero(index == h)], lang), lang)
            except AssertionError as error:
                raise AssertionError(f"{label}: {error}") from None


@settings(max_examples=30, deadline=None)
@given(raw=st.lists(households(), min_size=1, max_size=4),
       month=st.sampled_from(["2024-08", "2025-06", "2025-08", "2026-01"]))
def test_synthetic_households_are_explained_in_one_language(raw, month):
    docs = [service.parse_household({**h, "household_no": f"H-{i}"}, record=f"h{i}") for i, h in enumerate(raw)]
    for lang in ("zh", "en"):
        for result in evaluate(docs, month, lang=lang):
            _check(result["programmes"], lang)


def test_the_care_tier_is_in_words_of_the_language():
    case = {"persons": {"a": {"birth_date": "1950-03-01", "has_able_supporter": False,
                              "self_care_failed_activities": 5}},
            "households": {"h": {"members": ["a"], "is_urban": True}}}
    builder = SimulationBuilder()
    builder.set_default_period("2025-08")
    simulation = builder.build_from_entities(rules(), case)
    values = {name: simulation.calculate(name, "2025-08") for name in needed_variables()}
    who = [{"member": "M0", "name": "成员0"}]
    tiers = {}
    for lang in ("zh", "en"):
        tekun = next(p for p in explain_household(values, np.zeros(1, dtype=np.int32), 0, who, lang)
                     if p["programme"] == "tekun")
        tiers[lang] = (tekun["persons"][0]["care_tier"],
                       next(c["text"] for c in tekun["persons"][0]["conditions"]
                            if c["condition"] == "tekun_self_care_known"))
    assert tiers == {"zh": ("全护理", "照料护理等级：全护理"), "en": ("fully dependent", "care tier: fully dependent")}
