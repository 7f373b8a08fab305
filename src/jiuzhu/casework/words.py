"""The words a person types for a case's state, time-limit status or kind — the code (``publicity``), the Chinese
title (公示中) or the English one (under public notice) — read in one place for every face (CLI options, API
queries, the page's filters), like ``registry.codes.parse_programme``. A wrong word is one line listing the words
accepted, each code with its Chinese title."""

from __future__ import annotations

import re

from jiuzhu.casework import limits, machine
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t, translate

BAD_STATE = N_("unknown case state '{state}': use one of {states}")
BAD_STATUS = N_("unknown time-limit status '{status}': use one of {statuses}")
BAD_KIND = N_("unknown kind of case '{kind}': use one of {kinds}")
STATUSES = {code: limits.STATUS_TITLES[code] for code in limits.ORDER}


def parse_state(text: str, field: str | None = "state") -> str:
    """The state ``text`` names (received, 公示中, under public notice …)."""
    found = _find(text, machine.STATE_TITLES)
    if found is None:
        raise JiuzhuError(t(BAD_STATE, state=text.strip(), states=_choices(machine.STATE_TITLES)), field=field)
    return found


def parse_status(text: str, field: str | None = "status") -> str:
    """The time-limit status ``text`` names (breached, 已超期, at risk, 即将超期 …)."""
    found = _find(text, STATUSES)
    if found is None:
        raise JiuzhuError(t(BAD_STATUS, status=text.strip(), statuses=_choices(STATUSES)), field=field)
    return found


def parse_kind(text: str, field: str | None = "kind") -> str:
    """The kind of case ``text`` names (application, 申请案件, review …)."""
    found = _find(text, machine.KIND_TITLES)
    if found is None:
        raise JiuzhuError(t(BAD_KIND, kind=text.strip(), kinds=_choices(machine.KIND_TITLES)), field=field)
    return found


def _find(text: str, titles: dict[str, str]) -> str | None:
    word = (text or "").strip().casefold()
    for code, title in titles.items():
        if word and word in {code, title.casefold(), *_zh(title)}:
            return code
    return None


def _zh(title: str) -> set[str]:
    """The Chinese title, and its words before a bracket or a colon (未知 for 未知（缺少官方工作日历）)."""
    whole = translate(title, "zh")
    return {whole, re.split(r"[（(：:]", whole)[0].strip()}


def _choices(titles: dict[str, str]) -> str:
    return "、".join(f"{translate(title, 'zh')}（{code}）" for code, title in titles.items())


# The inputs of applications and actions by their titles: a message names a field by its title in the reader's
# language (书面理由, not "reasons"); the error's ``field`` stays the code (faces map it to their option or input).
FIELD_TITLES = {
    "reasons": N_("the written reasons"), "reason": N_("the reason for the special case"),
    "note": N_("what was found"), "objection": N_("the objection"), "raised_by": N_("who raised the objection"),
    "missing": N_("the missing papers"), "staff": N_("the staff of the home visit"),
    "visited_on": N_("the day of the home visit"), "verification_id": N_("the verification's number"),
    "verification": N_("the verification's number"), "outcome": N_("the review's outcome"),
    "programmes": N_("the programmes"), "taper_from": N_("the first month of the taper"),
    "filed_for": N_("the resident filed for (帮代办)"), "channel": N_("the channel"), "month": N_("the month"),
    "as_of": N_("the day the departments answer as of"), "expected_version": N_("the version read"),
}
CHANNEL_TITLES = {"phone": N_("phone"), "office": N_("office counter"), "proxy": N_("on a resident's behalf"),
                  "outreach": N_("from a 应享未享 entry"), "resident": N_("by the resident through a link (居民自助)")}


def field_title(name: str) -> str:
    """The title of an input ``name`` in the current language (the code itself when it has none)."""
    title = FIELD_TITLES.get(name)
    return t(title) if title else name


def choices(titles: dict[str, str]) -> str:
    """What a person may type, the title in the current language first, then its code: 审查材料（check）; …"""
    return t("; ").join(f"{t(title)}（{code}）" for code, title in titles.items())
