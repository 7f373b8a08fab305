"""``catalogue()`` is built once (a report asked for it 39 times a household) and cannot be changed by a caller."""

from __future__ import annotations

import pytest

from jiuzhu.exchange.sources import INSTITUTIONS, KINDS, catalogue


def test_the_catalogue_is_built_once_and_read_only():
    first = catalogue()
    assert catalogue() is first
    assert len(first) == len(KINDS) - len(INSTITUTIONS) + sum(len(names) for _, names in INSTITUTIONS.values())
    with pytest.raises(TypeError):
        first["tax"] = first["bank.cqrcb"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del first["tax"]  # type: ignore[attr-defined]
    assert dict(first) == dict(catalogue())  # a caller's own copy is a plain dict
