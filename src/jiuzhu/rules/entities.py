"""The two entities of the rules: the person and the household (共同生活家庭).

Everyone registered in the household is a member of the entity; whether they count for
income and property (共同生活家庭成员) is the variable ``is_counted_member``.
"""

from openfisca_core.entities import build_entity

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
