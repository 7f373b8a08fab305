"""医保: out-of-pocket medical costs by month (no synthetic records yet: answers none)."""

from __future__ import annotations

from jiuzhu.exchange.adapters.base import Adapter
from jiuzhu.exchange.sources import KINDS

ADAPTERS = (Adapter(KINDS["medical_insurance"]),)
