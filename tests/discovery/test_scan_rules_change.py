"""An incremental scan never reuses a result the rules would now give otherwise: the rules' fingerprint
(parameters, variables, input preparation) is part of every household's and of the scan's manifest."""

from __future__ import annotations

import json
import shutil

from jiuzhu.discovery.scan import MANIFEST, run_scan
from jiuzhu.rules import law

MONTH = "2025-08"


def _copy_of_the_rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(law.RULES_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _set_rural_line(rules_copy, value: int) -> None:
    path = rules_copy / "parameters" / "dibao" / "line" / "rural.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"  '2025-08-01':\n    value: {value}\n", encoding="utf-8")


def test_the_fingerprint_changes_with_a_parameter_a_variable_or_the_input_preparation(tmp_path):
    copy = _copy_of_the_rules(tmp_path)
    before = law.rules_fingerprint(sources=(copy,))
    assert law.rules_fingerprint(sources=(copy,)) == before
    _set_rural_line(copy, 700)
    after_parameter = law.rules_fingerprint(sources=(copy,))
    variable = copy / "variables" / "dibao" / "eligibility.py"
    variable.write_text(variable.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after_variable = law.rules_fingerprint(sources=(copy,))
    preparation = copy / "inputs" / "facts.py"
    preparation.write_text(preparation.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert len({before, after_parameter, after_variable, law.rules_fingerprint(sources=(copy,))}) == 4
    assert law.rules_fingerprint() == law.rules_fingerprint()  # the installed rules: stable


def test_a_change_of_rules_evaluates_every_household_again(district, tmp_path, monkeypatch):
    _, snapshot = district
    copy = _copy_of_the_rules(tmp_path)
    monkeypatch.setattr(law, "RULES_SOURCES", (copy,))
    first = run_scan(snapshot, MONTH, tmp_path / "1", workers=2)
    same = run_scan(snapshot, MONTH, tmp_path / "2", workers=2, previous=tmp_path / "1")
    assert (same.evaluated_households, same.reused_households) == (0, first.households)
    _set_rural_line(copy, 700)  # the rural 低保 line of the field test's case
    changed = run_scan(snapshot, MONTH, tmp_path / "3", workers=2, previous=tmp_path / "2")
    assert (changed.evaluated_households, changed.reused_households) == (first.households, 0)
    manifests = [json.loads((tmp_path / k / MANIFEST).read_text())["rules"] for k in "123"]
    assert manifests[0] == manifests[1] != manifests[2] == changed.rules
