"""Facts about a household for one month, as the registry loader supplies them (money in fen)."""

from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.entities import Household, Money


class is_urban(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "The urban (城市) 低保 line applies, rather than the rural (农村) one"


class rigid_medical_rehabilitation(Money):
    entity = Household
    definition_period = MONTH
    label = "Medical (after reimbursement) and rehabilitation spending, monthly average over the look-back window"


class rigid_spending_12_months(Money):
    entity = Household
    definition_period = MONTH
    label = "Rigid spending (medical, education, rehabilitation) over the last 12 months"


class rigid_spending_this_month(Money):
    entity = Household
    definition_period = MONTH
    label = "Rigid spending in this month"


class rigid_spending_known(Variable):
    value_type = bool
    default_value = True
    entity = Household
    definition_period = MONTH
    label = "The household's rigid spending is known"


class dibao_enrolled(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Currently enrolled in 低保"


class dibao_current_amount(Money):
    entity = Household
    definition_period = MONTH
    label = "The 低保 amount currently paid each month"


class months_above_line_through_work(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = ("Consecutive months, up to this one, that an enrolled household's income has been above the line "
             "because of work")


class emergency_need(Money):
    entity = Household
    definition_period = MONTH
    label = "Assessed need from an emergency this month (急难): accident, disaster, sudden illness; 0 if none"
