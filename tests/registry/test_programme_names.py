"""A programme as a person names it — code, full name or the short name staff say — is read the same everywhere."""

from __future__ import annotations

import pytest

from jiuzhu.casework.applications import _programmes
from jiuzhu.discovery.worklists import _programme as worklist_programme
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry.codes import PROGRAMME_SHORT, Programme, parse_programme
from jiuzhu.registry.search import _programme as search_programme


@pytest.mark.parametrize("programme", list(Programme), ids=[p.value for p in Programme])
def test_code_full_name_and_short_name_name_the_same_programme(programme):
    for text in (programme.value, programme.label, PROGRAMME_SHORT[programme], f" {PROGRAMME_SHORT[programme]} "):
        assert parse_programme(text) is programme
        assert search_programme(text) == worklist_programme(text) == programme.value


def test_no_short_name_is_the_code_or_full_name_of_another_programme():
    assert len(set(PROGRAMME_SHORT.values())) == len(Programme)
    for programme, short in PROGRAMME_SHORT.items():
        assert all(short not in (other.value, other.label) for other in Programme if other is not programme)


def test_an_application_asking_for_低保_and_the_care_subsidy_by_their_short_names():
    assert _programmes(["低保", "残疾人护理补贴"]) == ["dibao", "disability_care"]


def test_an_unknown_programme_is_one_line_naming_the_field_and_listing_the_names_in_chinese(zh):
    with pytest.raises(JiuzhuError) as caught:
        parse_programme("低宝", field="programmes")
    assert caught.value.field == "programmes"
    assert "低宝" in caught.value.message and "dibao（低保）" in caught.value.message
    assert "\n" not in caught.value.message
