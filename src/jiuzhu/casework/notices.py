"""The notices sent to the resident, always in Chinese (the resident's language, whatever the staff's screen): a
grant with the amounts and the first month, a rejection or a stop with its written reasons, an adjustment; each
says how to ask for an administrative review (《行政复议法》 art. 20: within 60 days)."""

from __future__ import annotations

from jiuzhu.i18n import N_, translate
from jiuzhu.money import format_yuan
from jiuzhu.registry.codes import Programme

GRANTED = N_("Household {household_no}: your application {application} for {programmes} was approved on {day}. "
             "From {start} you will receive each month: {amounts}. {appeal}")
GRANTED_IN_PART = N_("Household {household_no}: your application {application} was approved on {day} for "
                     "{programmes}. From {start} you will receive each month: {amounts}. Not approved: {refused}. "
                     "Reasons: {reasons} {appeal}")
REJECTED = N_("Household {household_no}: your application {application} for {programmes} was not approved "
              "({day}). Reasons: {reasons} {appeal}")
KEPT = N_("Household {household_no}: the review {case} of {day} found your assistance continues unchanged: "
          "{amounts}. {appeal}")
ADJUSTED = N_("Household {household_no}: after the review {case} of {day} your assistance changes from {start}: "
              "{amounts}. Reasons: {reasons} {appeal}")
STOPPED = N_("Household {household_no}: after the review {case} of {day} your assistance ends on {end}. "
             "Reasons: {reasons} {appeal}")
APPEAL = N_("If you disagree, you may apply for an administrative review within 60 days of receiving this notice, "
            "or bring an administrative suit within 6 months.")
AMOUNT = N_("{programme} {amount} yuan")


def _zh(message: str, **fields) -> str:
    return translate(message, "zh").format(**fields)


def programme_names(codes: list[str]) -> str:
    return "、".join(Programme(c).words("zh") for c in codes)


def amounts(outcome: dict) -> str:
    parts = [_zh(AMOUNT, programme=Programme(p).words("zh"), amount=_yuan_zh(v["fen"])) for p, v in outcome.items()]
    return "；".join(parts)


def _yuan_zh(fen: int | None) -> str:
    # an amount not known says so (未知), never 0.00; in Chinese whatever the staff's language
    return format_yuan(fen) if fen is not None else translate("unknown", "zh")


def notice(message: str, **fields) -> str:
    """``message`` in Chinese with the appeal sentence."""
    return _zh(message, appeal=translate(APPEAL, "zh"), **fields)
