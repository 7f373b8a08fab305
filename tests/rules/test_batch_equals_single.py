"""Batch evaluation over many households equals evaluating each household alone (property test),
and the Arrow path equals the document path."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.money import yuan_to_fen
from jiuzhu.registry import service
from jiuzhu.rules.batch import evaluate_frame, evaluate_tables, frame_to_tables
from jiuzhu.rules.explain import evaluate
from jiuzhu.rules.inputs.documents import frame_for
from tests.factories import households

STATUS = {"not_eligible": 0, "needs_information": 1, "eligible": 2}
MONTHS = st.sampled_from(["2024-08", "2024-09", "2025-06", "2025-07", "2025-08", "2026-01"])


def _docs(raw):
    return [service.parse_household({**h, "household_no": f"H-{i}"}, record=f"h{i}") for i, h in enumerate(raw)]


@settings(max_examples=40, deadline=None)
@given(raw=st.lists(households(), min_size=1, max_size=6), month=MONTHS)
def test_batch_equals_single_household_evaluation(raw, month):
    docs = _docs(raw)
    frame = frame_for(docs, month)
    if not len(frame.household_index):
        return
    batch = evaluate_frame(frame)
    for row, position in enumerate(frame.sources):
        alone = evaluate([docs[position]], month)[0]
        for programme in alone["programmes"]:
            key = programme["programme"]
            assert batch[f"{key}_state"][row] == STATUS[programme["status"]], (key, docs[position])
            amount = yuan_to_fen(programme["monthly_amount"] or "0")
            assert batch[f"{key}_amount"][row] == amount, (key, docs[position])


@settings(max_examples=15, deadline=None)
@given(raw=st.lists(households(), min_size=2, max_size=8), chunk=st.integers(1, 3))
def test_arrow_tables_in_chunks_equal_the_frame(raw, chunk):
    docs = _docs(raw)
    frame = frame_for(docs, "2025-08")
    if not len(frame.household_index):
        return
    nos = [docs[p].household_no for p in frame.sources]
    persons, households_table = frame_to_tables(frame, nos)
    table = evaluate_tables(persons, households_table, "2025-08", chunk_households=chunk)
    whole = evaluate_frame(frame)
    assert table.column("household_no").to_pylist() == nos
    for name, values in whole.items():
        assert np.array_equal(table.column(name).to_numpy(), values), name


@settings(max_examples=10, deadline=None)
@given(raw=st.lists(households(), min_size=2, max_size=8), chunk=st.integers(1, 3))
def test_chunks_of_a_frame_equal_the_whole(raw, chunk):
    from jiuzhu.rules.batch import evaluate_in_chunks

    frame = frame_for(_docs(raw), "2025-08")
    if not len(frame.household_index):
        return
    whole, parts = evaluate_frame(frame), evaluate_in_chunks(frame, chunk_households=chunk)
    for name, values in whole.items():
        assert np.array_equal(parts[name], values), name


@settings(max_examples=20, deadline=None)
@given(raw=st.lists(households(), min_size=1, max_size=5), month=MONTHS, lang=st.sampled_from(["zh", "en"]))
def test_explained_evaluation_of_many_equals_each_alone(raw, month, lang):
    """What lets the web application evaluate the households of concurrent requests in one run of the rules
    (explain.evaluate_one): a household's whole explained result does not depend on the others evaluated with it."""
    docs = _docs(raw)
    together = evaluate(docs, month, lang)
    assert together == [evaluate([doc], month, lang)[0] for doc in docs]


def test_households_asked_from_many_threads_at_once_each_get_their_own_result():
    import json
    import threading

    from jiuzhu.rules import explain
    from tests.conftest import EXAMPLE

    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    docs = _docs([example] * 6)
    expected = {(doc.household_no, lang): evaluate([doc], "2025-08", lang)[0] for doc in docs for lang in ("zh", "en")}
    asks = [(doc, lang) for doc in docs for lang in ("zh", "en")]
    got: dict = {}
    start = threading.Barrier(len(asks))

    def ask(doc, lang):
        start.wait()
        got[(doc.household_no, lang)] = explain.evaluate_one(doc, "2025-08", lang)

    threads = [threading.Thread(target=ask, args=a) for a in asks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == expected  # the languages and households of a shared run are not mixed up
