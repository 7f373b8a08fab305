"""The law's numbers: dated parameters loaded from ``rules/parameters`` with OpenFisca.

``value("dibao.line.urban", "2025-08")`` → ``Decimal('770')``. Values come back as
Decimal (from their YAML text), never float, so money stays exact.

Every reader of a parameter outside the rules' formulas (the input preparation above all) passes the
system it evaluates with (``system=``: the baseline, or a what-if reform), so that a reform's value is
used wherever the parameter is read; without it, the baseline's YAML files are read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openfisca_core.parameters import ParameterNode, load_parameter_file

from jiuzhu import months
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.once import built_once

PARAMETERS_DIR = Path(__file__).parent / "parameters"


@built_once
def parameters() -> ParameterNode:
    return load_parameter_file(str(PARAMETERS_DIR))


def value(name: str, when: str, system=None) -> Decimal:
    """The parameter ``name`` in force on ``when`` (YYYY-MM: its first day, or YYYY-MM-DD), from ``system``'s
    parameters (a tax-benefit system or a reform of it) or the baseline's files; an error when none is."""
    found = value_or_none(name, when, system)
    if found is None:  # say which days the law covers: "no value on 1990-01-01" alone leaves the user guessing
        raise JiuzhuError(t("no law is in force on {day} (the parameter {name}): the rules cover {first} onwards",
                            name=name, day=_instant(when), first=_covered_from(name, system)))
    return found


def _covered_from(name: str, system=None) -> str:
    """The first day the parameter ``name`` has a value (YYYY-MM-DD)."""
    node = system.parameters if system is not None else parameters()
    for part in name.split("."):
        node = getattr(node, part)
    try:
        return _first_date(node)
    except (AttributeError, ValueError):  # a node, not a leaf: the rules' first month
        return f"{in_force_from()}-01"


def value_or_none(name: str, when: str, system=None) -> Decimal | None:
    """As ``value``, but ``None`` when no value is in force yet on that day."""
    node = system.parameters if system is not None else parameters()
    for part in name.split("."):
        node = getattr(node, part)
    raw = node(_instant(when))
    return None if raw is None else Decimal(str(raw))


def _instant(when: str) -> str:
    return when if len(when) == 10 else f"{when}-01"


def check_month(month: str, field: str | None = "month") -> str:
    """``month`` (YYYY-MM) if the rules can decide it, else one line naming it (``field``: the input it was given
    as): a month the format refuses (``months.check_month``), or one before the law in force (``in_force_from``).
    The one check of a month to decide: scans, what-if, evaluations and the synthetic district's month."""
    month = months.check_month(month, field)
    first = in_force_from()
    if month < first:
        raise JiuzhuError(t("month {month} is before the rules in force ({first}): choose {first} or a later month",
                            month=month, first=first), field=field)
    return month


@built_once
def in_force_from() -> str:
    """The first month (YYYY-MM) the rules decide: the latest first date of the parameters, every programme's
    law then in force. A programme introduced later by dated formulas (刚性支出困难家庭, formulas from
    2024-10-01) reads its parameters only from that date, so parameters that begin on the date of a dated
    formula are left out. Scans, what-if and evaluations refuse an earlier month (tests hold the rules to it:
    they decide in this month and fail in the one before)."""
    from jiuzhu.rules.system import rules

    introduced = {start for v in rules().variables.values() for start in v.formulas if start != "0001-01-01"}
    firsts = [_first_date(p) for p in _leaves(parameters())]
    return max(d for d in firsts if d not in introduced)[:7]


def _leaves(node):
    if hasattr(node, "children"):
        for child in node.children.values():
            yield from _leaves(child)
    else:
        yield node


def _first_date(parameter) -> str:
    return min(v.instant_str for v in parameter.values_list if v.value is not None)


RULES_DIR = Path(__file__).parent
# What the rules' answer depends on besides the registry: the parameters, the variables, the input
# preparation and everything else of the rules package, the month arithmetic and the vocabularies.
RULES_SOURCES = (RULES_DIR, RULES_DIR.parent / "months.py", RULES_DIR.parent / "registry" / "codes.py")


def rules_fingerprint(extra: tuple[Path, ...] = (), sources: tuple[Path, ...] | None = None) -> str:
    """A hash of every YAML parameter file and Python source the rules' answer depends on (``sources``, folders
    walked, and ``extra``): any change of a parameter, a variable or the input preparation changes it, so an
    incremental scan never reuses a result the rules would now give otherwise."""
    import hashlib

    digest = hashlib.sha256()
    for source in map(Path, (*(RULES_SOURCES if sources is None else sources), *extra)):
        files = sorted(p for p in source.rglob("*") if p.suffix in (".py", ".yaml")) if source.is_dir() else [source]
        for path in files:
            name = path.relative_to(source.parent).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


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
