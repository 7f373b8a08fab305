"""What each programme's decision consists of: its state and amount variables and its conditions, each
with the line a caseworker reads.

The lines are gettext messages (English ``msgid``, Chinese in ``locale/zh/rules.po``), like every other
text of Jiuzhu: one mechanism, and ``tests/test_i18n.py`` keeps both languages complete with the same
{fields}. A line reads figures by name from the evaluated variables; money variables are fen and shown
as yuan with two decimals, enumerations in words (``ENUM_WORDS``). ``{op}`` becomes the outcome that
held: a symbol (``<`` when an income test passed, ``≥`` when it failed) or a phrase, itself translated
and free to use figures.

Every condition a programme's state depends on has its line (``tests/rules/test_rules_conditions.py``
derives them from the formulas); ``explain._relevant`` leaves out the lines of alternative routes that
do not matter for a household. ``notes`` are lines that decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiuzhu.i18n import N_, translate
from jiuzhu.registry.codes import Programme


@dataclass(frozen=True)
class Condition:
    variable: str
    text: str  # the line: an English msgid, with {op} and {figures}
    outcomes: tuple[str, str] = ("", "")  # (when passed, when failed): symbols or msgids
    figures: tuple[str, ...] = ()  # variables the line and its outcomes use
    unknown: str = N_("required information is missing")
    # How a work list (应享未享, 享而不应) says it in a few words, without figures: (passed, failed) msgids; empty: the
    # outcomes. ``listed=False``: not a reason a list gives (an alternative way in, such as the taper).
    short: tuple[str, str] = ()
    listed: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.figures, tuple) or not isinstance(self.outcomes, tuple):
            raise TypeError(f"{self.variable}: outcomes and figures are tuples")

    def outcome(self, passed: bool, lang: str) -> str:
        return _translate(self.outcomes[0 if passed else 1], lang)

    def line(self, lang: str) -> str:
        return _translate(self.text, lang)

    def summary(self, passed: bool, lang: str) -> str:
        """The few words a work list gives for this condition (no figures)."""
        return _translate(self.short[0 if passed else 1], lang) if self.short else self.outcome(passed, lang)

    def unknown_line(self, lang: str) -> str:
        return _translate(self.unknown, lang)


def _translate(msgid: str, lang: str) -> str:
    return translate(msgid, lang) if msgid else ""  # gettext("") would be the catalogue's header


@dataclass(frozen=True)
class Note:
    """A line shown beside the conditions when its count variable is above 0: it decides nothing."""

    variable: str
    text: str  # an English msgid; {count} is the variable's value


@dataclass(frozen=True)
class Spec:
    programme: Programme
    level: str  # "household" or "person"
    state: str
    amount: str | None
    conditions: tuple[Condition, ...]
    gate: str | None = None  # person level: only people passing this condition are listed
    breakdown: tuple[str, ...] = field(default=())
    notes: tuple[Note, ...] = ()


# Enumerations shown as figures: each value's words (an English msgid; the Chinese in the catalogue).
ENUM_WORDS = {
    "tekun_care_tier": {"self_reliant": N_("self-reliant"), "partly_dependent": N_("partly dependent"),
                        "fully_dependent": N_("fully dependent")},
    "child_allowance_rule": {"both": N_("both paid"), "higher": N_("the higher kept"),
                             "top_up": N_("topped up to the child standard")},
}

INCOME_UNKNOWN = N_("a member's income is not known (no declaration or verification), or the household's rigid "
                    "spending, which could be deducted, is not known")
DIBAO_UNKNOWN = N_("whether the household qualifies for the minimum living allowance is not known yet")

INCOME = Condition(
    "dibao_income_test",
    N_("household income per person {dibao_income_per_capita} yuan {op} the minimum-living line {dibao_line} yuan"),
    ("<", "≥"), ("dibao_income_per_capita", "dibao_line"), INCOME_UNKNOWN,
    short=(N_("household income per person below the minimum-living line"),
           N_("household income per person not below the minimum-living line")))
ASSETS = Condition(
    "dibao_assets_test",
    N_("financial assets per person {dibao_assets_per_capita} yuan {op} the limit {dibao_assets_limit_per_capita} yuan"),
    ("≤", ">"), ("dibao_assets_per_capita", "dibao_assets_limit_per_capita"), N_("financial assets are not known"),
    short=(N_("financial assets per person within the limit"), N_("financial assets per person above the limit")))
VEHICLE = Condition("dibao_vehicle_test", "{op}",
                    (N_("no motor vehicle (a disabled person's mobility vehicle aside)"),
                     N_("owns a motor vehicle other than a disabled person's mobility vehicle")),
                    unknown=N_("vehicles are not known"))
HOUSING = Condition("dibao_housing_test", "{op}",
                    (N_("housing within the rules (no second house, or floor area per person below the threshold)"),
                     N_("owns a second house and the floor area per person is not below the threshold")),
                    unknown=N_("real estate is not known"))
BUSINESS = Condition("dibao_business_test", "{op}",
                     (N_("no business registration above the capital limit"),
                      N_("a registered business's capital is above the limit")),
                     unknown=N_("business registrations are not known"))
MEMBERS = Condition("dibao_has_members", "{op}",
                    (N_("there are members to support"), N_("every member is supported as destitute")))
TAPER = Condition("dibao_in_taper", "{op}",
                  (N_("in the taper period after work income rose above the line"), N_("no taper period applies")),
                  listed=False)
SINGLE = Condition("dibao_single_person_any", "{op}",
                   (N_("a member is enrolled alone (a margin household's severely disabled or ill member)"),
                    N_("no member qualifies to be enrolled alone")),
                   unknown=N_("information to enrol a member alone is missing"), listed=False)
PAID = Condition("dibao_paid_members",
                 N_("{op} ({dibao_children_on_allowance} children are paid the orphan or unsupported-child allowance "
                    "instead, the higher being kept)"),
                 (N_("members are paid by the minimum living allowance"),
                  N_("no member is paid by the minimum living allowance")), ("dibao_children_on_allowance",))
PENDING = Note("dibao_members_pending",
               N_("amounts follow what is on record: {count} members' amounts may change once it is recorded "
                  "whether they have a recognised major illness (add-on) or are due a child allowance (the higher "
                  "kept)"))

CHILD_AGE = Condition("child_age_test", "{op}", (N_("under 18"), N_("18 or over")))
PARENTS_UNKNOWN = N_("the parents' situation is not known")
CHILD_KEPT = Condition(
    "child_allowance_kept",
    N_("child allowance {child_allowance_standard} yuan, minimum living allowance or destitute support "
       "{child_other_assistance} yuan ({child_allowance_rule}): {op}"),
    (N_("the child allowance is paid"), N_("the minimum living allowance or destitute support is paid instead")),
    ("child_allowance_standard", "child_other_assistance", "child_allowance_rule"),
    N_("whether the minimum living allowance or destitute support would pay the child more is not known yet"))

SPECS: tuple[Spec, ...] = (
    Spec(Programme.dibao, "household", "dibao_state", "dibao_amount",
         (MEMBERS, INCOME, ASSETS, VEHICLE, HOUSING, BUSINESS, TAPER, SINGLE, PAID),
         notes=(PENDING,), breakdown=("dibao_base_share", "dibao_addon", "dibao_person_amount")),
    Spec(Programme.margin, "household", "margin_state", None, (
        Condition("margin_not_dibao", "{op}",
                  (N_("does not qualify for the minimum living allowance as a whole household"),
                   N_("qualifies for the minimum living allowance as a whole household")), unknown=DIBAO_UNKNOWN,
                  listed=False),
        Condition("margin_income_test",
                  N_("household income per person {dibao_income_per_capita} yuan {op} {margin_multiple} × the line "
                     "= {margin_limit} yuan"),
                  ("<", "≥"), ("dibao_income_per_capita", "margin_multiple", "margin_limit"), INCOME_UNKNOWN,
                  short=(N_("household income per person below the margin limit (a multiple of the line)"),
                         N_("household income per person not below the margin limit (a multiple of the line)"))),
        ASSETS, VEHICLE, HOUSING, BUSINESS)),
    Spec(Programme.rigid_spending, "household", "rigid_state", None, (
        Condition("rigid_not_dibao_nor_margin", "{op}",
                  (N_("neither on the minimum living allowance nor a margin household"),
                   N_("qualifies for the minimum living allowance or as a margin household")),
                  unknown=N_("whether the household qualifies for the minimum living allowance or as a margin "
                             "household is not known yet")),
        Condition("rigid_income_test",
                  N_("household income per person {dibao_income_per_capita} yuan {op} last year's disposable "
                     "income per person, monthly {rigid_income_limit} yuan"),
                  ("<", "≥"), ("dibao_income_per_capita", "rigid_income_limit"),
                  N_("a member's income is not known (no declaration or verification)"),
                  short=(N_("household income per person below last year's disposable income per person"),
                         N_("household income per person not below last year's disposable income per person"))),
        Condition("rigid_spending_test",
                  N_("rigid spending over 12 months {rigid_spending_12_months} yuan {op} {rigid_share_percent}% of "
                     "household income"),
                  (">", "≤"), ("rigid_spending_12_months", "rigid_share_percent"),
                  N_("rigid spending, or a member's income, is not known"),
                  short=(N_("rigid spending over 12 months above the set share of household income"),
                         N_("rigid spending over 12 months not above the set share of household income"))))),
    Spec(Programme.temporary, "household", "temporary_state", "temporary_amount", (
        Condition("temporary_emergency_test", "{op}",
                  (N_("an emergency this month (paid first, papers after)"), N_("no emergency this month"))),
        Condition("temporary_expenditure_test", "{op}",
                  (N_("this month's rigid spending exceeds what the household can bear by "
                      "{temporary_expenditure_need} yuan (cap {temporary_cap} yuan)"),
                   N_("this month's rigid spending does not exceed what the household's income above the line "
                      "can bear")),
                  ("temporary_expenditure_need", "temporary_cap"),
                  N_("rigid spending, or the income that could bear it, is not known"),
                  short=(N_("this month's rigid spending exceeds what the household can bear"),
                         N_("this month's rigid spending does not exceed what the household's income above the "
                            "line can bear"))))),
    Spec(Programme.tekun, "person", "tekun_state", "tekun_amount", (
        Condition("tekun_category", "{op}", (N_("aged, disabled or a minor"), N_("not aged, disabled or a minor"))),
        Condition("tekun_no_working_ability", "{op}", (N_("no working ability"), N_("able to work"))),
        Condition("tekun_own_income_test",
                  N_("own income {counted_income} yuan {op} the minimum-living line {dibao_line} yuan"),
                  ("<", "≥"), ("counted_income", "dibao_line"), N_("own income is not known"),
                  short=(N_("own income below the minimum-living line"),
                         N_("own income at or above the minimum-living line"))),
        Condition("tekun_own_assets_test",
                  N_("own financial assets {financial_assets} yuan {op} the limit {tekun_assets_limit} yuan"),
                  ("≤", ">"), ("financial_assets", "tekun_assets_limit"), N_("own financial assets are not known"),
                  short=(N_("own financial assets within the limit"), N_("own financial assets above the limit"))),
        Condition("tekun_no_able_supporter", "{op}",
                  (N_("no legal supporter, or none able to support"), N_("has a legal supporter able to support")),
                  unknown=N_("legal supporters are not known")),
        Condition("tekun_not_child_allowance", "{op}",
                  (N_("not paid a child allowance instead"),
                   N_("paid the orphan or unsupported-child allowance instead, the higher being kept")),
                  unknown=N_("whether a child allowance is due is not known (the parents' situation)")),
        Condition("tekun_self_care_known", N_("care tier: {tekun_care_tier}"), figures=("tekun_care_tier",),
                  unknown=N_("no self-care assessment"),
                  short=(N_("self-care assessed"), N_("no self-care assessment")))),
         gate="tekun_category", breakdown=("tekun_care_allowance", "tekun_amount")),
    Spec(Programme.disability_living, "person", "disability_living_state", "disability_living_amount", (
        Condition("disability_living_gate", "{op}",
                  (N_("holds a valid disability certificate"), N_("no valid disability certificate"))),
        Condition("disability_living_hukou", "{op}",
                  (N_("household registration (hukou) in Chongqing"),
                   N_("household registration (hukou) outside Chongqing")),
                  unknown=N_("whether the household registration (hukou) is in Chongqing is not known")),
        Condition("disability_living_dibao", "{op}",
                  (N_("member of a household on the minimum living allowance, or enrolled alone"),
                   N_("not in a household on the minimum living allowance")), unknown=DIBAO_UNKNOWN)),
         gate="disability_living_gate"),
    Spec(Programme.disability_care, "person", "disability_care_state", "disability_care_amount", (
        Condition("disability_care_gate", "{op}", (N_("disability grade 1 or 2"), N_("not disability grade 1 or 2"))),
        Condition("disability_care_not_tekun", "{op}",
                  (N_("not on destitute support, whose care allowance covers the same need"),
                   N_("on destitute support, whose care allowance covers the same need")),
                  unknown=N_("whether the person qualifies for destitute support is not known yet")),
        Condition("disability_care_no_injury_care", "{op}",
                  (N_("no work-injury care pay"), N_("receives work-injury care pay")))),
         gate="disability_care_gate"),
    Spec(Programme.orphan, "person", "orphan_state", "child_allowance_amount", (
        CHILD_AGE,
        Condition("orphan_parents_test", "{op}", (N_("both parents have died"), N_("not both parents have died")),
                  unknown=PARENTS_UNKNOWN),
        CHILD_KEPT), gate="child_age_test"),
    Spec(Programme.unsupported_child, "person", "unsupported_child_state", "child_allowance_amount", (
        CHILD_AGE,
        Condition("unsupported_parents_test", "{op}",
                  (N_("both parents unable to care (disabled, ill, imprisoned, missing, stripped of guardianship or "
                      "deported), not both dead"),
                   N_("a parent is able to care, or both have died")),
                  unknown=PARENTS_UNKNOWN),
        CHILD_KEPT), gate="child_age_test"),
)

NO_ONE = N_("no member meets: {condition}")
NOBODY_ALIVE = N_("no member of the household is alive")
