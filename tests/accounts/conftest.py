"""Accounts' tests hash with argon2's cheapest parameters (the real ones take 64 MiB and a tenth of a second per
hash); one test checks the real parameters."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from jiuzhu.accounts import service

CHEAP = PasswordHasher.from_parameters(CHEAPEST)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(service, "HASHER", CHEAP)
