"""The sources catalogue: each kind of source (a department's register, or one kind of institution), its
department, the categories it answers and the items of each, with their units (docs/exchange.md "Sources").

An endpoint is one server answering for a kind: ``tax`` for the tax bureau, ``bank.cqrcb`` for one bank. Kinds of
institutions (bank, insurer, securities) have one endpoint per institution; every other kind has one endpoint of
the same name. Consent assertions name the kind (``aud``), not the endpoint: a member authorizes "banks".

The institutions below are the synthetic district's (``synth/economy.py``: 12 banks, 5 insurers, 4 securities
firms), not Chongqing's whole list (34 banks, 60 insurers [doc 2025]); tests/exchange/test_sources.py keeps the
names equal to the synthetic district's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType


@dataclass(frozen=True)
class ItemSpec:
    name: str
    category: str
    unit: str
    monthly: bool = False  # a month's amount, answered with its ``month`` (a fen/month rate without one is not)
    # What the item's ``ref`` is, so that whatever shows it masks it by its kind (registry.privacy: id_number →
    # mask_id, certificate → mask_certificate, account/plate/policy → mask_account; uscc and scheme are not
    # personal). None: the item has no ref.
    ref: str | None = None


@dataclass(frozen=True)
class Kind:
    kind: str  # also the consent assertion's audience
    department: str  # in Chinese, as the department calls itself
    items: tuple[ItemSpec, ...]
    records: str | None = None  # the department's records file (exchange.records), None: none in the district

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.category for i in self.items))

    def item(self, name: str) -> ItemSpec | None:
        return next((i for i in self.items if i.name == name), None)


def _i(name: str, category: str, unit: str, monthly: bool = False, ref: str | None = None) -> ItemSpec:
    return ItemSpec(name, category, unit, monthly, ref)


REF_KINDS = ("id_number", "certificate", "account", "plate", "policy", "uscc", "scheme")


KINDS: dict[str, Kind] = {k.kind: k for k in (
    Kind("public_security.hukou", "公安局户籍管理", (
        _i("hukou_area", "identity", "code"), _i("hukou_urban", "identity", "bool"),
        _i("hukou_chongqing", "identity", "bool"), _i("hukou_status", "identity", "code")), "hukou"),
    Kind("public_security.vehicles", "公安局交通管理（车管所）", (_i("vehicle", "vehicles", "code", ref="plate"),),
         "vehicles"),
    Kind("public_security.deaths", "公安局户籍管理（死亡注销）", (_i("death_date", "death", "date"),), "deaths"),
    Kind("hrss.social_security", "人力资源和社会保障局（社会保险）", (
        _i("wage", "income", "fen/month", True, "uscc"), _i("contribution_base", "income", "fen/month", True, "uscc")),
        "social_security"),
    Kind("hrss.pensions", "人力资源和社会保障局（养老金）", (
        _i("pension", "income", "fen/month", True, "scheme"),
        _i("central_basic", "income", "fen/month", True, "scheme")),
        "pensions"),
    Kind("hrss.unemployment", "人力资源和社会保障局（失业保险）", (
        _i("unemployment_benefit", "income", "fen/month", True),), "unemployment"),
    # injury_allowance (伤残津贴) is in the vocabulary for a real 人社; the synthetic records never hold one.
    Kind("hrss.work_injury", "人力资源和社会保障局（工伤保险）", (
        _i("injury_allowance", "income", "fen/month", True), _i("care_paid", "income", "fen/month", True)),
        "work_injury"),
    Kind("medical_insurance", "医疗保障局", (
        _i("out_of_pocket", "spending", "fen/month", True), _i("fund_paid", "spending", "fen/month", True)),
        "medical_insurance"),
    Kind("tax", "国家税务总局重庆市税务局", (
        _i("taxable_income", "income", "fen/month", True, "uscc"),
        _i("tax_withheld", "income", "fen/month", True, "uscc")),
        "tax"),
    Kind("market_regulation", "市场监督管理局", (_i("business", "business", "fen", ref="uscc"),), "market_regulation"),
    Kind("real_estate", "不动产登记中心", (_i("property", "property", "m2", ref="certificate"),), "real_estate"),
    # monthly_deposit: the account's deposit per month on its as-of date (a rate, no month), not a month paid.
    Kind("housing_fund", "住房公积金管理中心", (
        _i("fund_balance", "asset", "fen", ref="account"), _i("monthly_deposit", "asset", "fen/month", ref="account")),
        "housing_fund"),
    Kind("disability_federation", "残疾人联合会", (_i("certificate", "disability", "count", ref="certificate"),),
         "disability_federation"),
    # marital_status's ref is the spouse's ID number (mask it wherever it is shown).
    Kind("civil_affairs.marriage", "民政局婚姻登记处", (_i("marital_status", "family", "code", ref="id_number"),),
         "marriage"),
    Kind("civil_affairs.funeral", "民政局殡葬管理", (_i("cremated_on", "death", "date"),), "funeral"),
    Kind("education", "教育委员会", (_i("school_level", "family", "code"), _i("enrolled", "family", "bool")),
         "education"),
    Kind("bank", "银行", (_i("deposit.balance", "deposit", "fen", ref="account"),), "banks"),
    Kind("insurer", "保险公司", (_i("insurance.cash_value", "insurance", "fen", ref="policy"),), "insurers"),
    Kind("securities", "证券公司", (_i("securities.market_value", "securities", "fen", ref="account"),), "securities"),
)}

# The institution kinds: kind → (records column naming the institution, {endpoint code: institution name}).
INSTITUTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "bank": ("bank", {
        "cqrcb": "重庆农村商业银行", "cqbank": "重庆银行", "sxbank": "重庆三峡银行", "icbc": "中国工商银行重庆市分行",
        "abc": "中国农业银行重庆市分行", "boc": "中国银行重庆市分行", "ccb": "中国建设银行重庆市分行",
        "bocom": "交通银行重庆市分行", "psbc": "中国邮政储蓄银行重庆分行", "cmb": "招商银行重庆分行",
        "cib": "兴业银行重庆分行", "citic": "中信银行重庆分行"}),
    "insurer": ("insurer", {
        "chinalife": "中国人寿重庆市分公司", "pingan": "中国平安人寿重庆分公司", "cpic": "太平洋人寿重庆分公司",
        "taikang": "泰康人寿重庆分公司", "newchina": "新华人寿重庆分公司"}),
    "securities": ("firm", {
        "swsc": "西南证券", "citics": "中信证券重庆分公司", "htsc": "华泰证券重庆营业部",
        "gtja": "国泰君安证券重庆分公司"}),
}


@dataclass(frozen=True)
class EndpointSpec:
    endpoint: str  # e.g. bank.cqrcb, tax
    kind: Kind
    department: str  # the institution's own name for institutions
    institution: str | None = None  # the records' institution value (banks split by their ``bank`` column)


@cache
def catalogue() -> Mapping[str, EndpointSpec]:
    """Every endpoint of the district: 16 departments' registers, then each institution (37 in all).

    Built once and read-only (a report asked for it 39 times a household): callers that want their own copy take
    ``dict(catalogue())``."""
    out: dict[str, EndpointSpec] = {}
    for kind in KINDS.values():
        if kind.kind in INSTITUTIONS:
            for code, name in INSTITUTIONS[kind.kind][1].items():
                out[f"{kind.kind}.{code}"] = EndpointSpec(f"{kind.kind}.{code}", kind, name, name)
        else:
            out[kind.kind] = EndpointSpec(kind.kind, kind, kind.department)
    return MappingProxyType(out)


def kind_of(endpoint: str) -> Kind:
    """The kind an endpoint answers for (``bank.cqrcb`` → bank); KeyError if neither is known."""
    if endpoint in KINDS:
        return KINDS[endpoint]
    head = endpoint.split(".", 1)[0]
    if head in INSTITUTIONS:
        return KINDS[head]
    raise KeyError(endpoint)
