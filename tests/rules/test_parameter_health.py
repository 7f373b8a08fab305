"""Every number of law is a dated parameter with a reference, a unit and a label; no date is typed twice."""

from pathlib import Path

import pytest
import yaml

from jiuzhu.rules import law

FILES = sorted(law.PARAMETERS_DIR.rglob("*.yaml"))


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    duplicated = {k for k in keys if keys.count(k) > 1}
    if duplicated:
        raise ValueError(f"duplicated keys {sorted(map(str, duplicated))} at line {node.start_mark.line + 1}")
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def test_there_are_parameters():
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(law.PARAMETERS_DIR)))
def test_parameter_file_is_complete(path: Path):
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    assert data.get("description"), "description missing"
    meta = data.get("metadata") or {}
    for key in ("unit", "label", "reference", "period"):
        assert meta.get(key), f"metadata.{key} missing"
    assert data.get("values"), "no values"
    for date, entry in data["values"].items():
        assert isinstance(entry, dict) and "value" in entry, f"{date}: write values as {{value: ...}}"


def test_the_loader_refuses_a_date_typed_twice(tmp_path):
    text = "values:\n  2025-07-01:\n    value: 770\n  2025-07-01:\n    value: 700\n"
    with pytest.raises(ValueError, match="duplicated keys"):
        yaml.load(text, Loader=_UniqueKeyLoader)


def test_standards_are_read_by_date():
    assert law.value("dibao.line.urban", "2025-06") == 750
    assert law.value("dibao.line.urban", "2025-07") == 770
    assert law.value("dibao.line.rural", "2024-09-01") == 610


def test_tekun_basic_living_is_1_3_times_the_urban_line_in_every_period():
    # domain.md §3: 特困 basic living = round(1.3 × urban 低保 line), one value city-wide. The published
    # values fit halves rounded down (2023: 1.3 × 735 = 955.5 → 955; 2021: 826.8 → 827), not half-up.
    for when in ("2020-09", "2021-09", "2022-09", "2023-09", "2024-09", "2025-07"):
        urban = law.value("dibao.line.urban", when)
        assert law.value("tekun.basic_living", when) == (urban * 13 / 10).quantize(1, rounding="ROUND_HALF_DOWN")


def test_every_value_to_confirm_is_listed_in_the_docs():
    docs = (law.PARAMETERS_DIR.parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = law.needs_confirmation()
    assert rows, "no needs_confirmation values found"
    missing = [f"{r['name']} {r['from']}" for r in rows if f"| `{r['name']}` | {r['from']} |" not in docs]
    assert missing == []
