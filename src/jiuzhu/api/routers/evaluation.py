"""Evaluations with their explanations, condition by condition, citing the law: a stored household's
(``GET /api/v1/households/{no}/evaluation``) and a posted household's (``POST /api/v1/evaluate``, nothing stored).
The same service as ``jiuzhu evaluate`` (``rules.explain.evaluate``, through ``evaluate_one``: requests arriving
together share one run of the rules): the same result, the same messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.i18n import N_, language, t
from jiuzhu.registry import interchange, search
from jiuzhu.rules import law
from jiuzhu.rules.explain import evaluate_one

router = APIRouter(tags=["evaluation"], responses=ERRORS)
Evaluator = Annotated[Principal, Depends(require(Permission.EVALUATE))]
Month = Annotated[str, Query(max_length=7, description="the month to decide, YYYY-MM (docs/rules.md)")]
POSTED = N_("the posted household")
DEFAULT_MONTH = "2025-08"  # as jiuzhu evaluate's


@router.get("/households/{household_no}/evaluation", response_model=dict[str, Any],
            summary="Every programme's result for a stored household, explained (docs/schema/evaluation.schema.json)")
def household_evaluation(household_no: str, session: DbSession, who: Evaluator,
                         month: Month = DEFAULT_MONTH) -> dict[str, Any]:
    month = law.check_month(month)  # before anything is read
    doc = search.household_for(session, who, household_no, purpose="evaluate")
    return evaluate_one(doc, month, lang=language())


@router.post("/evaluate", response_model=dict[str, Any],
             summary="Evaluate a posted household document (docs/schema/household.schema.json); nothing stored")
def evaluate_posted(who: Evaluator, document: Annotated[dict[str, Any], Body(
        description="one household in the interchange format (docs/schema/household.schema.json)")],
                    month: Month = DEFAULT_MONTH) -> dict[str, Any]:
    month = law.check_month(month)
    doc = interchange.parse_record(t(POSTED), document)[1]
    return evaluate_one(doc, month, lang=language())  # with the others posted meanwhile: one run of the rules
