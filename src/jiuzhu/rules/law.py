"""The law's numbers: dated parameters loaded from ``rules/parameters`` with OpenFisca.

``value("dibao.line.urban", "2025-08")`` → ``Decimal('770')``. Values come back as
Decimal (from their YAML text), never float, so money stays exact.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from openfisca_core.parameters import ParameterNode, load_parameter_file

PARAMETERS_DIR = Path(__file__).parent / "parameters"


@lru_cache(maxsize=1)
def parameters() -> ParameterNode:
    return load_parameter_file(str(PARAMETERS_DIR))


def value(name: str, when: str) -> Decimal:
    """The parameter ``name`` in force on ``when`` (YYYY-MM or YYYY-MM-DD)."""
    node = parameters()
    for part in name.split("."):
        node = getattr(node, part)
    instant = when if len(when) == 10 else f"{when}-01"
    raw = node(instant)
    return Decimal(str(raw))


def needs_confirmation() -> list[dict]:
    """Every dated value the sources leave open (``needs_confirmation: true``), for docs/rules.md."""
    import yaml

    out = []
    for path in sorted(PARAMETERS_DIR.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = ".".join(path.relative_to(PARAMETERS_DIR).with_suffix("").parts)
        for date, entry in data["values"].items():
            meta = entry.get("metadata") or {}
            if meta.get("needs_confirmation"):
                out.append({"name": name, "from": str(date), "value": entry["value"],
                            "unit": data["metadata"]["unit"], "note": meta.get("note", ""),
                            "label": data["metadata"]["label"]})
    return out
