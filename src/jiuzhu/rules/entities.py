"""The two entities of the rules (the person and the household, 共同生活家庭) and the money value type.

Everyone registered in the household is a member of the entity; whether they count for
income and property (共同生活家庭成员) is the variable ``is_counted_member``.
"""

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.variables import Variable

Person = build_entity(
    key="person",
    plural="persons",
    label="Person",
    doc="A resident.",
    is_person=True,
)

Household = build_entity(
    key="household",
    plural="households",
    label="Household",
    doc="A registered household (户).",
    roles=[{"key": "member", "plural": "members", "label": "Member"}],
)

entities = [Person, Household]

MONEY_DTYPE = np.dtype(np.int64)


class Money(Variable):
    """An amount of money in whole fen, held as 64-bit integers.

    OpenFisca's ``value_type = int`` is numpy ``int32``: 2³¹ fen (21,474,836.48 yuan) of monthly wages
    would wrap to a negative income and pass a means test. Every amount is a ``Money`` variable instead:
    its ``dtype`` is int64, which OpenFisca's holders use for inputs (``set_input`` casts to it), for
    default arrays and for formula results (``Simulation`` casts every result to the variable's dtype).
    A subclass declares ``entity``, ``definition_period`` and ``label`` only: ``value_type`` and
    ``unit`` are set here (OpenFisca reads a variable's attributes from its own class, so they are
    written onto each subclass, not inherited).
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.value_type = int
        cls.unit = "fen"

    def __init__(self, baseline_variable=None) -> None:
        super().__init__(baseline_variable)
        self.dtype = MONEY_DTYPE

    def default_array(self, array_size):
        """An input not given is 0 fen: ``np.zeros`` maps zeroed pages lazily, where OpenFisca's ``empty`` and
        ``fill`` would write every one of the 8 bytes per person."""
        if self.default_value == 0:
            return np.zeros(array_size, dtype=MONEY_DTYPE)
        return super().default_array(array_size)


class ChildAllowanceRule:
    """Codes of the parameter ``orphan.with_dibao_or_tekun``: how a child allowance (孤儿 / 事实无人抚养儿童)
    meets 低保 or 特困 for the same child (domain.md §4; the value is to be confirmed)."""

    BOTH = 0  # both paid in full
    HIGHER = 1  # 就高: the higher of the two is paid, the other not
    TOP_UP = 2  # 补差: 低保 or 特困 paid, the child allowance pays the difference up to its standard

    @staticmethod
    def of(parameters) -> int:
        return int(round(parameters.orphan.with_dibao_or_tekun))
