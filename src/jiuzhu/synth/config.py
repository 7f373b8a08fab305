"""Calibration of the synthetic district: every number the generator draws from, in one place.

Targets come from docs/shared domain brief §9 (share aged 65+ about 17 %, about 6 % with a
disability certificate, per-capita disposable income about 47,000 yuan a year urban and 20,800
rural) and §3/§4 (the 低保 lines and the rules, read from ``jiuzhu.rules.law``). The rest are
assumptions of this generator, stated here and in docs/synthetic-data.md; none is law.
The tests in tests/synth hold the outcomes to the stated tolerances.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Household shapes, in the order of the probability vectors below.
SHAPES = (
    "single_elderly",       # one person aged 60+
    "elderly_couple",       # two people aged about 60+
    "single_adult",         # one person 18-59
    "couple",               # two adults, no children in the household
    "couple_with_children",  # two adults and 1-3 children
    "single_parent",        # one adult and 1-2 children
    "three_generations",    # adult couple (or one adult), children, 1-2 of the head's parents
    "skipped_generation",   # grandparents with grandchildren (留守儿童 living with grandparents)
)

# Urban share of households (which 低保 line applies) by district; assumption, see docs.
URBAN_SHARE = {
    "500103": 1.0,   # 渝中区: fully urban core
    "500106": 0.92,  # 沙坪坝区
    "500109": 0.75,  # 北碚区
    "500111": 0.40,  # 大足区: mostly rural (most townships are 镇)
}
DEFAULT_URBAN_SHARE = 0.60


@dataclass(frozen=True)
class SynthConfig:
    """Every tunable number of the generator; defaults are the documented calibration."""

    urban_share: float | None = None  # None: URBAN_SHARE[district] or DEFAULT_URBAN_SHARE
    shape_p_urban: tuple[float, ...] = (0.095, 0.12, 0.13, 0.11, 0.30, 0.055, 0.17, 0.02)
    shape_p_rural: tuple[float, ...] = (0.11, 0.16, 0.10, 0.08, 0.225, 0.045, 0.21, 0.07)
    # Disability certificate (§9: about 6 %): relative risk by age band, scaled by disability_base.
    disability_base: float = 0.054
    disability_age_bands: tuple[int, ...] = (0, 18, 45, 60, 75)
    disability_age_risk: tuple[float, ...] = (0.35, 0.75, 1.25, 2.1, 3.2)
    disability_grade_p: tuple[float, ...] = (0.11, 0.17, 0.30, 0.42)  # grades 1..4: more 3-4 than 1-2
    disability_category_p: dict[str, float] = field(default_factory=lambda: {
        "physical": 0.46, "visual": 0.12, "hearing": 0.14, "speech": 0.01,
        "intellectual": 0.08, "mental": 0.10, "multiple": 0.09})
    disability_expired_share: float = 0.03  # certificates that ran out shortly before the month
    major_illness_p: tuple[float, ...] = (0.005, 0.015, 0.04, 0.08)  # ages <18, 18-44, 45-64, 65+
    excluded_member_share: float = 0.012  # adults other than the head not counted (prison, missing, rehab, clergy)
    # Income, yuan per month (medians of lognormal draws); calibrated to §9 by tests/synth.
    household_sigma: float = 0.35       # household-level factor shared by its earners
    wage_median_urban: float = 6500.0
    wage_median_rural: float = 3600.0
    wage_sigma: float = 0.32
    self_employed_median_urban: float = 6000.0
    self_employed_median_rural: float = 3500.0
    farming_median: float = 1850.0
    employee_pension_median_urban: float = 3600.0
    employee_pension_median_rural: float = 2500.0
    resident_pension_central: int = 143   # 城乡居民基础养老金 central part, yuan/month (synthetic value)
    unemployment_benefit: int = 1850      # yuan/month (synthetic value)
    remittance_share_elderly: float = 0.90  # of elderly heads with an able child elsewhere (draw.py: none without)
    remittance_median: float = 800.0
    migrant_parents_median: float = 2000.0  # sent to grandparents raising their children
    rent_share_urban: float = 0.06
    rent_median: float = 1500.0
    # Assets and property.
    deposit_share: float = 0.86
    deposit_months_median: float = 6.0   # household deposits ≈ this many months of household income
    deposit_months_sigma: float = 1.0
    securities_share_urban: float = 0.07
    securities_share_rural: float = 0.015
    insurance_share: float = 0.10
    car_max_urban: float = 0.42
    car_max_rural: float = 0.28
    motorcycle_max_rural: float = 0.16
    mobility_vehicle_share: float = 0.12  # of people with a physical disability, grade 1-3
    # 工伤保险生活护理费: share of people aged 18+ with a grade 1-2 physical or multiple disability who
    # receive work-injury care pay (no stacking with 重度残疾人护理补贴). An assumption, no source gives a
    # figure: chosen so that every synthetic district exercises the rule (docs/synthetic-data.md).
    work_injury_care_share: float = 0.05
    home_owner_urban: float = 0.78
    home_owner_rural: float = 0.92
    second_home_share: float = 0.06
    business_registered_share: float = 0.70  # of the self-employed
    # Programmes. take_up: share of the natural eligibilities (jiuzhu.rules, every programme) that are enrolled
    # (jiuzhu.synth.enrol_by_rules).
    take_up: float = 0.90
    # Single elderly households built as 特困 cases (no income, no property, no able child): the 五保 elderly,
    # a rural group (nationally 4.47 of 4.78 million 特困 people were rural, docs/synthetic-data.md).
    tekun_share_single_elderly_urban: float = 0.02
    tekun_share_single_elderly_rural: float = 0.15
    # Children living elsewhere (0, 1, 2, 3) of the elderly without children in the household: their legal
    # supporters (特困 condition 3).
    elderly_children_p: tuple[float, ...] = (0.04, 0.30, 0.38, 0.28)
    # Households struck by an emergency (急难: fire, disaster, accident, sudden illness) in the reference month.
    emergency_share: float = 0.001
    # Planted sets: share of households of each kind, at least planted_min per chunk.
    planted_share: dict[str, float] = field(default_factory=lambda: {
        "entitled_unenrolled": 0.005, "enrolled_not_entitled": 0.005,
        "boundary_on_line": 0.005, "boundary_fen_below": 0.005})
    planted_min: int = 3
    # Differences between what households declare and what departments hold.
    wages_underdeclared_share: float = 0.03   # of households with a formally employed member
    hidden_deposit_share: float = 0.02
    undeclared_vehicle_share: float = 0.01
    undeclared_business_share: float = 0.005
    death_share_enrolled: float = 0.03        # of enrolled 低保 households: a member died, payment runs on
    formal_employment_urban: float = 0.80     # employed people with social-security records
    formal_employment_rural: float = 0.40
    employers: int = 300
    # Department records the registry does not hold (jiuzhu.synth.department_draws); assumptions, see docs.
    undeclared_unemployment_share: float = 0.10  # of households with an unemployed member paid no benefit: one
    #                                              is paid it and the household does not declare it
    medical_overdeclared_share: float = 0.05  # of households with medical costs: one member's declared higher
    #                                           than medical insurance paid out (30-70 % of it)
    housing_fund_share: float = 0.70          # of the formally employed: an account of the housing provident fund
    work_injury_wage_base: int = 7600         # yuan/month: 上年度职工月平均工资 that 生活护理费 is a share of
    #                                           (synthetic value)

    def as_dict(self) -> dict:
        return asdict(self)

    def urban_share_for(self, district: str) -> float:
        if self.urban_share is not None:
            return self.urban_share
        return URBAN_SHARE.get(district, DEFAULT_URBAN_SHARE)
