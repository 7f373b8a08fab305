"""``jiuzhu consent list/request/give/refuse/withdraw/renew/invalidate/link``: personal electronic authorization
(个人电子授权) from the command line, for the operator (the installation's whole jurisdiction).

The rules (who signs, what may follow what, frozen terms) are the consent service's; every change is one row of the
audit log. ``link`` prints the address to send to a member far away and when it expires (the QR code and the phone
page are the web's).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.access import Principal
from jiuzhu.cli.context import ExitCode, actor, check_ref, engine, household_number, open_registry, say_error
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.clock import local_text
from jiuzhu.consent import flows, links, service, states
from jiuzhu.consent.schemas import RecordView
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import check_output, guess_encoding
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas
from jiuzhu.spreadsheet import csv_untext

AsJson = Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))]
HouseholdNo = Annotated[str, typer.Argument(help=N_("the household number, e.g. 500111119-000001"),
                                            show_default=False, callback=household_number)]
RecordId = Annotated[str, typer.Argument(help=N_("the consent record, e.g. CR-3f2a… (jiuzhu consent list shows them)"),
                                         show_default=False)]
PurposeKind = Annotated[str, typer.Option("--purpose", help=N_("what it is for: application, review or spot_check"))]
PurposeRef = Annotated[str, typer.Option("--ref", help=N_("which application or review (free text, may be empty)"),
                                         callback=check_ref)]
Method = Annotated[str, typer.Option(help=N_("how: in_person (signed in front of staff) or paper (a signed form)"))]

ROLE_TITLES = {"self": N_("in person"), "guardian": N_("guardian"), "proxy": N_("written proxy")}


# The service's names of inputs that are options of other names here (the one-line error names the option typed).
OPTIONS = {"signer_role": "role", "capacity_basis": "capacity", "authority_document": "document",
           "purpose_ref": "ref", "signer_id_number": "signer_id", "signer_relation": "relation"}
FOR_ONE_MEMBER = N_("this option names who signs for one member: give --member too (without it, every member "
                    "who must authorize is asked, each with their default signer)")


@contextlib.contextmanager
def _options_named() -> Iterator[None]:
    try:
        yield
    except JiuzhuError as exc:
        exc.field = OPTIONS.get(exc.field, exc.field) if exc.field else None
        raise


def _operator() -> Principal:
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


def _not_in(household_no: str) -> str:
    return t("household {household_no} is not in the registry", household_no=household_no)


def consent_list(
    household_no: HouseholdNo,
    purpose: PurposeKind = "application",
    ref: PurposeRef = "",
    on: Annotated[dt.datetime | None, typer.Option(help=N_("on this day (YYYY-MM-DD); default today"),
                                                   formats=["%Y-%m-%d"])] = None,
    as_json: AsJson = False,
) -> None:
    with _options_named(), session_scope(open_registry(looking_for=_not_in(household_no))) as session:
        found = service.household_consents(session, _operator(), household_no, purpose=Purpose(purpose, ref),
                                           on=on.date() if on else None)
    if as_json:
        print_json(found)
        return
    members = table(t("who must authorize ({purpose}, {day})", purpose=states.purpose_title(purpose, ref),
                      day=found.on.isoformat()),
                    [(t("name"), False), (t("ID number"), False), (t("signs"), False), (t("state"), False),
                     (t("record"), False), (t("valid until"), False)])
    for m in found.members:
        add_row(members, m.name, m.id_number, t(ROLE_TITLES[m.role_needed]), m.reason, m.record_id or "-",
                m.valid_until.isoformat() if m.valid_until else "-")
    print_table(members, t("no member needs to authorize (nobody is counted and alive)"))
    records = table(t("consent records of household {no}", no=household_no),
                    [(t("record"), False), (t("name"), False), (t("signer"), False), (t("purpose"), False),
                     (t("state"), False), (t("receipt"), False), (t("valid until"), False)])
    for r in found.records:
        add_row(records, r.record_id, r.person_name, _signer(r), states.purpose_title(r.purpose_kind, r.purpose_ref),
                r.status_title, r.receipt_no or "-", r.valid_until.isoformat() if r.valid_until else "-")
    print_table(records, t("no consent record yet: jiuzhu consent request {no}", no=household_no))
    say(t("all required authorizations are valid") if found.all_valid
        else t("not every required authorization is valid: verification cannot start"))


def _signer(r: RecordView) -> str:
    if r.signer_role == "self":
        return t(ROLE_TITLES["self"])
    return f"{r.signer_name}（{t(ROLE_TITLES[r.signer_role])}）"


def consent_request(
    household_no: HouseholdNo,
    member: Annotated[str | None, typer.Option(help=N_(
        "the member's ID number; without it, every member who must authorize and has not"))] = None,
    purpose: PurposeKind = "application",
    ref: PurposeRef = "",
    role: Annotated[str | None, typer.Option(help=N_(
        "who signs: self, guardian or proxy (default: self, or guardian for a minor)"))] = None,
    signer: Annotated[str | None, typer.Option(help=N_("the guardian's or proxy's ID number, when a member"))] = None,
    signer_name: Annotated[str | None, typer.Option(help=N_(
        "the guardian's or proxy's name, when not a member"))] = None,
    signer_id: Annotated[str | None, typer.Option(help=N_(
        "the guardian's or proxy's ID number, when not a member"))] = None,
    relation: Annotated[str | None, typer.Option(help=N_("what the signer is to the member"))] = None,
    capacity: Annotated[str | None, typer.Option(help=N_(
        "for a guardian of an adult: no_capacity or limited_capacity"))] = None,
    document: Annotated[str | None, typer.Option(help=N_(
        "the guardianship document or written proxy: its number or reference"))] = None,
    proxy_reason: Annotated[str | None, typer.Option(help=N_("why the member cannot sign (for a proxy)"))] = None,
    as_json: AsJson = False,
) -> None:
    if member is None:  # the signer's options are one member's: never dropped silently
        given = {"role": role, "signer": signer, "signer_name": signer_name, "signer_id": signer_id,
                 "relation": relation, "capacity": capacity, "document": document, "proxy_reason": proxy_reason}
        extra = next((k for k, v in given.items() if v is not None), None)
        if extra:
            raise JiuzhuError(t(FOR_ONE_MEMBER), field=extra)
    with _options_named(), session_scope(engine()) as session:
        if member is None:
            made, skipped = service.request_required(session, _operator(), household_no=household_no,
                                                     purpose=Purpose(purpose, ref))
        else:
            made = [service.request(session, _operator(), household_no=household_no, member=member,
                                    purpose=Purpose(purpose, ref), signer_role=role, signer=signer,
                                    signer_name=signer_name, signer_id_number=signer_id, signer_relation=relation,
                                    capacity_basis=capacity, authority_document=document, proxy_reason=proxy_reason)]
            skipped = []
    if as_json:
        print_json({"records": [r.model_dump(mode="json") for r in made], "not_requested": skipped})
        return
    for r in made:
        say(t("requested {record}: {name}, signed by {signer}", record=r.record_id, name=r.person_name,
              signer=_signer(r)))
    for line in skipped:
        say(t("not requested: {why}", why=line))
    if not made and not skipped:
        say(t("nothing to request: every member has authorized or has a request waiting"))


def _done(r: RecordView, as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    say(t("{record} ({name}): {state}", record=r.record_id, name=r.person_name, state=r.status_title))
    if r.receipt_no:
        say(t("receipt {receipt}; terms SHA-256 {sha}", receipt=r.receipt_no, sha=r.terms_sha256))
    if r.valid_until:
        say(t("valid from {start} to {end}", start=r.valid_from.isoformat(), end=r.valid_until.isoformat()))


def consent_give(
    record_id: RecordId,
    method: Method = "in_person",
    form: Annotated[str | None, typer.Option(help=N_("the signed form's scan: its file name, reference or SHA-256"))]
    = None,
    witness: Annotated[str | None, typer.Option(help=N_("the staff member or witness present"))] = None,
    as_json: AsJson = False,
) -> None:
    evidence = {k: v for k, v in {"form": form, "witness": witness}.items() if v}
    with session_scope(engine()) as session:
        view = service.give(session, _operator(), record_id, method=method, evidence=evidence)
    _done(view, as_json)


def consent_refuse(
    record_id: RecordId,
    method: Method = "in_person",
    form: Annotated[str | None, typer.Option(help=N_("the signed form's scan: its file name, reference or SHA-256"))]
    = None,
    as_json: AsJson = False,
) -> None:
    with session_scope(engine()) as session:
        view = service.refuse(session, _operator(), record_id, method=method,
                              evidence={"form": form} if form else None)
    _done(view, as_json)


def consent_withdraw(
    record_id: RecordId,
    reason: Annotated[str, typer.Option(help=N_("why, as the member said (may be empty)"))] = "",
    as_json: AsJson = False,
) -> None:
    with session_scope(engine()) as session:
        view = service.withdraw(session, _operator(), record_id, reason=reason)
    _done(view, as_json)


def consent_renew(record_id: RecordId, as_json: AsJson = False) -> None:
    with session_scope(engine()) as session:
        view = service.renew(session, _operator(), record_id)
    _done(view, as_json)


def consent_invalidate(
    record_id: RecordId,
    reason: Annotated[str, typer.Option(help=N_("why the record is wrong (it is kept, marked invalid)"),
                                        show_default=False)],
    as_json: AsJson = False,
) -> None:
    with session_scope(engine()) as session:
        view = service.invalidate(session, _operator(), record_id, reason=reason)
    _done(view, as_json)


def consent_link(
    record_id: RecordId,
    base_url: Annotated[str, typer.Option(help=N_("the address members reach the server at"))]
    = "http://127.0.0.1:8000",
    hours: Annotated[int, typer.Option(min=1, max=links.MAX_LINK_HOURS, help=N_(
        "how long the link stays usable"))] = links.LINK_HOURS,
    qr: Annotated[Path | None, typer.Option(help=N_(
        "also write the link's QR code to this SVG file (to print, or to send with the link)"))] = None,
    as_json: AsJson = False,
) -> None:
    if qr is not None:
        check_output(qr, {".svg"}, "--qr")
    with session_scope(engine()) as session:
        issued = links.issue_link(session, _operator(), record_id, base_url=base_url, hours=hours)
    if qr is not None:  # after the commit: a link that exists, even if the file cannot be written
        links.write_qr(issued.url, qr)
    if as_json:
        print_json({"record_id": issued.record_id, "url": issued.url,
                    "expires_at": issued.expires_at.isoformat(timespec="seconds"),
                    "qr": str(qr) if qr is not None else None})
        return
    say(issued.url)
    say(t("send it to the member; usable once, until {until}", until=local_text(issued.expires_at)))
    if qr is not None:
        say(t("its QR code: {path}", path=qr))


def consent_import(
    file: Annotated[Path, typer.Argument(help=N_(
        "a CSV file (UTF-8), one signed form a row; columns in docs/consent.md"), show_default=False)],
    as_json: AsJson = False,
) -> None:
    rows = _csv_rows(file)
    with session_scope(engine()) as session:
        done = flows.import_paper_forms(session, _operator(), rows)
    if as_json:
        print_json({"stored": len(done.record_ids), "record_ids": done.record_ids,
                    "already_imported": len(done.already), "already_record_ids": done.already,
                    "rejected": [{"row": e.record, "field": e.field, "reason": e.reason} for e in done.errors]})
    else:
        say(t("{stored} forms recorded, {rejected} rejected", stored=len(done.record_ids), rejected=len(done.errors)))
        if done.already:  # the same file run again: those rows are there already, nothing is wrong with them
            say(t("{n} rows were imported before (the same member, purpose, signer and form): left as they are",
                  n=len(done.already)))
        for error in done.errors:
            say_error(str(error))
    if done.errors:
        raise typer.Exit(ExitCode.REJECTED)


def _csv_rows(file: Path) -> list[dict[str, str]]:
    if file.is_dir():  # a folder given for the file: said, not the system's English "Is a directory"
        raise JiuzhuError(t(A_FOLDER, path=file))
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise JiuzhuError(t("{path} does not exist: check the name and the folder", path=file)) from None
    except PermissionError:
        raise JiuzhuError(t(CANNOT_READ, file=file, cause=t("permission denied"))) from None
    except OSError as exc:
        raise JiuzhuError(t(CANNOT_READ, file=file, cause=exc.strerror or exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JiuzhuError(t(NOT_UTF8, file=file.name, guess=guess_encoding(data[:4096]))) from None
    reader = csv.DictReader(text.splitlines())
    flows.check_columns(reader.fieldnames or [])
    return [{k: csv_untext(v or "") for k, v in row.items() if k} for row in reader]


CANNOT_READ = N_("cannot read {file}: {cause}")
A_FOLDER = N_("{path} is a folder: give the CSV file of the signed forms (e.g. {path}/forms.csv)")
NOT_UTF8 = N_("{file} is not UTF-8 text ({guess}): save it as CSV UTF-8")
