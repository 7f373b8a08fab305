"""The planted truth of the synthetic district agrees with the rules themselves: every household built
to be entitled, not entitled, on the line or one fen below is decided that way by jiuzhu.rules."""

import pyarrow.parquet as pq

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.money import yuan_to_fen
from jiuzhu.registry import service
from jiuzhu.registry.bulk import load_snapshot
from jiuzhu.rules.explain import evaluate

KINDS = {"entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below"}


def test_every_planted_household_is_decided_as_built(snapshot, tmp_path):
    out, _ = snapshot
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, out)
    planted = [t for t in pq.read_table(out / "truth" / "planted.parquet").to_pylist() if t["kind"] in KINDS]
    assert {t["kind"] for t in planted} == KINDS
    with session_scope(engine) as session:
        docs = [service.household_doc(session, service.get_household(session, t["household_no"])) for t in planted]
    results = evaluate(docs, "2025-08")
    wrong = []
    for truth, result in zip(planted, results, strict=True):
        dibao = next(p for p in result["programmes"] if p["programme"] == "dibao")
        expected = "eligible" if truth["expected"] == "eligible" else "not_eligible"
        if dibao["status"] != expected:
            wrong.append((truth["kind"], truth["household_no"], dibao["status"]))
    for truth, result, doc in zip(planted, results, docs, strict=True):
        if truth["kind"] == "boundary_fen_below":
            # One fen below the line per person: the difference payment is one fen per member.
            dibao = next(p for p in result["programmes"] if p["programme"] == "dibao")
            base_fen = sum(yuan_to_fen(line["base"]) for line in dibao["breakdown"])
            assert base_fen == len([m for m in doc.members if m.counted]), truth["household_no"]
    assert wrong == []
