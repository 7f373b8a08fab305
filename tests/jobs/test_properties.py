"""Laws of the job module's small functions, over any input (Hypothesis)."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.api.routers.imports import rejects_csv
from jiuzhu.jobs import uploads
from jiuzhu.spreadsheet import csv_untext


@given(st.text(max_size=300))
def test_an_uploaded_file_s_name_never_leaves_the_uploads_folder(name):
    safe = uploads.safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe and "\x00" not in safe and len(safe) <= 120


@settings(deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=40), st.text(max_size=80)), max_size=5))
def test_the_rejects_csv_gives_every_text_back_and_runs_none(rows):
    result = {"format": "json", "rejections": [{"row": None, "record": r, "household_no": None, "field": f,
                                                "reason": why} for r, f, why in rows]}
    text = rejects_csv(result).decode("utf-8")
    assert text.startswith("\ufeff")
    read = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert read[0] == ["记录", "字段", "原因"]
    for cells, (record, field, reason) in zip(read[1:], rows, strict=True):
        assert [csv_untext(c) for c in cells] == [record, field, reason]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
