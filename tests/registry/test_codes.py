"""Every vocabulary's codes and Chinese labels are unique within it and read back as the same member.

Members of two vocabularies can be equal as strings (every ``other``); labels are kept per vocabulary, so
that 其他 is the relation "other" and the vehicle "other" is 其他机动车 — never 其他急难情形 for all of them.
"""

from __future__ import annotations

import inspect
import re

import pytest

from jiuzhu.i18n import use_language
from jiuzhu.registry import codes
from jiuzhu.registry.codes import Employment, Labelled, PropertyUse, Relation, VehicleKind
from jiuzhu.registry.ledger.columns import COLUMNS, LEGACY_LABELS

VOCABULARIES = [obj for _, obj in inspect.getmembers(codes, inspect.isclass)
                if issubclass(obj, Labelled) and obj is not Labelled]


def test_the_vocabularies_are_found():
    assert {Relation, Employment, VehicleKind, PropertyUse, codes.Programme, codes.EmergencyKind} <= set(VOCABULARIES)


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_codes_and_labels_are_unique_within_a_vocabulary(vocabulary):
    members = list(vocabulary)
    assert len({m.value for m in members}) == len(members)
    labels = [m.label for m in members]
    assert all(labels) and len(set(labels)) == len(labels), labels
    assert not {m.value for m in members} & set(labels) - {m.label for m in members if m.label == m.value}


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_label_and_code_parse_back_to_the_member(vocabulary):
    for member in vocabulary:
        assert vocabulary.parse(member.label) is member
        assert vocabulary.parse(member.value) is member
        assert vocabulary.parse(f" {member.label} ") is member
        assert type(vocabulary.parse(member.label)) is vocabulary


def test_every_other_has_its_own_label():
    others = {v: v.other.label for v in VOCABULARIES if "other" in v.__members__}
    assert others[Relation] == "其他" and others[VehicleKind] == "其他机动车"
    assert others[codes.EmergencyKind] == "其他急难情形"
    assert [v for v, label in others.items() if label == "其他急难情形"] == [codes.EmergencyKind]
    assert Relation.parse("其他") is Relation.other and Employment.parse("其他") is Employment.other


def test_an_unknown_label_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="表哥"):
        Relation.parse("表哥")


@pytest.mark.parametrize("column", [c for c in COLUMNS if c.allowed.count(" / ") and c.kind == "text"
                                    and c.header not in ("明细",)], ids=lambda c: c.header)
def test_every_ledger_label_column_round_trips(column):
    """What the ledger writes in a column of labels, it reads back as the same value."""
    choices = column.allowed.split(";")[0].split(" / ")
    for text in choices:
        text = text.split(" ")[0]
        if text == "blank":
            continue
        value = column.parse(text)
        assert column.parse(column.format(value)) == value


def test_labels_older_ledgers_carry_still_read():
    """Ledgers exported before the labels were per vocabulary wrote 其他急难情形 for every "other"."""
    headers = {Relation: "与户主关系", Employment: "就业状况", VehicleKind: "机动车类型", PropertyUse: "住房用途"}
    assert set(LEGACY_LABELS) == set(headers)
    for vocabulary, aliases in LEGACY_LABELS.items():
        column = next(c for c in COLUMNS if c.header == headers[vocabulary])
        for text, member in aliases.items():
            assert type(member) is vocabulary and column.parse(text) is member
            assert column.format(member) != text  # written with today's label


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_member_has_english_words_unique_within_its_vocabulary(vocabulary):
    english = [m.words("en") for m in vocabulary]
    assert all(english) and len(set(english)) == len(english), english
    assert not [w for w in english if CJK.search(w)], english
    assert [m.words("zh") for m in vocabulary] == [m.label for m in vocabulary]


def test_a_screen_shows_the_words_of_the_current_language_and_a_ledger_the_label(zh):
    assert codes.Programme.dibao.words() == "最低生活保障" == codes.Programme.dibao.label
    with use_language("en"):
        assert codes.Programme.dibao.words() == "Minimum living allowance"
        assert codes.Sex.female.words() == "female" and Relation.head.words() == "head of household"
        assert codes.Programme.dibao.label == "最低生活保障"  # ledgers, workbooks and stored lists stay Chinese
