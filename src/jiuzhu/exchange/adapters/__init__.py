"""Adapters, one per kind of source: how a department's records are told as items of the exchange format
(``to_items``, the department's side, which the simulator uses as a department would), and how Jiuzhu asks a kind
and reads its answer (``Adapter.query``: build the request, post it through ``exchange.client``, check that every
item is one this kind answers, in its unit). An adapter knows URLs and keys from ``sources.toml`` only: it cannot
tell the simulator from a department.

    ADAPTERS        kind → Adapter (public_security, hrss, medical_insurance, tax, market_regulation,
                    real_estate, housing_fund, disability_federation, civil_affairs, education, institutions)
    adapter_for(endpoint)
"""

from __future__ import annotations

from jiuzhu.exchange.adapters import (
    civil_affairs,
    disability_federation,
    education,
    housing_fund,
    hrss,
    institutions,
    market_regulation,
    medical_insurance,
    public_security,
    real_estate,
    tax,
)
from jiuzhu.exchange.adapters.base import Adapter, Answer
from jiuzhu.exchange.sources import kind_of

ADAPTERS: dict[str, Adapter] = {a.kind.kind: a for module in (
    public_security, hrss, medical_insurance, tax, market_regulation, real_estate, housing_fund,
    disability_federation, civil_affairs, education, institutions) for a in module.ADAPTERS}


def adapter_for(endpoint: str) -> Adapter:
    return ADAPTERS[kind_of(endpoint).kind]


__all__ = ["ADAPTERS", "Adapter", "Answer", "adapter_for"]
