"""What a decision used, so that re-running it later gives the same result (issue 14 item 2).

``version()``: the rules' version — a SHA-256 over every file of ``rules/parameters`` and ``rules/variables``
(path and bytes, in path order) and the package's version — recorded with each decision; a later reader compares
it with the current one (``changed``). ``assess(doc, month)``: the household document evaluated for the month, as
integer fen per programme and per person (ID numbers in full: the enrolments need the people), kept with the
document itself (``facts``). ``rerun(facts)``: the same evaluation from the record alone — nothing of the registry
is read again, so whatever changed there since, the result is the one decided (tests/casework/test_rerun.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jiuzhu
from jiuzhu.money import yuan_to_fen
from jiuzhu.registry import schemas as s
from jiuzhu.rules import explain

RULES = Path(explain.__file__).parent
FOLDERS = ("parameters", "variables")


def version() -> dict:
    """The rules' version now: {"sha256": …, "package": …, "files": n}."""
    digest, count = hashlib.sha256(), 0
    for folder in FOLDERS:
        for path in sorted(p for p in (RULES / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(RULES).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
            count += 1
    return {"sha256": digest.hexdigest(), "package": jiuzhu.__version__, "files": count}


def changed(recorded: dict | None) -> bool | None:
    """Whether the rules now differ from the version ``recorded`` (None when nothing was recorded)."""
    if not recorded:
        return None
    now = version()
    return (now["sha256"], now["package"]) != (recorded.get("sha256"), recorded.get("package"))


def facts_of(doc: s.Household, month: str) -> dict:
    return {"month": month, "household": doc.model_dump(mode="json")}


def assess(doc: s.Household, month: str) -> dict:
    """Per programme: {"status", "fen" (None when unknown), "persons": {id_number: fen} for a person's programme}."""
    result = explain.evaluate([doc], month, "zh", unmask=True)[0]
    out = {}
    for p in result["programmes"]:
        persons = {q["member"]: _fen(q["monthly_amount"]) for q in p.get("persons", [])
                   if q["status"] == "eligible"}
        out[p["programme"]] = {"status": p["status"], "fen": _fen(p["monthly_amount"]), "persons": persons}
    return out


def rerun(facts: dict) -> dict:
    """``assess`` of the recorded document and month: the decision's result again, from the record alone."""
    return assess(s.Household.model_validate(facts["household"]), facts["month"])


def _fen(amount: str | None) -> int | None:
    return None if amount is None else yuan_to_fen(amount)
