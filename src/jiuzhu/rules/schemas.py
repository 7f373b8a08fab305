"""The evaluation result format, documented by ``docs/schema/evaluation.schema.json`` (generated from these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Amount = Field(pattern=r"^\d+\.\d{2}$", description="yuan, exactly two decimals")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConditionResult(_Model):
    condition: str = Field(description="the rules variable that decides it")
    result: Literal["passed", "failed", "unknown"]
    text: str = Field(description="the condition with the figures used, in the requested language")
    reference: str | None = Field(description="the legal text it implements")


class BreakdownLine(_Model):
    member: str = Field(description="ID number, masked unless asked otherwise")
    name: str
    base: str = Amount
    addon: str = Amount
    amount: str = Amount


class PersonResult(_Model):
    member: str
    name: str
    status: Literal["eligible", "not_eligible", "needs_information"]
    monthly_amount: str | None = Field(pattern=r"^\d+\.\d{2}$")
    conditions: list[ConditionResult]
    care_tier: str | None = None
    care_allowance: str | None = None


class ProgrammeResult(_Model):
    programme: str
    name: str
    status: Literal["eligible", "not_eligible", "needs_information"]
    monthly_amount: str | None = Field(pattern=r"^\d+\.\d{2}$",
                                       description="null when information is missing; 0.00 when not eligible")
    conditions: list[ConditionResult] = Field(default_factory=list)
    breakdown: list[BreakdownLine] | None = None
    persons: list[PersonResult] | None = None


class EvaluationResult(_Model):
    """The decision for one household and one month, per programme, with its reasons."""

    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"$id": "https://jiuzhu.example/schema/evaluation.schema.json"})
    household_no: str
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    language: Literal["zh", "en"]
    total_monthly_amount: str = Amount
    programmes: list[ProgrammeResult]


def json_schema() -> dict[str, Any]:
    schema = EvaluationResult.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
