"""The YAML cases of src/jiuzhu/rules/tests run through `openfisca test`, as a rules author runs them."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "rules" / "tests"


def _cases() -> list[dict]:
    cases = []
    for path in sorted(TESTS.rglob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += loaded if isinstance(loaded, list) else [loaded]
    return cases


def test_every_case_is_named_as_a_sentence_and_exact():
    cases = _cases()
    assert len(cases) >= 150
    for case in cases:
        assert len(case["name"].split()) >= 6, case["name"]
        assert case.get("absolute_error_margin") == 0, case["name"]


def test_openfisca_test_passes_on_the_whole_suite():
    openfisca = Path(sys.executable).parent / "openfisca"
    run = subprocess.run([str(openfisca), "test", "--country-package", "jiuzhu.rules", str(TESTS)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", run.stdout).group(1))
    assert passed == len(_cases())
