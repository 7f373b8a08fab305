"""What a verification could not learn is unknown to the rules (issue 13): a household's evaluation on verified
facts, where a source failed, needs information on that test — never eligible as if nothing were owned — and the
declared and the verified household are evaluated side by side in one run, each as it would be alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.explain import evaluate
from jiuzhu.rules.inputs.documents import UNKNOWN_CATEGORIES, frame_for
from tests.rules.test_evaluate import _doc, _programme, _single

MONTH = "2025-08"
TEST_OF = {"income": "dibao_income_test", "assets": "dibao_assets_test", "vehicles": "dibao_vehicle_test",
           "property": "dibao_housing_test", "business": "dibao_business_test"}


def _condition(result, name):
    return next(c for c in _programme(result, "dibao")["conditions"] if c["condition"] == name)


@pytest.mark.parametrize("category", sorted(UNKNOWN_CATEGORIES))
def test_a_category_a_source_left_unknown_needs_information(category):
    doc = _doc(_single(wages="500.00"))
    declared, verified = evaluate([doc, doc], MONTH, lang="en",
                                  unknown=[None, {doc.members[0].id_number: {category}}])
    assert _programme(declared, "dibao")["status"] == "eligible"
    assert _condition(declared, TEST_OF[category])["result"] == "passed"
    assert _programme(verified, "dibao")["status"] == "needs_information"
    assert _programme(verified, "dibao")["monthly_amount"] is None  # nothing paid on what is not known
    assert _condition(verified, TEST_OF[category])["result"] == "unknown"


def test_a_vehicle_held_still_answers_the_vehicle_question():
    data = _single(wages="500.00")
    data["members"][0]["vehicles"] = [{"kind": "car", "plate": "渝A12345", "registered_on": "2020-01-01"}]
    doc = _doc(data)
    (verified,) = evaluate([doc], MONTH, lang="en", unknown=[{doc.members[0].id_number: {"vehicles"}}])
    assert _condition(verified, "dibao_vehicle_test")["result"] == "failed"


def test_unknowns_of_other_people_change_nothing():
    doc = _doc(_single(wages="500.00"))
    alone = evaluate([doc], MONTH, lang="en")[0]
    assert evaluate([doc], MONTH, lang="en", unknown=[{"500111199001011234": {"assets"}}])[0] == alone


def test_a_category_that_does_not_exist_is_refused():
    doc = _doc(_single(wages="500.00"))
    with pytest.raises(ValueError, match="deposits"):
        frame_for([doc], MONTH, unknown=[{doc.members[0].id_number: {"deposits"}}])
    with pytest.raises(ValueError, match="one entry per household"):
        frame_for([doc, doc], MONTH, unknown=[None])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sets(st.sampled_from(sorted(UNKNOWN_CATEGORIES))), min_size=1, max_size=4),
       st.sampled_from(["300.00", "700.00", "900.00"]))
def test_side_by_side_is_each_alone(unknowns, wages):
    """Evaluated together, each household (declared or verified) gets the result it gets alone."""
    doc = _doc(_single(wages=wages))
    key = doc.members[0].id_number
    given_unknown = [{key: u} if u else None for u in unknowns]
    together = evaluate([doc] * len(unknowns), MONTH, lang="en", unknown=given_unknown)
    for result, u in zip(together, given_unknown, strict=True):
        assert result == evaluate([doc], MONTH, lang="en", unknown=[u])[0]
