"""公积金中心: provident fund balance and monthly deposits (no synthetic records yet: answers none)."""

from __future__ import annotations

from jiuzhu.exchange.adapters.base import Adapter
from jiuzhu.exchange.sources import KINDS

ADAPTERS = (Adapter(KINDS["housing_fund"]),)
