"""申请救助 on the resident's phone (casework.selfservice): the office issues a signed link for the household's
applicant; the resident opens it, checks who they are, applies; the application is filed (channel ``resident``), its
progress readable in plain words. One use, expiry, tampering, a newer link, the lock after wrong checks; form
mistakes refused naming the field with nothing filed; audited; migration 0017 goes down and up."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from jiuzhu import migrate, signed_links
from jiuzhu.access import Role
from jiuzhu.casework import selfservice
from jiuzhu.casework import service as case_service
from jiuzhu.casework.models import Application, ApplicationLink, Case
from jiuzhu.consent import links as consent_links
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.i18n import use_language
from tests.casework.conftest import principal
from tests.consent.conftest import HEAD, HH, OTHER

BASE = "https://jiuzhu.example"
RIGHT = HEAD[-6:]


def issue(engine, who=None, **kw) -> selfservice.Issued:
    with session_scope(engine) as session:
        return selfservice.issue_link(session, who or principal(), HH, base_url=BASE, **kw)


def token_of(issued: selfservice.Issued) -> str:
    assert issued.url.startswith(f"{BASE}/a/")
    return issued.url.removeprefix(f"{BASE}/a/")


def submit(engine, token: str, check: str = RIGHT, programmes=("dibao",), phone="13800001234", note="") -> object:
    with session_scope(engine) as session:
        return selfservice.submit(session, token, identity_check=check, programmes=list(programmes), phone=phone,
                                  note=note)


def refused(engine, token: str) -> selfservice.LinkError:
    with session_scope(engine) as session, pytest.raises(selfservice.LinkError) as caught:
        selfservice.open_link(session, token)
    return caught.value


def actions(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT action FROM audit_log WHERE action LIKE 'casework.apply%' "
                                                "ORDER BY seq"))]


def test_a_resident_applies_through_the_link_and_reads_the_progress(world, today):
    issued = issue(world)
    assert issued.applicant.endswith("*") and "*" not in issued.applicant[:1]
    token = token_of(issued)
    with session_scope(world) as session:
        shown = selfservice.open_link(session, token)
        assert {c.programme for c in shown.choices} >= {"dibao", "tekun", "temporary"}
        assert shown.papers and shown.attempts_left == signed_links.MAX_FAILED_CHECKS
        assert all(isinstance(c.hint, bool) for c in shown.choices)
    done = submit(world, token, programmes=["temporary", "dibao", "dibao"], phone=" １３８ ０００ ０１２３４ ",
                  note="老伴住院")
    assert done.done and done.application_no.startswith("A")
    with session_scope(world) as session:
        app = session.scalars(select(Application).where(Application.application_no == done.application_no)).one()
        assert (app.channel, app.programmes, app.household_no) == ("resident", ["temporary", "dibao"], HH)
        assert app.filed_by.startswith("link:") and app.filed_for and "*" not in app.filed_for
        link = session.scalars(select(ApplicationLink)).one()
        assert (link.application_id, link.contact_phone, link.note) == (app.id, "13800001234", "老伴住院")
        assert link.used_at is not None and link.token_sha256 == signed_links.digest(token)
        seen = selfservice.progress(session, done.progress_token)
    assert (seen.application_no, seen.step) == (done.application_no, "received")
    assert seen.applicant.endswith("*") and seen.missing == [] and seen.papers
    assert actions(world) == ["casework.apply_link", "casework.apply_link_open", "casework.apply_link_used"]
    again = refused(world, token)  # one use: the resident is led to the progress page
    assert (again.code, again.progress_token) == ("used", done.progress_token)


def test_the_progress_says_what_is_missing_and_then_the_investigation(world, today):
    done = submit(world, token_of(issue(world)))
    with session_scope(world) as session:
        case = session.scalars(select(Case).join(Application, Case.application_id == Application.id)
                               .where(Application.application_no == done.application_no)).one()
        case_service.move(session, principal(), case, "ask_missing", missing=["户口簿复印件", "医院诊断证明"])
    with session_scope(world) as session:
        seen = selfservice.progress(session, done.progress_token)
        assert (seen.step, seen.missing) == ("incomplete", ["户口簿复印件", "医院诊断证明"])
        case = session.scalars(select(Case).where(Case.application_id.is_not(None))).one()
        case_service.move(session, principal(), case, "resubmit")
    with session_scope(world) as session, use_language("zh"):
        seen = selfservice.progress(session, done.progress_token)
        assert seen.step == "investigating" and seen.missing == [] and "入户" in seen.where + seen.next


def test_wrong_checks_count_then_lock_and_a_slip_of_typing_is_not_counted(world, today):
    token = token_of(issue(world))
    slip = submit(world, token, check="12ab")
    assert not slip.done and slip.attempts_left == signed_links.MAX_FAILED_CHECKS
    wrong = "000000" if RIGHT != "000000" else "111111"
    lefts = [submit(world, token, check=wrong).attempts_left for _ in range(signed_links.MAX_FAILED_CHECKS)]
    assert lefts == list(range(signed_links.MAX_FAILED_CHECKS - 1, -1, -1))
    assert refused(world, token).code == "locked"
    with pytest.raises(selfservice.LinkError, match="locked"):
        submit(world, token)  # the right check too late: the link stays locked
    with session_scope(world) as session:
        assert session.scalar(select(Application.id)) is None
    assert actions(world)[-1] == "casework.apply_link_locked"


def test_expired_tampered_and_replaced_links_are_refused(world, today, monkeypatch):
    first = token_of(issue(world, hours=1))
    second = token_of(issue(world, hours=2))
    assert refused(world, first).code == "revoked"
    assert refused(world, second[:-2] + ("AA" if not second.endswith("AA") else "BB")).code == "tampered"
    assert refused(world, "not-a-token").code == "tampered"
    later = case_service.now() + dt.timedelta(hours=3)
    monkeypatch.setattr(case_service, "now", lambda: later)
    assert refused(world, second).code == "expired"


def test_a_consent_link_s_token_opens_no_application(world, today):
    """Each purpose its own key: a token signed for an authorization is not one for an application."""
    token = signed_links.new_token(consent_links.KEY_PURPOSE, 1)
    assert refused(world, token).code == "tampered"


@pytest.mark.parametrize(("change", "field"), [
    ({"programmes": []}, "programmes"), ({"programmes": ["lottery"]}, "programmes"),
    ({"phone": "12345"}, "phone"), ({"phone": ""}, "phone"), ({"note": "a\x00b"}, "note"),
    ({"note": "长" * 201}, "note")])
def test_a_mistake_in_the_form_is_refused_naming_its_field_nothing_filed(world, today, change, field):
    token = token_of(issue(world))
    with pytest.raises(JiuzhuError) as caught:
        submit(world, token, **change)
    assert caught.value.field == field
    with session_scope(world) as session:
        assert session.scalar(select(Application.id)) is None
        assert session.scalars(select(ApplicationLink)).one().used_at is None
    assert submit(world, token).done  # the same link still serves once the form is right


def test_an_open_case_for_the_same_programme_is_refused_plainly(world, today):
    assert submit(world, token_of(issue(world))).done
    again = token_of(issue(world))
    with pytest.raises(ConflictError, match="already being handled") as caught:
        submit(world, again)
    assert caught.value.field == "programmes"
    assert submit(world, again, programmes=["temporary"]).done  # another kind of help: filed


def test_only_staff_who_may_file_issue_a_link_inside_their_area(world, today):
    with pytest.raises(ForbiddenError):
        issue(world, principal(Role.AUDITOR))
    with session_scope(world) as session, pytest.raises(NotFoundError):
        selfservice.issue_link(session, principal(area="500111120"), HH, base_url=BASE)
    with session_scope(world) as session:  # the other township's own household: fine for its worker
        assert selfservice.issue_link(session, principal(area="500111120"), OTHER, base_url=BASE).url


@pytest.mark.parametrize(("kw", "field"), [({"hours": 0}, "hours"), ({"hours": 721}, "hours"),
                                           ({"member": "nobody"}, "member")])
def test_bad_issue_inputs_are_named(world, today, kw, field):
    with pytest.raises(JiuzhuError) as caught:
        issue(world, **kw)
    assert caught.value.field == field


def test_a_named_member_applies_with_their_own_id_number(world, today, example_data):
    other = next(m for m in example_data["members"] if m["id_number"] != HEAD)
    assert other["id_number"][-6:] != RIGHT
    token = token_of(issue(world, member=other["name"]))
    assert not submit(world, token, check=RIGHT).done  # the head's number is not the applicant's
    assert submit(world, token, check=other["id_number"][-6:]).done


def test_messages_in_chinese(world, today, zh):
    token = token_of(issue(world))
    with pytest.raises(selfservice.LinkError, match="链接"):
        with session_scope(world) as session:
            selfservice.open_link(session, token + "x")
    with pytest.raises(JiuzhuError, match="手机"):
        submit(world, token, phone="123")
    assert "还可" in submit(world, token, check="000001" if RIGHT != "000001" else "000002").message


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.booleans(), st.booleans())
def test_a_mobile_number_is_read_however_the_keyboard_typed_it(number, wide, spaced):
    typed = number.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if wide else number
    typed = " ".join(typed[i:i + 4] for i in range(0, len(typed), 4)) if spaced else typed
    assert selfservice._phone(typed) == selfservice._phone("+86" + number) == number


def test_migration_0017_goes_down_and_up(sqlite_engine):
    from alembic import command

    cfg = migrate.alembic_config(sqlite_engine.url.render_as_string(hide_password=False))
    with sqlite_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    with sqlite_engine.connect() as conn:
        assert "application_links" not in inspect(conn).get_table_names()
        checks = [c["sqltext"] for c in inspect(conn).get_check_constraints("applications")]
        assert any("'outreach'" in c and "'resident'" not in c for c in checks)
    migrate.upgrade(sqlite_engine)
    with sqlite_engine.connect() as conn:
        assert "application_links" in inspect(conn).get_table_names()
        checks = [c["sqltext"] for c in inspect(conn).get_check_constraints("applications")]
        assert any("'resident'" in c for c in checks)


def test_the_command_s_hours_are_the_service_s():
    import inspect as pyinspect
    import typing

    from jiuzhu.cli.selfservice import apply_link

    option = typing.get_type_hints(apply_link, include_extras=True)["hours"].__metadata__[0]
    default = pyinspect.signature(apply_link).parameters["hours"].default
    assert (default, option.max, option.min) == (selfservice.LINK_HOURS, selfservice.MAX_LINK_HOURS, 1)


def test_staff_read_the_contact_the_resident_gave(world, today):
    done = submit(world, token_of(issue(world)), phone="13800001234", note="白天打电话")
    with session_scope(world) as session:
        shown = selfservice.resident_contact(session, principal(), done.application_no)
        assert (shown.phone, shown.note) == ("13800001234", "白天打电话")  # to call back: in full
        masked = selfservice.resident_contact(session, principal(Role.AUDITOR, "500111"), done.application_no)
        assert masked.phone == "138****1234" and masked.applicant.endswith("*")
        with pytest.raises(NotFoundError):  # another township: as if it did not exist
            selfservice.resident_contact(session, principal(area="500111120"), done.application_no)
    with world.connect() as conn:
        rows = [(a, bool(u)) for a, u in conn.execute(text(
            "SELECT action, unmasked FROM audit_log WHERE action = 'casework.apply_contact_read' ORDER BY seq"))]
    assert rows == [("casework.apply_contact_read", True), ("casework.apply_contact_read", False)]
