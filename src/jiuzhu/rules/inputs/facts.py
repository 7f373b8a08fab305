"""One definition of each fact both twins compute: the mappings, the supporters' law and the parameters read.

``documents`` (Python, one household at a time) and ``population`` (SQL, millions at a time) import
everything they share from here. Mappings are data, and the SQL is generated from them (``sql_case``,
``sql_values``). The few rules that are logic, not data (who owes support to whom, who is able to give it,
who cannot live independently) are written twice side by side, a Python function and the SQL expression
that ``population`` uses; tests/rules/test_inputs_facts.py evaluates both over every combination of their
inputs and holds them equal, and the Hypothesis test of tests/discovery/test_scan.py holds the two twins
equal on whole households.

Parameters: the inputs read a few of the law's numbers (the look-back window, the 低保 lines, …). They read
them once per month into ``InputParameters``, from the system given (the baseline or a what-if reform), never
from anywhere else: a reform's value reaches the inputs as it reaches the formulas, and two systems whose
``InputParameters`` are equal prepare equal inputs.

Legal supporters (特困 condition 3, 《特困人员认定办法》第十条、第十一条; 《民法典》第1059、1067、1074、1075条):
a supporter S of a person D is owed by their kinship, in the conditions the law states:

    spouse        always (art. 1059)
    parent        D is a minor, or an adult who cannot live independently (in school, or without working
                  ability by disability) (art. 1067)
    child         S is an adult (art. 1067)
    grandparent   D is a minor (art. 1074; only when D's parents are dead or unable, but when they are able
                  D has an able supporter anyway, so an able grandparent settles the question either way)
    grandchild    S is an adult (art. 1074; the same reasoning with D's children)
    sibling       S is an adult elder sibling of a minor D (art. 1075 ¶1, the same reasoning with D's parents);
                  or S is an adult younger sibling of an adult D, owing support only if D raised S (¶2): the
                  registry does not hold that, so such a member leaves the answer unknown
    (grandparents, grandchildren and siblings owe it "with the means", 有负担能力: a member in school has none)

S may be a household member (their kinship worked out from both relations to the head, ``KINSHIP``) or a
supporter row (its relation is the supporter's relation to the person, ``ROW_KINSHIP``). A member is able
(``member_ability``) when alive, counted (共同生活: not in prison, missing, in rehabilitation…), adult and none
of art. 11's cases: 特困 themselves (enrolled); 低保 aged 60+ (enrolled in their own right, 单人保: the 低保 of
the household they share with the person is the household's income test, not a fact about the supporter apart
from the person — read it so, and a couple's answer would turn on its own outcome, 低保 → 特困 → no 低保 → able
again…); aged 70+ or severely disabled with income below last year's per-capita disposable income and assets
within the 特困 limit. A row is able when its status (the latest on
or before the month's end, per supporter) is ``able``. Three values throughout: ``YES``, ``MAYBE`` (the
registry does not say), ``NO``; a person has an able supporter when some supporter is YES on both duty and
ability, and the answer is known when so, or when supporters were looked at (a row, or the household's
declaration) and no supporter is MAYBE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jiuzhu.money import FEN_PER_YUAN
from jiuzhu.months import month_end, month_start, previous_months
from jiuzhu.registry.codes import (
    COUNTED_INCOME,
    SELF_CARE_ACTIVITIES,
    ExclusionReason,
    Relation,
    RigidCategory,
    SupporterStatus,
)
from jiuzhu.rules import law
from jiuzhu.rules.variables.common.person_inputs import DisabilityCategory, ParentStatus

# --------------------------------------------------------------------------- three values

NO, MAYBE, YES = 0, 1, 2  # ordered: "both" is the minimum, "either" the maximum


def both(*values: int) -> int:
    return min(values)


# --------------------------------------------------------------------------- vocabularies → the rules' codes

INCOME_VARIABLES = dict(zip(COUNTED_INCOME, ("income_wages", "income_business", "income_property",
                                            "income_transfer", "income_pension", "income_unemployment"),
                             strict=True))
# The rules' enums by name, in the order of their index (the code both twins give the rules): read from the enums.
DISABILITY_CATEGORIES = [category.name for category in sorted(DisabilityCategory, key=lambda c: c.index)]
PARENT_STATUSES = [status.name for status in sorted(ParentStatus, key=lambda s: s.index)]
PRESENT, DECEASED, UNKNOWN_PARENT = (PARENT_STATUSES.index(s) for s in ("present", "deceased", "unknown"))
# A supporter row of relation ``parent``: the parent's situation for the child allowances (民发〔2019〕62号).
PARENT_STATUS_OF = {
    SupporterStatus.able: "present", SupporterStatus.deceased: "deceased", SupporterStatus.missing: "missing",
    SupporterStatus.prison: "imprisoned", SupporterStatus.incapacitated: "severely_disabled",
    SupporterStatus.severely_disabled: "severely_disabled", SupporterStatus.seriously_ill: "seriously_ill",
    SupporterStatus.guardianship_revoked: "guardianship_revoked", SupporterStatus.deported: "deported",
    SupporterStatus.tekun_or_dibao_aged_60: "present", SupporterStatus.aged_70_or_disabled_low_income: "present",
}
# A parent who is a household member but not counted: the reason says their situation (others: present).
EXCLUDED_PARENT = {ExclusionReason.prison: "imprisoned", ExclusionReason.compulsory_rehab: "imprisoned",
                   ExclusionReason.missing: "missing"}
# Rigid spending deducted from income (domain.md §4 低保: "rigid disability and illness costs").
RIGID_DEDUCTIBLE = (RigidCategory.medical, RigidCategory.rehabilitation)
# Of several statuses of one supporter on one day, the first in this order holds (able first: the answer
# does not depend on the order rows were entered).
STATUS_RANK = {status.value: rank for rank, status in enumerate(SupporterStatus)}
CARE_COLUMNS = tuple(f"can_{a}" for a in SELF_CARE_ACTIVITIES)  # registry columns of the six activities

# Money columns of the inputs: integer fen, 64-bit in both twins (2³¹ fen is a legal monthly income).
PERSON_MONEY = (*INCOME_VARIABLES.values(), "financial_assets", "business_capital")
HOUSEHOLD_MONEY = ("rigid_medical_rehabilitation", "rigid_spending_12_months", "rigid_spending_this_month",
                   "dibao_current_amount", "emergency_need")


def parent_status_code(status: SupporterStatus | str) -> int:
    return PARENT_STATUSES.index(PARENT_STATUS_OF[SupporterStatus(status)])


def member_parent_status(dead: bool, counted: bool, exclusion: ExclusionReason | str | None) -> int:
    """A household member's situation as a parent: dead by the month's end, present, or why not counted."""
    if dead:
        return DECEASED
    if counted or exclusion is None:
        return PRESENT
    return PARENT_STATUSES.index(EXCLUDED_PARENT.get(ExclusionReason(exclusion), "present"))


# --------------------------------------------------------------------------- ages of the supporters' law

ADULT_AGE = 18             # 成年 (《民法典》第十七条)
DIBAO_SUPPORTER_AGE = 60   # "60周岁以上的最低生活保障对象" is unable (《特困人员认定办法》第十一条(二))
OLD_SUPPORTER_AGE = 70     # "70周岁以上的老年人 … 收入低于 …" (第十一条(三))
SEVERE_MAX_GRADE = 2       # 重度残疾人: certificate grade 1 or 2 (第十一条(三))


# --------------------------------------------------------------------------- kinship


class Kin(StrEnum):
    """What a supporter S is to the person D."""

    spouse = "spouse"
    parent = "parent"
    child = "child"
    grandparent = "grandparent"
    grandchild = "grandchild"
    sibling = "sibling"


INVERSE = {Kin.spouse: Kin.spouse, Kin.parent: Kin.child, Kin.child: Kin.parent, Kin.grandparent: Kin.grandchild,
           Kin.grandchild: Kin.grandparent, Kin.sibling: Kin.sibling}

R = Relation
# Two household members by their relations to the head: what the second is to the first, and whether the
# registry's relations make it certain. Every other pair (in-laws of the head, great-grandparents, uncles,
# ``other``: a relation outside the law's list) owes nothing. Written once per unordered pair; ``KINSHIP``
# adds the other direction.
_PAIRS: dict[tuple[Relation, Relation], tuple[Kin, bool]] = {
    (R.head, R.spouse): (Kin.spouse, True),
    (R.head, R.child): (Kin.child, True),
    (R.head, R.parent): (Kin.parent, True),
    (R.head, R.grandparent): (Kin.grandparent, True),
    (R.head, R.grandchild): (Kin.grandchild, True),
    (R.head, R.sibling): (Kin.sibling, True),
    # The head's children are the spouse's (a stepchild raised by them is a child too, art. 1072).
    (R.spouse, R.child): (Kin.child, True),
    (R.spouse, R.grandchild): (Kin.grandchild, True),
    (R.child, R.child): (Kin.sibling, True),
    (R.child, R.parent): (Kin.grandparent, True),
    (R.sibling, R.sibling): (Kin.sibling, True),
    (R.sibling, R.parent): (Kin.parent, True),
    (R.sibling, R.grandparent): (Kin.grandparent, True),
    # Likely but not certain: the relations to the head do not say whose child, parent or spouse.
    (R.child, R.grandchild): (Kin.child, False),
    (R.child_in_law, R.grandchild): (Kin.child, False),
    (R.child, R.child_in_law): (Kin.spouse, False),
    (R.grandchild, R.grandchild): (Kin.sibling, False),
    (R.parent, R.parent): (Kin.spouse, False),
    (R.grandparent, R.grandparent): (Kin.spouse, False),
    (R.parent, R.grandparent): (Kin.parent, False),
}
KINSHIP: dict[tuple[Relation, Relation], tuple[Kin, bool]] = {
    **_PAIRS, **{(b, a): (INVERSE[kin], certain) for (a, b), (kin, certain) in _PAIRS.items()}}

# A supporter row's relation is the supporter's relation to the person. ``other``, ``child_in_law`` (an in-law
# owes no support) and ``head`` name no legal supporter.
ROW_KINSHIP: dict[Relation, Kin] = {R.spouse: Kin.spouse, R.parent: Kin.parent, R.child: Kin.child,
                                    R.grandparent: Kin.grandparent, R.grandchild: Kin.grandchild,
                                    R.sibling: Kin.sibling}


# --------------------------------------------------------------------------- the law's numbers the inputs read


@dataclass(frozen=True)
class InputParameters:
    """Every parameter the input preparation reads, for one month, from one system."""

    month: str
    lookback_months: int
    line_urban_fen: int
    line_rural_fen: int
    tekun_assets_months: int
    disposable_urban_fen: int | None  # a year; None before the first value in force (then "unknown")
    disposable_rural_fen: int | None
    intellectual_mental_max_grade: int
    physical_max_grade: int
    visual_max_grade: int

    @classmethod
    def of(cls, month: str, system=None) -> InputParameters:
        def get(name: str) -> Decimal:
            return law.value(name, month, system)

        def fen(value: Decimal | None) -> int | None:
            return None if value is None else int((value * FEN_PER_YUAN).to_integral_value())

        return cls(month=month, lookback_months=int(get("dibao.income.lookback_months")),
                   line_urban_fen=fen(get("dibao.line.urban")), line_rural_fen=fen(get("dibao.line.rural")),
                   tekun_assets_months=int(get("tekun.property.financial_assets_months")),
                   disposable_urban_fen=fen(law.value_or_none("rigid.disposable_income.urban", month, system)),
                   disposable_rural_fen=fen(law.value_or_none("rigid.disposable_income.rural", month, system)),
                   intellectual_mental_max_grade=int(get("tekun.working_ability.intellectual_mental_max_grade")),
                   physical_max_grade=int(get("tekun.working_ability.physical_max_grade")),
                   visual_max_grade=int(get("tekun.working_ability.visual_max_grade")))

    @property
    def window(self) -> list[str]:
        """The months whose income is averaged: the look-back window before the month."""
        return previous_months(self.month, self.lookback_months)

    @property
    def last12(self) -> list[str]:
        return previous_months(self.month, 12)

    @property
    def start(self):
        return month_start(self.month)

    @property
    def end(self):
        return month_end(self.month)

    def max_grade(self, category: str) -> int:
        """The worst grade at which a disability of ``category`` means no working ability (0: none)."""
        return {"intellectual": self.intellectual_mental_max_grade, "mental": self.intellectual_mental_max_grade,
                "physical": self.physical_max_grade, "multiple": self.physical_max_grade,
                "visual": self.visual_max_grade}.get(category, 0)


# --------------------------------------------------------------------------- the logic, twice


def cannot_live_independently(in_school: bool, category: str, grade: int, p: InputParameters) -> bool:
    """An adult child who cannot live independently (art. 1067): a student, or without working ability by
    a disability (the grades of 《特困人员认定办法》第七条). ``grade`` 0: no valid certificate."""
    return in_school or (grade >= 1 and grade <= p.max_grade(category))


def cannot_live_independently_sql(in_school: str, category: str, grade: str, p: InputParameters) -> str:
    limits = " ".join(f"WHEN '{c}' THEN {p.max_grade(c)}" for c in DISABILITY_CATEGORIES if p.max_grade(c))
    return f"({in_school} OR ({grade} >= 1 AND {grade} <= CASE {category} {limits} ELSE 0 END))"


SUBSIDIARY = (Kin.grandparent, Kin.grandchild, Kin.sibling)  # owed "with the means" (arts. 1074, 1075)


def duty(kin: Kin, certain: bool, d_age: int, d_dependent: bool, s_age: int, s_older: bool,
         s_in_school: bool = False) -> int:
    """Whether S owes D support: YES, MAYBE or NO (module docstring). ``d_dependent``: D cannot live
    independently; ``s_older``: S was born before D; ``s_in_school``: S is a student (without the means)."""
    if kin in SUBSIDIARY and s_in_school:
        owed = NO
    elif kin == Kin.spouse:
        owed = YES
    elif kin == Kin.parent:
        owed = YES if d_age < ADULT_AGE or d_dependent else NO
    elif kin in (Kin.child, Kin.grandchild):
        owed = YES if s_age >= ADULT_AGE else NO
    elif kin == Kin.grandparent:
        owed = YES if d_age < ADULT_AGE else NO
    elif s_age < ADULT_AGE:  # a sibling
        owed = NO
    elif d_age < ADULT_AGE:
        owed = YES if s_older else NO
    else:
        owed = NO if s_older else MAYBE  # ¶2: only if D raised S, which the registry does not hold
    return owed if certain or owed == NO else MAYBE


def duty_sql(kin: str, certain: str, d_age: str, d_dependent: str, s_age: str, s_older: str,
             s_in_school: str = "FALSE") -> str:
    a = ADULT_AGE
    subsidiary = ", ".join(f"'{k}'" for k in SUBSIDIARY)
    owed = f"""CASE WHEN {kin} IN ({subsidiary}) AND {s_in_school} THEN {NO} ELSE CASE {kin}
        WHEN '{Kin.spouse}' THEN {YES}
        WHEN '{Kin.parent}' THEN CASE WHEN {d_age} < {a} OR {d_dependent} THEN {YES} ELSE {NO} END
        WHEN '{Kin.child}' THEN CASE WHEN {s_age} >= {a} THEN {YES} ELSE {NO} END
        WHEN '{Kin.grandchild}' THEN CASE WHEN {s_age} >= {a} THEN {YES} ELSE {NO} END
        WHEN '{Kin.grandparent}' THEN CASE WHEN {d_age} < {a} THEN {YES} ELSE {NO} END
        ELSE CASE WHEN {s_age} < {a} THEN {NO} WHEN {d_age} < {a} THEN CASE WHEN {s_older} THEN {YES} ELSE {NO} END
                  WHEN {s_older} THEN {NO} ELSE {MAYBE} END END END"""
    return f"(CASE WHEN {certain} THEN {owed} ELSE least({owed}, {MAYBE}) END)"


def row_duty(kin: Kin | None, d_age: int, d_dependent: bool) -> int:
    """A supporter row's duty: the conditions on D that the registry holds; the rest the row attests."""
    if kin is None:
        return NO
    if kin == Kin.parent:
        return YES if d_age < ADULT_AGE or d_dependent else NO
    if kin == Kin.grandparent:
        return YES if d_age < ADULT_AGE else NO
    return YES


def row_duty_sql(relation: str, d_age: str, d_dependent: str) -> str:
    owing = ", ".join(f"'{r}'" for r, k in ROW_KINSHIP.items() if k not in (Kin.parent, Kin.grandparent))
    parents = ", ".join(f"'{r}'" for r, k in ROW_KINSHIP.items() if k == Kin.parent)
    grand = ", ".join(f"'{r}'" for r, k in ROW_KINSHIP.items() if k == Kin.grandparent)
    return f"""(CASE WHEN {relation} IN ({owing}) THEN {YES}
        WHEN {relation} IN ({parents}) THEN CASE WHEN {d_age} < {ADULT_AGE} OR {d_dependent} THEN {YES} ELSE {NO} END
        WHEN {relation} IN ({grand}) THEN CASE WHEN {d_age} < {ADULT_AGE} THEN {YES} ELSE {NO} END
        ELSE {NO} END)"""


@dataclass(frozen=True)
class SupporterFacts:
    """What decides whether a household member is able to support (art. 11), for one month."""

    alive: bool
    counted: bool
    age: int
    tekun: bool                 # enrolled in 特困 this month
    dibao: bool                 # enrolled in 低保 alone (单人保) this month
    severe: bool                # a valid certificate of grade 1–2
    urban: bool                 # the household's line and disposable income
    income_known: bool
    income_fen: int             # counted income, monthly average over the window
    assets_known: bool
    assets_fen: int


def member_ability(f: SupporterFacts, p: InputParameters) -> int:
    if not (f.alive and f.counted) or f.age < ADULT_AGE or f.tekun or (f.age >= DIBAO_SUPPORTER_AGE and f.dibao):
        return NO
    if not (f.age >= OLD_SUPPORTER_AGE or f.severe):
        return YES
    disposable = p.disposable_urban_fen if f.urban else p.disposable_rural_fen
    line = p.line_urban_fen if f.urban else p.line_rural_fen
    low_income = MAYBE if not f.income_known or disposable is None else \
        (YES if f.income_fen * 12 < disposable else NO)
    low_assets = MAYBE if not f.assets_known else (YES if f.assets_fen <= line * p.tekun_assets_months else NO)
    return {YES: NO, MAYBE: MAYBE, NO: YES}[both(low_income, low_assets)]


def member_ability_sql(p: InputParameters, *, alive: str, counted: str, age: str, tekun: str, dibao: str,
                       severe: str, urban: str, income_known: str, income: str, assets_known: str,
                       assets: str) -> str:
    def pick(urban_value, rural_value):
        return f"CASE WHEN {urban} THEN {sql_fen(urban_value)} ELSE {sql_fen(rural_value)} END"

    # Money in 64 bits: DuckDB types a literal by its size (77000 is an INTEGER), and a what-if's line times
    # the months overflows 32 bits (a line of 1,000,000 yuan is 10⁸ fen, × 24 months > 2³¹).
    disposable = pick(p.disposable_urban_fen, p.disposable_rural_fen)
    line = pick(p.line_urban_fen, p.line_rural_fen)
    low_income = (f"CASE WHEN NOT {income_known} OR ({disposable}) IS NULL THEN {MAYBE} "
                  f"WHEN {sql_bigint(income)} * 12 < ({disposable}) THEN {YES} ELSE {NO} END")
    low_assets = (f"CASE WHEN NOT {assets_known} THEN {MAYBE} "
                  f"WHEN {sql_bigint(assets)} <= ({line}) * {p.tekun_assets_months} THEN {YES} ELSE {NO} END")
    return f"""(CASE WHEN NOT ({alive} AND {counted}) OR {age} < {ADULT_AGE} OR {tekun}
                       OR ({age} >= {DIBAO_SUPPORTER_AGE} AND {dibao}) THEN {NO}
                  WHEN NOT ({age} >= {OLD_SUPPORTER_AGE} OR {severe}) THEN {YES}
                  ELSE {YES} - least({low_income}, {low_assets}) END)"""


def supporters_answer(contributions: list[int], looked_at: bool) -> tuple[bool, bool]:
    """(has an able supporter, known) from each supporter's min(duty, ability)."""
    able = YES in contributions
    return able, able or (looked_at and MAYBE not in contributions)


# --------------------------------------------------------------------------- SQL from the data


def _sql(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def sql_fen(fen: int | None) -> str:
    """An amount of fen as a 64-bit SQL literal (``NULL`` if not known): arithmetic on it stays in 64 bits."""
    return "NULL" if fen is None else f"CAST({int(fen)} AS BIGINT)"


def sql_bigint(expression: str) -> str:
    """An SQL expression of money (fen) as 64 bits, whatever the type its column or literal has."""
    return f"CAST({expression} AS BIGINT)"


def sql_in(values) -> str:
    return "(" + ", ".join(_sql(str(v)) for v in values) + ")"


def sql_case(column: str, mapping: dict, default) -> str:
    whens = " ".join(f"WHEN {_sql(str(k))} THEN {_sql(v)}" for k, v in mapping.items())
    return f"(CASE {column} {whens} ELSE {_sql(default)} END)"


def sql_values(rows: list[tuple], columns: tuple[str, ...]) -> str:
    """An inline table: ``(VALUES (…), (…)) AS t(columns)``."""
    body = ", ".join("(" + ", ".join(_sql(v) for v in row) + ")" for row in rows)
    return f"(VALUES {body}) AS t({', '.join(columns)})"


def month_number_sql(expression: str) -> str:
    """SQL twin of ``months.month_number`` (year × 12 + month) of a 'YYYY-MM' expression."""
    return f"(CAST(substr({expression}, 1, 4) AS INTEGER) * 12 + CAST(substr({expression}, 6, 2) AS INTEGER))"


def age_sql(birth: str, on) -> str:
    """SQL twin of ``months.age_on``: whole years on the day ``on`` (a date) of the date expression ``birth``."""
    return (f"(year(DATE '{on}') - year({birth}) "
            f"- CAST(month({birth}) * 100 + day({birth}) > {on.month * 100 + on.day} AS INTEGER))")


def kinship_rows() -> list[tuple[str, str, str, bool]]:
    """``KINSHIP`` as rows (person's relation, supporter's relation, kin, certain), for SQL."""
    return [(a.value, b.value, kin.value, certain) for (a, b), (kin, certain) in sorted(KINSHIP.items())]
