"""The rules are mirrored by programme: parameters/<programme>/ beside variables/<programme>/ beside
tests/<programme>/."""

from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "rules"
SHARED = {"common", "explain"}  # variables every programme reads (age, inputs) and the explanations' figures


def _folders(kind: str) -> set[str]:
    return {p.name for p in (RULES / kind).iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}


def test_every_programme_has_its_parameters_variables_and_cases_side_by_side():
    parameters, variables, cases = _folders("parameters"), _folders("variables"), _folders("tests")
    assert parameters <= variables, sorted(parameters - variables)
    assert variables - SHARED <= cases, sorted(variables - SHARED - cases)
    assert cases - {"interactions"} <= variables, sorted(cases - {"interactions"} - variables)


def test_every_programme_folder_has_yaml_cases():
    for folder in _folders("tests"):
        assert list((RULES / "tests" / folder).glob("*.yaml")), folder
