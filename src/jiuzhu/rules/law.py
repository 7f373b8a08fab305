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
