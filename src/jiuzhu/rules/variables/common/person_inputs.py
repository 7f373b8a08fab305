"""Facts about a person, as the registry loader supplies them for one month.

Money is integer fen (分), 64-bit (``Money``). Incomes are monthly averages over the look-back window,
pre-aggregated by the loader (jiuzhu.rules.inputs.documents), rounded half up to the fen.
Each ``*_known`` flag is False when the registry cannot say: a rule needing that
fact then answers "needs information" instead of treating it as zero.
"""

from datetime import date

from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.entities import Money, Person


class birth_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = "Date of birth (from the ID number)"


class is_counted_member(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "共同生活家庭成员: counts for the household's income and property"


class income_wages(Money):
    entity = Person
    definition_period = MONTH
    label = "工资性收入, monthly average over the look-back window (fen)"


class income_business(Money):
    entity = Person
    definition_period = MONTH
    label = "经营净收入, monthly average over the look-back window (fen)"


class income_property(Money):
    entity = Person
    definition_period = MONTH
    label = "财产净收入, monthly average over the look-back window (fen)"


class income_transfer(Money):
    entity = Person
    definition_period = MONTH
    label = "转移净收入, monthly average over the look-back window (fen)"


class income_pension(Money):
    entity = Person
    definition_period = MONTH
    label = "养老金, monthly average over the look-back window (fen)"


class income_unemployment(Money):
    entity = Person
    definition_period = MONTH
    label = "失业保险金, monthly average over the look-back window (fen)"


class income_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's income over the look-back window is known"


class financial_assets(Money):
    entity = Person
    definition_period = MONTH
    label = "Deposits, securities and insurance cash value (fen)"


class assets_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's financial assets are known"


class owns_motor_vehicle(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Owns a motor vehicle other than a disabled person's mobility vehicle"


class vehicles_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's vehicles are known"


class residential_properties(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Number of residential properties owned"


class residential_floor_area(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    unit = "m2"
    label = "Floor area of the residential properties owned (m²)"


class property_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's real estate is known"


class business_capital(Money):
    entity = Person
    definition_period = MONTH
    label = "Registered capital of businesses owned (fen)"


class business_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's business registrations are known"


class DisabilityCategory(Enum):
    none = "无"
    visual = "视力"
    hearing = "听力"
    speech = "言语"
    physical = "肢体"
    intellectual = "智力"
    mental = "精神"
    multiple = "多重"


class disability_category(Variable):
    value_type = Enum
    possible_values = DisabilityCategory
    default_value = DisabilityCategory.none
    entity = Person
    definition_period = MONTH
    label = "Category of a disability certificate valid in the month"


class disability_grade(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Grade (1–4) of a disability certificate valid in the month; 0 = none"


class major_illness(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Has a recognised major illness (重大疾病)"


class major_illness_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "Whether the person has a major illness is known"


class self_care_failed_activities(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Number of the six daily activities the person cannot do unaided"


class self_care_assessed(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "A self-care assessment exists"


class in_school(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Enrolled in school (preschool to undergraduate)"


class hukou_chongqing(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "户籍 in Chongqing"


class hukou_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "Whether the 户籍 is in Chongqing is known"


class has_able_supporter(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "Has a legal supporter able to support them (法定赡养抚养扶养义务人有履行能力)"


class supporters_known(Variable):
    value_type = bool
    default_value = True
    entity = Person
    definition_period = MONTH
    label = "The person's legal supporters and their ability are known"


class receives_work_injury_care(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Receives work-injury care pay (工伤保险生活护理费)"


class in_institution(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Lives in a welfare institution (机构集中养育/供养)"


class ParentStatus(Enum):
    present = "在世且能抚养"
    deceased = "死亡"
    missing = "失踪"
    severely_disabled = "重残"
    seriously_ill = "重病"
    imprisoned = "服刑"
    guardianship_revoked = "被撤销监护资格"
    deported = "被遣送(驱逐)出境"
    unknown = "未知"


class father_status(Variable):
    value_type = Enum
    possible_values = ParentStatus
    default_value = ParentStatus.present
    entity = Person
    definition_period = MONTH
    label = "Situation of the father"


class mother_status(Variable):
    value_type = Enum
    possible_values = ParentStatus
    default_value = ParentStatus.present
    entity = Person
    definition_period = MONTH
    label = "Situation of the mother"
