"""``jiuzhu apply-link HOUSEHOLD``: a signed, expiring link for the household's applicant to apply on a phone
(申请救助; ``casework.selfservice``). ``apply`` is one command already (filing at the office), so this is a command
of its own beside it. It prints the link to copy into an SMS (nothing is sent) and when it expires; ``--qr`` also
writes its QR code. The operator issues it, as ``consent link`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.access import Principal
from jiuzhu.cli.context import actor, household_number, open_registry, options_named
from jiuzhu.cli.output import print_json, say
from jiuzhu.clock import local_text
from jiuzhu.db import session_scope
from jiuzhu.files import check_output
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas

HELP = N_("A signed link for a household's applicant to apply on their own phone (申请救助): prints the address to "
          "send by SMS and when it expires; usable once.")


def _operator() -> Principal:
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


def apply_link(
    household_no: Annotated[str, typer.Argument(help=N_("the household number, e.g. 500111119-000001"),
                                                show_default=False, callback=household_number)],
    member: Annotated[str | None, typer.Option(help=N_(
        "who applies: a member's name or ID number (default: the head of the household)"))] = None,
    # selfservice.MAX_LINK_HOURS and LINK_HOURS (the service is imported when the command runs; a test keeps them equal)
    hours: Annotated[int, typer.Option(min=1, max=720, help=N_("how long the link stays usable"))] = 72,
    base_url: Annotated[str, typer.Option(help=N_("the address residents reach the server at"))]
    = "http://127.0.0.1:8000",
    qr: Annotated[Path | None, typer.Option(help=N_(
        "also write the link's QR code to this SVG file (to print, or to send with the link)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))] = False,
) -> None:
    from jiuzhu.casework import selfservice
    from jiuzhu.consent.links import write_qr

    if qr is not None:
        check_output(qr, {".svg"}, "--qr")
    with options_named({"household_no": None}), session_scope(open_registry()) as session:
        issued = selfservice.issue_link(session, _operator(), household_no, base_url=base_url, hours=hours,
                                        member=member)
    if qr is not None:  # after the commit: a link that exists, even if the file cannot be written
        write_qr(issued.url, qr)
    if as_json:
        print_json({"household_no": issued.household_no, "applicant": issued.applicant, "url": issued.url,
                    "expires_at": issued.expires_at.isoformat(timespec="seconds"),
                    "qr": str(qr) if qr is not None else None})
        return
    say(issued.url)
    say(t("send it to {name} by SMS; usable once, until {until}", name=issued.applicant,
          until=local_text(issued.expires_at)))
    if qr is not None:
        say(t("its QR code: {path}", path=qr))
