"""The few words a worklist gives for each condition (应享未享, 享而不应 cards and workbooks) are words."""

import pytest

from jiuzhu.rules.programmes import SPECS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_listed_condition_says_itself_in_words_not_a_bare_symbol(lang):
    """A condition whose outcome is a comparison sign (<, ≤) needs its own short words: the list has no figures,
    and a card read "无劳动能力；<；≤；…" before (browser journey, 特困)."""
    bare = [(s.programme.value, c.variable, passed) for s in SPECS for c in s.conditions if c.listed
            for passed in (True, False) if not any(ch.isalpha() for ch in c.summary(passed, lang))]
    assert bare == []
