"""Dated figures of law for consent, read from ``parameters/*.yaml`` in the format of ``rules/parameters``
(description, metadata with unit/label/reference, values by effective date; ``needs_confirmation: true`` where
the sources leave a figure open). The rules package is above this one, so the reading is repeated here (small)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import t

FOLDER = Path(__file__).parent / "parameters"


@cache
def _load(name: str) -> dict:
    path = FOLDER / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(t("cannot read the consent parameter {path}: {cause}", path=path,
                                   cause=exc)) from None


def value(name: str, on: dt.date) -> Any:
    """The value of parameter ``name`` in force on ``on`` (the latest dated value on or before it)."""
    values = _load(name)["values"]
    dates = sorted(d for d in values if dt.date.fromisoformat(str(d)) <= on)
    if not dates:
        raise ConfigurationError(t("the consent parameter {name} has no value on {date}", name=name, date=on))
    return values[dates[-1]]["value"]


def needs_confirmation() -> list[dict]:
    """Every dated value the sources leave open, for docs/consent.md."""
    out = []
    for path in sorted(FOLDER.glob("*.yaml")):
        data = _load(path.stem)
        for date, entry in data["values"].items():
            meta = entry.get("metadata") or {}
            if meta.get("needs_confirmation"):
                out.append({"name": f"consent/{path.stem}", "date": str(date), "value": entry["value"],
                            "note": meta.get("note", "")})
    return out
