"""The tax-benefit system: entities, parameters and variables of Jiuzhu's rules."""

from __future__ import annotations

from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from jiuzhu.once import built_once
from jiuzhu.rules.entities import entities

HERE = Path(__file__).parent


class JiuzhuRules(TaxBenefitSystem):
    """Chongqing social assistance (分层分类社会救助) as rules."""

    def __init__(self) -> None:
        super().__init__(entities)
        self.load_parameters(str(HERE / "parameters"))
        for folder in sorted((HERE / "variables").iterdir()):
            if folder.is_dir() and not folder.name.startswith("_"):
                self.add_variables_from_directory(str(folder))


CountryTaxBenefitSystem = JiuzhuRules  # the name `openfisca test --country-package` looks for


@built_once
def rules() -> JiuzhuRules:
    """The baseline system, built once per process (under a lock: the web application's threads ask at once)."""
    return JiuzhuRules()
