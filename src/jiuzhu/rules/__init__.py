"""Rules as code: an OpenFisca country package for Chongqing social assistance.

``parameters/`` dated YAML citing the law; ``variables/`` formulas by programme;
``tests/`` YAML cases run by ``openfisca test``. ``evaluate`` and ``batch`` run them.
"""

from jiuzhu.rules.system import CountryTaxBenefitSystem, JiuzhuRules, rules

__all__ = ["CountryTaxBenefitSystem", "JiuzhuRules", "rules"]
