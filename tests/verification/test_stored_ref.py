"""``service.stored_ref``: the same item twice in one answer keeps both (the items table's unique key would refuse
the second), the second's ref numbered; used by the single verification and the batch alike."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.verification.service import stored_ref


@dataclass
class Item:
    item: str
    ref: str | None
    month: str | None


def test_the_same_item_twice_is_kept_with_its_ref_numbered():
    seen: set = set()
    wage = Item("wage", "91500111MA5U", "2025-07")
    assert [stored_ref(seen, 1, wage) for _ in range(3)] == ["91500111MA5U", "91500111MA5U#2", "91500111MA5U#3"]
    assert stored_ref(seen, 2, wage) == "91500111MA5U"  # another member: a key of its own
    assert stored_ref(seen, 1, Item("wage", None, "2025-07")) == ""


@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["wage", "deposit.balance"]),
                          st.sampled_from([None, "", "A", "A#2"]), st.sampled_from([None, "2025-07"]))))
def test_every_stored_key_is_unique_and_keeps_the_ref_it_was_given(rows):
    seen: set = set()
    keys = []
    for person, item, ref, month in rows:
        stored = stored_ref(seen, person, Item(item, ref, month))
        assert stored.startswith(ref or "")
        keys.append((person, item, stored, month or ""))
    assert len(keys) == len(set(keys))
