"""The departments' record format: one Arrow schema per source, the records keyed by ID number (departments
know no households). The synthetic district writes these files, the scan and the coming verification adapters
and department simulator read them; docs/synthetic-data.md describes each field.

Money is integer fen, dates are dates, and every value has a declared range (``RANGES``). A record a department
does not hold is absent: no file has a row of zeros or NULLs standing for "unknown" or "none"."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


def schema_of(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t in fields])


STR, I64, DATE, BOOL = pa.string(), pa.int64(), pa.date32(), pa.bool_()
_s = schema_of

# Outside departments' raw records: the truth, keyed by ID number (departments know no households).
DEPARTMENT_SCHEMAS: dict[str, pa.Schema] = {
    "banks": _s(("id_number", STR), ("name", STR), ("bank", STR), ("account_no", STR), ("account_type", STR),
                ("balance_fen", I64), ("as_of", DATE)),
    "securities": _s(("id_number", STR), ("name", STR), ("firm", STR), ("account_no", STR),
                     ("market_value_fen", I64), ("as_of", DATE)),
    "insurers": _s(("id_number", STR), ("name", STR), ("insurer", STR), ("policy_no", STR),
                   ("cash_value_fen", I64), ("as_of", DATE)),
    "vehicles": _s(("id_number", STR), ("name", STR), ("plate", STR), ("vehicle_type", STR),
                   ("registered_on", DATE), ("status", STR)),
    "real_estate": _s(("id_number", STR), ("name", STR), ("certificate_no", STR), ("location", STR), ("use", STR),
                      ("floor_area_m2", pa.decimal128(10, 2)), ("registered_on", DATE)),
    "pensions": _s(("id_number", STR), ("name", STR), ("month", STR), ("scheme", STR), ("amount_fen", I64),
                   ("central_basic_fen", I64)),
    "social_security": _s(("id_number", STR), ("name", STR), ("month", STR), ("employer_uscc", STR),
                          ("employer_name", STR), ("wage_fen", I64), ("contribution_base_fen", I64)),
    "tax": _s(("id_number", STR), ("name", STR), ("month", STR), ("income_type", STR),
              ("withholding_agent_uscc", STR), ("income_fen", I64), ("tax_withheld_fen", I64)),
    "market_regulation": _s(("uscc", STR), ("name", STR), ("entity_type", STR), ("legal_rep_id_number", STR),
                            ("legal_rep_name", STR), ("registered_capital_fen", I64), ("established_on", DATE),
                            ("status", STR)),
    "disability_federation": _s(("id_number", STR), ("name", STR), ("certificate_no", STR), ("category", STR),
                                ("grade", I64), ("valid_from", DATE), ("valid_to", DATE)),
    "deaths": _s(("id_number", STR), ("name", STR), ("death_date", DATE), ("reported_by", STR),
                 ("cremated", BOOL)),
    # 公安 户籍: every member's registration. status 正常, or 死亡注销 once a death is known to 公安 (``deaths``).
    "hukou": _s(("id_number", STR), ("name", STR), ("hukou_area_code", STR), ("urban", BOOL),
                ("registered_on", DATE), ("status", STR)),
    # 人社 失业保险金: a row per month paid.
    "unemployment": _s(("id_number", STR), ("name", STR), ("month", STR), ("benefit_fen", I64)),
    # 人社 工伤保险: a row per month of 生活护理费 (工伤保险条例 art. 34) paid, so care paid = a row for the month;
    # 伤残津贴 is not generated (docs/synthetic-data.md).
    "work_injury": _s(("id_number", STR), ("name", STR), ("month", STR), ("injury_grade", I64),
                      ("care_level", STR), ("care_fen", I64)),
    # 医保: a row per month with costs left to the insured after reimbursement (the registry's rigid medical
    # spending), and what the fund paid.
    "medical_insurance": _s(("id_number", STR), ("name", STR), ("month", STR), ("out_of_pocket_fen", I64),
                            ("fund_paid_fen", I64)),
    # 公积金中心: each account paid into, its balance and monthly deposit (employee and employer) on as_of.
    "housing_fund": _s(("id_number", STR), ("name", STR), ("account_no", STR), ("employer_uscc", STR),
                       ("balance_fen", I64), ("monthly_deposit_fen", I64), ("status", STR), ("as_of", DATE)),
    # 民政 婚姻登记: one row per partner of each registered marriage.
    "marriage": _s(("id_number", STR), ("name", STR), ("marital_status", STR), ("spouse_id_number", STR),
                   ("spouse_name", STR), ("registered_on", DATE)),
    # 教育 学籍: every pupil and student, and the school-age young who left school (enrolled false).
    "education": _s(("id_number", STR), ("name", STR), ("school_level", STR), ("enrolled", BOOL),
                    ("school_name", STR), ("as_of", DATE)),
    # 民政 殡葬: each cremation (the deaths' ``cremated`` true), by the funeral home that did it.
    "funeral": _s(("id_number", STR), ("name", STR), ("death_date", DATE), ("cremated_on", DATE),
                  ("funeral_home", STR)),
}

MAX_FEN = 99_999_999_999_999  # 999,999,999,999.99 yuan: the registry's bound on any amount
SCHOOL_LEVELS = ("preschool", "primary", "junior_secondary", "senior_secondary", "vocational", "undergraduate",
                 "postgraduate")  # the registry's codes (registry.codes.SchoolLevel)


@dataclass(frozen=True)
class Range:
    """What a field may hold. ``low``/``high`` bound numbers (inclusive); ``values`` lists the codes; a date's
    bounds are relative and said in ``note``: every date is on or before the reference date of the records
    unless ``after_reference`` (the end of a validity); ``nullable`` fields may be NULL, the others never are."""

    unit: str
    low: int | None = None
    high: int | None = None
    values: tuple[str, ...] | None = None
    nullable: bool = False
    note: str = ""
    after_reference: bool = False


_ID = Range("code", note="18-character resident ID number (GB 11643), a person of the registry")
_NAME = Range("text", note="the person's name as in the registry")
_MONTH = Range("month", note="YYYY-MM, a month of the income window")
_DATE = Range("date", note="on or before the reference date")


def _fen(low: int = 1) -> Range:
    return Range("fen", low, MAX_FEN)


_USCC = Range("code", note="18-character unified social credit code (GB 32100)")
_TEXT = Range("text")


RANGES: dict[str, dict[str, Range]] = {
    "banks": {"id_number": _ID, "name": _NAME, "bank": _TEXT,
              "account_no": Range("code", note="19 digits, prefix 9955 (no card scheme issues it)"),
              "account_type": Range("code", values=("活期", "定期")), "balance_fen": _fen(), "as_of": _DATE},
    "securities": {"id_number": _ID, "name": _NAME, "firm": _TEXT, "account_no": Range("code", note="12 digits"),
                   "market_value_fen": _fen(), "as_of": _DATE},
    "insurers": {"id_number": _ID, "name": _NAME, "insurer": _TEXT, "policy_no": Range("code", note="P + 15 digits"),
                 "cash_value_fen": _fen(), "as_of": _DATE},
    "vehicles": {"id_number": _ID, "name": _NAME, "plate": Range("code", note="渝A + 5 characters"),
                 "vehicle_type": Range("code", values=("car", "motorcycle", "truck")), "registered_on": _DATE,
                 "status": Range("code", values=("正常",))},
    "real_estate": {"id_number": _ID, "name": _NAME, "certificate_no": _TEXT, "location": _TEXT,
                    "use": Range("code", values=("residential", "commercial")),
                    "floor_area_m2": Range("m2", note="decimal(10, 2), above 0"), "registered_on": _DATE},
    "pensions": {"id_number": _ID, "name": _NAME, "month": _MONTH,
                 "scheme": Range("code", values=("employee", "resident")), "amount_fen": _fen(),
                 "central_basic_fen": Range("fen", 1, MAX_FEN, nullable=True,
                                            note="the residents' scheme's central part; NULL in the employee "
                                                 "scheme, which has none")},
    "social_security": {"id_number": _ID, "name": _NAME, "month": _MONTH, "employer_uscc": _USCC,
                        "employer_name": _TEXT, "wage_fen": _fen(), "contribution_base_fen": _fen()},
    "tax": {"id_number": _ID, "name": _NAME, "month": _MONTH, "income_type": Range("code", values=("工资薪金",)),
            "withholding_agent_uscc": _USCC, "income_fen": _fen(),
            "tax_withheld_fen": Range("fen", 0, MAX_FEN, note="0: the income was below the threshold")},
    "market_regulation": {"uscc": _USCC, "name": _TEXT, "entity_type": Range("code", values=("个体工商户",)),
                          "legal_rep_id_number": _ID, "legal_rep_name": _NAME, "registered_capital_fen": _fen(),
                          "established_on": _DATE, "status": Range("code", values=("存续",))},
    "disability_federation": {"id_number": _ID, "name": _NAME,
                              "certificate_no": Range("code", note="ID number + category digit + grade"),
                              "category": Range("code", values=("physical", "visual", "hearing", "speech",
                                                                "intellectual", "mental", "multiple")),
                              "grade": Range("count", 1, 4),
                              # Synthetic flaw, kept (the registry of a seed must not change): a certificate
                              # starts 180 days after birth at the earliest, after the reference date for a
                              # disabled baby younger than that (docs/synthetic-data.md, Not modelled).
                              "valid_from": Range("date", after_reference=True,
                                                  note="on or before the reference date, but for babies"),
                              "valid_to": Range("date", after_reference=True,
                                                note="valid_from + 10 years − 1 day; may be past")},
    "deaths": {"id_number": _ID, "name": _NAME, "death_date": _DATE,
               "reported_by": Range("code", values=("public_security", "funeral")), "cremated": Range("bool")},
    "hukou": {"id_number": _ID, "name": _NAME,
              "hukou_area_code": Range("code", note="9-digit Chongqing township code, or a 6-digit county code "
                                                    "elsewhere"),
              "urban": Range("bool", note="城镇户口 (true) or 农村户口"),
              "registered_on": Range("date", note="between the birth date and the reference date"),
              "status": Range("code", values=("正常", "死亡注销"))},
    "unemployment": {"id_number": _ID, "name": _NAME, "month": _MONTH, "benefit_fen": _fen()},
    "work_injury": {"id_number": _ID, "name": _NAME, "month": _MONTH, "injury_grade": Range("count", 1, 10),
                    "care_level": Range("code", values=("完全不能自理", "大部分不能自理", "部分不能自理")),
                    "care_fen": _fen()},
    "medical_insurance": {"id_number": _ID, "name": _NAME, "month": _MONTH, "out_of_pocket_fen": _fen(),
                          "fund_paid_fen": _fen(0)},
    "housing_fund": {"id_number": _ID, "name": _NAME, "account_no": Range("code", note="12 digits"),
                     "employer_uscc": Range("code", note="18-character unified social credit code"),
                     "balance_fen": _fen(), "monthly_deposit_fen": _fen(), "status": Range("code", values=("正常",)),
                     "as_of": _DATE},
    "marriage": {"id_number": _ID, "name": _NAME, "marital_status": Range("code", values=("married",)),
                 "spouse_id_number": _ID, "spouse_name": _NAME,
                 "registered_on": Range("date", note="on or after the man's 22nd and the woman's 20th birthday "
                                                     "(民法典 art. 1047), on or before the reference date")},
    "education": {"id_number": _ID, "name": _NAME, "school_level": Range("code", values=SCHOOL_LEVELS),
                  "enrolled": Range("bool", note="false: left school (the last level attended)"),
                  "school_name": Range("text"), "as_of": _DATE},
    "funeral": {"id_number": _ID, "name": _NAME, "death_date": _DATE,
                "cremated_on": Range("date", note="0-5 days after the death date"),
                "funeral_home": Range("text")},
}
