"""The authorization matrix: every route of ``/api/v1`` × every role × a record inside and one outside the role's
area (issue 12: "no role reads or changes anything outside its area or permissions").

The routes are walked from the application (``app.routes``), each one's permission read from its
``deps.require(Permission.X)`` dependency, so a new route is in the matrix the day it is added — and fails it
until it declares a permission and this file says how to call it (``CALLS``). For each call the expectation is
computed, never listed: allowed ⇔ the role has the route's permission (and the call's extra ones, e.g. unmask)
and the record's area lies inside the role's (``Principal.covers``); else 403 or 404 (401 with no session).
Whatever the answer, it never names a household or an account outside the role's area.

The world: four households, in a village (V1), another village of the same township (V2), another township of the
same district (T2) and another district (X); the demo's six roles bound to V1, its township and its district; a
scan of everything (with workbooks), a job, a user and a worklist entry in each of the four places.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from stdnum.cn import ric

from jiuzhu.access import OPERATOR_PERMISSIONS, Permission, Principal, Role
from jiuzhu.api.deps import require
from jiuzhu.registry import areas as area_codes
from tests.conftest import EXAMPLE

PREFIX = "/api/v1"
MONTH = "2025-08"
# Four places, from the inside out (the community worker's village is inside every account's area)
PLACES = {"V1": "500111119S01", "V2": "500111119S02", "T2": "500111120S01", "X": "500151001S01"}
ROLE_AREAS = {
    Role.COMMUNITY_WORKER: PLACES["V1"],
    Role.TOWNSHIP_CASEWORKER: "500111119", Role.TOWNSHIP_APPROVER: "500111119",
    Role.DISTRICT_OFFICER: "500111", Role.AUDITOR: "500111", Role.ADMINISTRATOR: "500111",
}
# The nearest place outside each role's area: where a leak is likeliest
OUTSIDE = {Role.COMMUNITY_WORKER: "V2", Role.TOWNSHIP_CASEWORKER: "T2", Role.TOWNSHIP_APPROVER: "T2",
           Role.DISTRICT_OFFICER: "X", Role.AUDITOR: "X", Role.ADMINISTRATOR: "X"}
PASSWORD = "matrix-password-2026"
# The routes any signed-in person may use (no permission beyond being signed in): said here, so that a route that
# forgets its permission is not taken for one of them
SIGNED_IN_ONLY = {("GET", "/session"), ("DELETE", "/session"), ("GET", "/areas"),
                  # a job: the permission of its kind (KIND_PERMISSION), which the matrix checks kind by kind
                  ("GET", "/jobs"), ("GET", "/jobs/{job_id}")}
# Signing in: with a password, or through the identity provider (its redirect and its callback; 404 when none is
# set up, as in this world)
PUBLIC = {("POST", "/session"), ("GET", "/session/oidc"), ("GET", "/session/oidc/callback")}


def household_no(place: str) -> str:
    return f"{PLACES[place][:9]}-M{list(PLACES).index(place) + 1:05d}"


def household_doc(place: str) -> dict:
    """The documented example household, moved to ``place`` with ID numbers of its own."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    seq = list(PLACES).index(place) + 1
    for i, member in enumerate(doc["members"]):
        old = member["id_number"]
        first17 = old[:14] + f"{(int(old[14:17]) + 40 * seq + i) % 1000:03d}"
        text = text.replace(old, first17 + ric.calc_check_digit(first17 + "0"))
    text = text.replace("500111119", PLACES[place][:9])
    doc = json.loads(text)
    doc["household_no"], doc["area_code"] = household_no(place), PLACES[place]
    return doc


@dataclass
class World:
    app: Any
    engine: Any
    home: Any
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)  # (place, kind) → a job of that area
    entries: dict[str, int] = field(default_factory=dict)  # place → a worklist entry of that area
    run_id: int | None = None
    verifications: dict[str, int] = field(default_factory=dict)  # place → a finished verification of that area
    clients: dict[Role, TestClient] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)

    def principal(self, role: Role) -> Principal:
        area = ROLE_AREAS[role]
        return Principal(username=username(role), role=role, area_code=area, area_prefixes=(area_codes.prefix(area),))


def username(role: Role) -> str:
    return f"m-{role.value}"


def target_user(place: str) -> str:
    return f"target-{place.lower()}"


def operator(place: str, kind: str = "") -> Principal:
    """Someone with every permission over ``place`` alone: submits the place's jobs."""
    area = PLACES[place]
    return Principal(username=submitter(place, kind), role=None, area_code=area, area_prefixes=(area,),
                     permissions=OPERATOR_PERMISSIONS)


def submitter(place: str, kind: str) -> str:
    return f"op-{place.lower()}-{kind}"


# What reading a job needs besides being signed in, by its kind: a scan's result is what the worklists show; an
# import's report names households and their faults (its own route needs WRITE_REGISTRY); a what-if's figures are
# the district officer's
KIND_PERMISSION = {"scan": Permission.READ_WORKLISTS, "import": Permission.WRITE_REGISTRY,
                   "whatif": Permission.WHATIF}


def _build(world: World) -> None:
    from jiuzhu.accounts import service as accounts
    from jiuzhu.db import session_scope
    from jiuzhu.discovery.flows import scan
    from jiuzhu.discovery.models import Finding, ScanRun
    from jiuzhu.jobs import service as jobs
    from jiuzhu.jobs.models import Job
    from jiuzhu.registry import service as registry

    with session_scope(world.engine) as session:
        for place in PLACES:
            doc = household_doc(place)
            registry.put_household(session, registry.parse_household(doc, record=doc["household_no"]),
                                   actor="matrix", reason="matrix")
        for role in Role:
            accounts.add_user(session, username=username(role), password=PASSWORD, role=role,
                              area_code=ROLE_AREAS[role], display_name=role.value, actor="matrix")
        for place, area in PLACES.items():
            accounts.add_user(session, username=target_user(place), password=PASSWORD, role=Role.COMMUNITY_WORKER,
                              area_code=area, display_name=place, actor="matrix")
    scan(world.engine, month=MONTH, home=world.home, actor="matrix", workbooks="township")
    with session_scope(world.engine) as session:
        world.run_id = session.scalar(select(ScanRun.id).order_by(ScanRun.id.desc()))
        for place, area in PLACES.items():
            world.entries[place] = session.scalar(select(Finding.id).where(Finding.area_code == area)
                                                  .order_by(Finding.id))
            for kind in KIND_PERMISSION:
                world.jobs[place, kind] = jobs.submit(session, kind=kind, params={"month": MONTH},
                                                      principal=operator(place, kind), scope=area).id
        # the import jobs done, their report naming their household (as a rejected row would)
        for place in PLACES:
            job = session.get(Job, world.jobs[place, "import"])
            job.status, job.progress, job.finished_at, job.exclusive_key = "done", 1.0, job.created_at, None
            job.result = {"file": "台账.xlsx", "format": "ledger", "rows": 2, "stored_households": 0,
                          "stored_people": 0, "unchanged_households": 0, "rejected_households": 1,
                          "rejected_rows": 1, "warnings": [], "resumed": False,
                          "rejections": [{"record": "2", "row": 2, "household_no": household_no(place),
                                          "column": "身份证号", "field": "身份证号", "reason": "不是有效的身份证号"}]}
    assert all(world.entries.values()), world.entries
    _forget_jobs(world)


def build_world(home, patch: pytest.MonkeyPatch) -> World:
    """The application (pages and API, no job worker) over a new home folder holding the world; each role's
    client signed in. ``patch`` keeps ``JIUZHU_HOME`` pointing there while the caller uses it."""
    patch.setenv("JIUZHU_HOME", str(home))
    patch.delenv("JIUZHU_DATABASE_URL", raising=False)
    from jiuzhu.config import get_settings
    from jiuzhu.web.app import create_application

    app = create_application(get_settings(), start_worker=False)
    world = World(app=app, engine=app.state.engine, home=home)
    _build(world)
    for role in Role:
        client = TestClient(app)
        answer = client.post(f"{PREFIX}/session", json={"username": username(role), "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        world.clients[role], world.tokens[role] = client, answer.json()["csrf_token"]
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        built = build_world(tmp_path_factory.mktemp("matrix-home"), patch)
        yield built
        built.engine.dispose()


# --------------------------------------------------------------------------- the routes and their permissions


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    dependants: tuple  # the route's own, and the one its routers' dependencies add


def api_routes(app) -> list[Route]:
    """Every route under /api/v1 with its full path. FastAPI ≥ 0.16x keeps included routers as such in
    ``app.routes``; ``iter_route_contexts`` walks them as the OpenAPI document does."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are flattened into app.routes
        return [Route(r.path, frozenset(r.methods), (r.dependant,)) for r in app.routes
                if isinstance(r, APIRoute) and r.path.startswith(PREFIX)]
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and (context.path or "").startswith(PREFIX):
            effective = getattr(context, "dependant", None)
            found.append(Route(context.path, frozenset(context.methods or route.methods),
                               tuple(d for d in (route.dependant, effective) if d is not None)))
    return found


def declared(route: Route) -> list[Permission | None]:
    """The permissions a route's ``require`` dependencies declare (None: any signed-in person)."""
    found, stack, seen = [], list(route.dependants), set()
    while stack:
        dependant = stack.pop()
        call = dependant.call
        if call is not None and hasattr(call, "permission") and id(call) not in seen:
            seen.add(id(call))
            found.append(call.permission)
        stack.extend(dependant.dependencies)
    return found


def endpoints(route: Route) -> list[tuple[str, str]]:
    return [(method, route.path.removeprefix(PREFIX)) for method in sorted(route.methods - {"HEAD", "OPTIONS"})]


def test_every_route_declares_its_permission(world):
    """A route that forgets ``require(...)`` fails here (and so cannot slip into the matrix as 'any signed-in')."""
    missing, vague = [], []
    for route in api_routes(world.app):
        for endpoint in endpoints(route):
            if endpoint in PUBLIC:
                continue
            permissions = declared(route)
            if not permissions:
                missing.append(endpoint)
            elif all(p is None for p in permissions) and endpoint not in SIGNED_IN_ONLY:
                vague.append(endpoint)
    assert not missing, f"routes without require(Permission.X): {missing}"
    assert not vague, f"routes open to anyone signed in, not listed in SIGNED_IN_ONLY: {vague}"


def test_the_matrix_knows_how_to_call_every_route(world):
    known = {endpoint for endpoint, _ in CALLS.items()}
    routes = {e for r in api_routes(world.app) for e in endpoints(r)} - PUBLIC
    assert routes - known == set(), f"routes the matrix does not call (add them to CALLS): {sorted(routes - known)}"
    assert known - routes == set(), f"CALLS names routes that do not exist: {sorted(known - routes)}"


def test_the_matrix_fails_a_route_that_forgets_its_permission():
    """The check above, against a route made to forget."""
    app = FastAPI()

    @app.get(f"{PREFIX}/careless")
    def careless() -> dict:
        return {}

    @app.get(f"{PREFIX}/careful")
    def careful(who: Annotated[Principal, Depends(require(Permission.READ_REGISTRY))]) -> dict:
        return {}

    by_path = {r.path: declared(r) for r in api_routes(app)}
    assert by_path[f"{PREFIX}/careless"] == []
    assert by_path[f"{PREFIX}/careful"] == [Permission.READ_REGISTRY]


# --------------------------------------------------------------------------- how to call each route


@dataclass(frozen=True)
class Call:
    """One request: where it lands (its record's area, None for a route about no one record), its arguments,
    and the permissions it needs beyond the route's."""

    area: str | None
    kwargs: dict
    extra: frozenset[Permission] = frozenset()
    echoes: tuple[str, ...] = ()  # what the request itself names (a refusal may repeat it: not a leak)
    empty_ok: bool = False  # a list filtered by an area outside the role's may answer "nothing" (total 0)
    # A step whose state the matrix does not build (a re-issue with no failed line, closing with lines out): once
    # past the permission and the area, the service's own refusal (400/409/422, never 403/404) shows it got there.
    refusal_ok: bool = False


_counter = itertools.count()
Maker = Callable[[World, Role, str], list[Call]]


def _household(suffix: str = "", **params) -> Maker:
    def make(world, role, place):
        no = household_no(place)
        calls = [Call(PLACES[place], {"url": f"/households/{no}{suffix}", "params": params}, echoes=(no,))]
        if suffix in ("", "/history"):
            calls.append(Call(PLACES[place], {"url": f"/households/{no}{suffix}",
                                              "params": {"unmask": "true", "reason": "核对身份"}},
                              extra=frozenset({Permission.UNMASK}), echoes=(no,)))
        return calls
    return make


def _listing(url: str, **params) -> Maker:
    """A list filtered by area: the place's area, and the list unfiltered (the role's whole area)."""
    def make(world, role, place):
        return [Call(PLACES[place], {"url": url, "params": {**params, "area": PLACES[place]}}, empty_ok=True),
                Call(None, {"url": url, "params": params})]
    return make


def _plain(url: str, method: str = "GET", **kwargs) -> Maker:
    def make(world, role, place):
        return [Call(None, {"method": method, "url": url, **kwargs})]
    return make


def _export(world, role, place):
    return [Call(PLACES[place], {"url": "/exports/ledger", "params": {"area": PLACES[place], "format": "jsonl"}}),
            Call(None, {"url": "/exports/ledger", "params": {"format": "csv"}})]


def _evaluate(world, role, place):
    """A posted household is evaluated, never stored nor looked up: allowed wherever it lies (its answer names
    the posted number back)."""
    doc = household_doc(place)
    return [Call(None, {"method": "POST", "url": "/evaluate", "params": {"month": MONTH}, "json": doc},
                 echoes=(doc["household_no"],))]


def _add_user(world, role, place):
    name = f"new-{next(_counter)}"
    return [Call(PLACES[place], {"method": "POST", "url": "/users",
                                 "json": {"username": name, "password": PASSWORD, "role": "community_worker",
                                          "area_code": PLACES[place], "display_name": "新用户"}})]


def _user(action: str) -> Maker:
    def make(world, role, place):
        name = target_user(place)
        return [Call(PLACES[place], {"method": "POST", "url": f"/users/{name}/{action}"}, echoes=(name,))]
    return make


def _unbind(world, role, place):
    """The target bound to an identity at the provider first (an account bound to none is refused, 409)."""
    from jiuzhu.accounts.models import User
    from jiuzhu.db import session_scope

    with session_scope(world.engine) as session:
        session.execute(update(User).where(User.username == target_user(place))
                        .values(oidc_issuer="https://sso.example.gov.cn", oidc_subject=f"sub-{place}"))
    return _user("unbind")(world, role, place)


def _job(world, role, place):
    return [Call(PLACES[place], {"url": f"/jobs/{world.jobs[place, kind]}"}, extra=frozenset({permission}))
            for kind, permission in KIND_PERMISSION.items()]


def _jobs(world, role, place):
    return [Call(None, {"url": "/jobs", "params": {"kind": kind}}) for kind in KIND_PERMISSION]


def _import_report(world, role, place):
    job = world.jobs[place, "import"]
    return [Call(PLACES[place], {"url": f"/imports/{job}/report", "params": {"format": f}}) for f in ("json", "csv")]


def _scan(world, role, place):
    """A scan of the place (a village: its township's scan would be another scope)."""
    return [Call(PLACES[place], {"method": "POST", "url": "/scans",
                                 "json": {"month": MONTH, "area": PLACES[place], "workbooks": None}})]


def _whatif(world, role, place):
    return [Call(PLACES[place], {"method": "POST", "url": "/whatif",
                                 "json": {"month": MONTH, "area": PLACES[place],
                                          "changes": ["dibao.line.urban=1000"]}})]


def _outcomes(world, role, place):
    return [Call(PLACES[place], {"url": f"/worklists/entries/{world.entries[place]}/outcomes"})]


def _outcome(world, role, place):
    return [Call(PLACES[place], {"method": "POST", "url": f"/worklists/entries/{world.entries[place]}/outcome",
                                 "json": {"outcome": "visited", "note": "矩阵测试"}})]


def _workbook(world, role, place):
    township = PLACES[place][:9]
    return [Call(township, {"url": f"/workbooks/{world.run_id}/{township}"})]


def _import(world, role, place):
    doc = household_doc(place)
    doc["household_no"] = f"{PLACES[place][:9]}-N{next(_counter):05d}"
    body = json.dumps(doc, ensure_ascii=False).encode()
    return [Call(None, {"method": "POST", "url": "/imports",
                        "files": {"file": ("one.jsonl", io.BytesIO(body), "application/x-ndjson")},
                        "data": {"reason": "矩阵测试"}})]


def _consent(world: World, place: str, *, given: bool = False) -> str:
    """A new consent record of the place's head (its own purpose reference: one live record per purpose),
    requested, or given when ``given``."""
    from jiuzhu.consent import service as consent
    from jiuzhu.db import session_scope

    with session_scope(world.engine) as session:
        who = operator(place, "consent")
        view = consent.request(session, who, household_no=household_no(place),
                               member=household_doc(place)["members"][0]["id_number"],
                               purpose=consent.Purpose("application", f"matrix-{next(_counter)}"))
        if given:
            consent.give(session, who, view.record_id)
        return view.record_id


def _consent_action(action: str, *, given: bool = False, **body) -> Maker:
    def make(world, role, place):
        record = _consent(world, place, given=given)
        return [Call(PLACES[place], {"method": "POST", "url": f"/consents/{record}/{action}", "json": body},
                     echoes=(record,))]
    return make


def _consent_read(world, role, place):
    record = _consent(world, place, given=True)
    return [Call(PLACES[place], {"url": f"/consents/{record}"}, echoes=(record,))]


def _consents_request(world, role, place):
    no = household_no(place)
    return [Call(PLACES[place], {"method": "POST", "url": f"/households/{no}/consents",
                                 "json": {"purpose_ref": f"matrix-{next(_counter)}"}}, echoes=(no,))]


def _consents_given(world: World, place: str, ref: str) -> None:
    """Every member of the place's household authorized for a review ``ref``; no verification of it in course
    (one at a time per household: the matrix's earlier starts are let go)."""
    from jiuzhu.consent import service as consent
    from jiuzhu.db import session_scope
    from jiuzhu.verification.models import Verification

    with session_scope(world.engine) as session:
        who = operator(place, "consent")
        purpose = consent.Purpose("review", ref)
        made, skipped = consent.request_required(session, who, household_no=household_no(place), purpose=purpose)
        head, *_, minor = household_doc(place)["members"]  # the grandchild: the grandfather signs as guardian
        if skipped:
            made.append(consent.request(session, who, household_no=household_no(place), member=minor["id_number"],
                                        purpose=purpose, signer_role="guardian", signer=head["id_number"],
                                        signer_relation="祖父"))
        for record in made:
            consent.give(session, who, record.record_id)
        session.execute(update(Verification).where(Verification.household_no == household_no(place))
                        .values(exclusive_key=None))


def _verification(world: World, place: str) -> int:
    """A finished verification of the place's household (made once; its report built from no answer: the
    matrix has no departments to ask, and reading needs only a report)."""
    if place in world.verifications:
        return world.verifications[place]
    from jiuzhu.consent.service import Purpose
    from jiuzhu.db import session_scope
    from jiuzhu.registry import schemas as s
    from jiuzhu.verification import service as verification
    from jiuzhu.verification.models import Verification
    from jiuzhu.verification.report import ReportMeta, build_report

    ref = f"matrix-{next(_counter)}"
    _consents_given(world, place, ref)
    with session_scope(world.engine) as session:
        vid = verification.start(session, operator(place, "verify"), household_no(place), Purpose("review", ref)).id
        v = session.get(Verification, vid)
        meta = ReportMeta(household_no=v.household_no, area_code=v.area_code, purpose_kind="review",
                          purpose_reference=ref, requested_by=v.requested_by, as_of=v.as_of, verification_id=vid)
        v.report = build_report(meta, s.Household.model_validate(v.declared), [], v.as_of.strftime("%Y-%m"))
        v.report_sha256, v.status, v.complete, v.exclusive_key = verification.report_hash(v.report), "done", True, None
    world.verifications[place] = vid
    return vid


def _verify(world, role, place):
    ref = f"matrix-{next(_counter)}"
    _consents_given(world, place, ref)
    no = household_no(place)
    return [Call(PLACES[place], {"method": "POST", "url": f"/households/{no}/verifications",
                                 "json": {"purpose_kind": "review", "purpose_ref": ref}}, echoes=(no,))]


def _verification_read(suffix: str = "", **extra) -> Maker:
    def make(world, role, place):
        vid = _verification(world, place)
        return [Call(PLACES[place], {"url": f"/verifications/{vid}{suffix}"}, echoes=(str(vid),),
                     extra=frozenset(extra.get("needs", ())))]
    return make


def _sign_out(world, role, place):
    return [Call(None, {"method": "DELETE", "url": "/session"})]


def _no_open_case(world: World, place: str) -> None:
    """The place's household free for a new application or review (one open case per programme): the matrix's
    earlier cases are closed, and the 应享未享 entries they came from let go."""
    from jiuzhu.casework.models import Application, Case
    from jiuzhu.db import session_scope

    with session_scope(world.engine) as session:
        session.execute(update(Case).where(Case.household_no == household_no(place)).values(state="closed"))
        session.execute(update(Application).where(Application.household_no == household_no(place))
                        .values(finding_id=None))


def _apply(world, role, place):
    _no_open_case(world, place)
    no = household_no(place)
    return [Call(PLACES[place], {"method": "POST", "url": "/applications",
                                 "json": {"household_no": no, "programmes": ["dibao"], "month": MONTH}},
                 echoes=(no,))]


def _application(world: World, place: str):
    """A new application of the place's household (with its case), filed by an operator of the place."""
    from jiuzhu.casework import applications
    from jiuzhu.db import session_scope

    _no_open_case(world, place)
    with session_scope(world.engine) as session:
        app, case = applications.file(session, operator(place, "apply"), household_no=household_no(place),
                                      programmes=["dibao"], channel="office", month=MONTH)
        return app.application_no, case.case_no


def _application_read(world, role, place):
    number, _ = _application(world, place)
    return [Call(PLACES[place], {"url": f"/applications/{number}"})]


def _entitled_entry(world: World, place: str) -> int:
    """A 应享未享 entry of the place's household (the matrix's scan need not find one there: it is written)."""
    from jiuzhu.db import session_scope
    from jiuzhu.discovery.lists import ENTITLED
    from jiuzhu.discovery.models import Finding
    from jiuzhu.registry import models as rm

    _no_open_case(world, place)
    with session_scope(world.engine) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no(place))).one()
        entry = Finding(run_id=world.run_id, list=ENTITLED, programme="dibao", township=PLACES[place][:9],
                        area_code=PLACES[place], household_id=hh.id, amount_fen=10000, failed_mask=0,
                        reason="matrix", since=MONTH, change="new", rank=1)
        session.add(entry)
        session.flush()
        return entry.id


def _apply_from_entry(world, role, place):
    entry = _entitled_entry(world, place)
    return [Call(PLACES[place], {"method": "POST", "url": f"/worklists/entries/{entry}/application",
                                 "json": {"month": MONTH}})]


def _case_read(world, role, place):
    _, case = _application(world, place)
    return [Call(PLACES[place], {"url": f"/cases/{case}"})]


def _case_action(world, role, place):
    _, case = _application(world, place)
    return [Call(PLACES[place], {"method": "POST", "url": f"/cases/{case}/actions/check", "json": {}})]


def _case_decision(world, role, place):
    _, case = _application(world, place)  # rejecting a case being investigated: a decision with written reasons
    from jiuzhu.casework import actions
    from jiuzhu.db import session_scope

    with session_scope(world.engine) as session:
        actions.act(session, operator(place, "apply"), case, "check")
    return [Call(PLACES[place], {"method": "POST", "url": f"/cases/{case}/decisions/reject",
                                 "json": {"reasons": "矩阵测试：书面理由"}})]


def _publicity(world, role, place):
    return [Call(PLACES[place], {"url": "/publicity", "params": {"area": PLACES[place]}}),
            Call(None, {"url": "/publicity"})]


def _case_list(url: str, needs: tuple[Permission, ...] = ()) -> Maker:
    """A casework list or its 导出Excel: filtered by the place (refused outside the role's area) and unfiltered."""
    def make(world, role, place):
        extra = frozenset(needs)
        return [Call(PLACES[place], {"url": url, "params": {"area": PLACES[place]}}, extra=extra),
                Call(None, {"url": url}, extra=extra)]
    return make


def _review(world, role, place):
    """A review of the place's household, once it receives 低保 (an enrolment written for the matrix)."""
    _no_open_case(world, place)
    _enrolled(world, place)
    no = household_no(place)
    return [Call(PLACES[place], {"method": "POST", "url": "/reviews", "json": {"household_no": no}}, echoes=(no,))]


_months = itertools.count()


def _township_operator(place: str, kind: str) -> Principal:
    """Someone with every permission over the place's township (a payroll is a township's or a district's)."""
    area = PLACES[place][:9]
    return Principal(username=submitter(place, kind), role=None, area_code=area, area_prefixes=(area,),
                     permissions=OPERATOR_PERMISSIONS)


def _payroll(world: World, place: str, *, approved: bool = False, files: bool = False) -> tuple[str, str, str]:
    """A new 低保 payroll of the place's township (a month of its own), with one line: the place's household
    enrolled and its head given an account. Prepared by an operator of the place; ``approved`` by another,
    ``files`` written. Returns (payroll number, township, a bank with a file)."""
    from jiuzhu.db import session_scope
    from jiuzhu.payroll import accounts
    from jiuzhu.payroll import service as payroll

    township = PLACES[place][:9]
    n = next(_months)
    month = f"{2031 + n // 12}-{n % 12 + 1:02d}"
    _enrolled(world, place)
    with session_scope(world.engine) as session:
        accounts.synthesize(session, operator(place, "pay"), PLACES[place])
        made = payroll.prepare(session, _township_operator(place, "pay"), programme="dibao", area=township,
                               month=month)
        bank = ""
        if approved or files:
            payroll.approve(session, _township_operator(place, "check"), made.payroll_no)
        if files:
            written = payroll.write_files(session, _township_operator(place, "pay"), made.payroll_no,
                                          world.home / "payroll" / "files", reason="矩阵测试")
            bank = written[0].bank_code
        return made.payroll_no, township, bank


def _enrolled(world: World, place: str) -> None:
    """The place's household receives 低保 (an enrolment written for the matrix, once)."""
    from jiuzhu.db import session_scope
    from jiuzhu.registry import models as rm

    with session_scope(world.engine) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no(place))).one()
        if not session.scalar(select(rm.Enrolment.id).where(rm.Enrolment.household_id == hh.id,
                                                            rm.Enrolment.programme == "dibao")):
            session.add(rm.Enrolment(household_id=hh.id, programme="dibao", monthly_amount_fen=10000,
                                     start_date=dt.date(2025, 1, 1), last_review=dt.date(2025, 1, 1)))


def _payroll_call(suffix: str = "", method: str = "GET", *, approved: bool = False, files: bool = False,
                  body: dict | None = None, bank: bool = False, needs: tuple = (), refusal_ok: bool = False,
                  **params) -> Maker:
    def make(world, role, place):
        number, township, with_file = _payroll(world, place, approved=approved, files=files)
        url = f"/payrolls/{number}{suffix}".replace("{bank}", with_file) if bank else f"/payrolls/{number}{suffix}"
        kwargs = {"method": method, "url": url}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        return [Call(township, kwargs, extra=frozenset(needs), refusal_ok=refusal_ok)]
    return make


def _payroll_prepare(world, role, place):
    _enrolled(world, place)
    n = next(_months)
    township = PLACES[place][:9]
    return [Call(township, {"method": "POST", "url": "/payrolls", "json": {
        "programme": "dibao", "area": township, "month": f"{2031 + n // 12}-{n % 12 + 1:02d}"}})]


def _payroll_adjust(world, role, place):
    number, township, _ = _payroll(world, place)
    month = number.rsplit("-", 2)[-2] + "-" + number.rsplit("-", 1)[-1]
    return [Call(township, {"method": "POST", "url": f"/payrolls/{number}/adjustments", "json": {
        "household_no": household_no(place), "service_month": month, "amount": "50.00", "reason": "矩阵测试"}},
        echoes=(household_no(place),))]


def _payroll_totals(world, role, place):
    township = PLACES[place][:9]
    return [Call(township, {"url": "/payrolls/totals", "params": {"area": township}})]


def _payroll_return(world, role, place):
    number, township, bank = _payroll(world, place, files=True)
    return [Call(township, {"method": "POST", "url": f"/payrolls/{number}/returns/{bank}",
                            "files": {"file": ("回盘.txt", io.BytesIO("not a return file".encode()), "text/plain")}},
                 refusal_ok=True)]


_accounts = itertools.count()


def _payroll_account(world, role, place):
    """A corrected account for the place's household head (a new number each call): payroll.prepare and
    registry.write; outside the area the person is "not found"."""
    head = household_doc(place)["members"][0]
    n = next(_accounts)
    return [Call(PLACES[place], {"method": "POST", "url": "/payroll-accounts", "json": {
        "id_number": head["id_number"], "holder_name": head["name"], "bank": "cqrcb",
        "account_no": f"62319{list(PLACES).index(place):02d}{n:012d}", "opened_on": "2025-01-01",
        "reason": "矩阵测试：原卡已销户"}}, extra=frozenset({Permission.WRITE_REGISTRY}))]


def _payroll_lines_export(world, role, place):
    number, township, _ = _payroll(world, place)
    return [Call(township, {"url": f"/payrolls/{number}/export"}, extra=frozenset({Permission.READ_PAYMENTS}))]


def _payroll_totals_export(world, role, place):
    township = PLACES[place][:9]
    return [Call(township, {"url": "/payrolls/totals/export", "params": {"area": township, "year": 2031}})]


CALLS: dict[tuple[str, str], Maker] = {
    ("GET", "/jobs"): _jobs,
    ("GET", "/jobs/{job_id}"): _job,
    ("POST", "/scans"): _scan,
    ("GET", "/scans"): _plain("/scans"),
    ("GET", "/workbooks/{run_id}/{area}"): _workbook,
    ("POST", "/imports"): _import,
    ("GET", "/imports/{job_id}/report"): _import_report,
    ("POST", "/whatif"): _whatif,
    ("GET", "/worklists/summary"): _plain("/worklists/summary"),
    ("GET", "/worklists/{kind}"): _listing("/worklists/unclaimed"),
    ("POST", "/worklists/entries/{entry_id}/outcome"): _outcome,
    ("GET", "/worklists/entries/{entry_id}/outcomes"): _outcomes,
    ("GET", "/session"): _plain("/session"),
    ("DELETE", "/session"): _sign_out,
    ("GET", "/areas"): _plain("/areas"),
    ("GET", "/households"): _listing("/households"),
    ("GET", "/households/{household_no}"): _household(),
    ("GET", "/households/{household_no}/history"): _household("/history"),
    ("GET", "/households/{household_no}/evaluation"): _household("/evaluation", month=MONTH),
    ("POST", "/evaluate"): _evaluate,
    ("GET", "/exports/ledger"): _export,
    ("GET", "/audit"): _plain("/audit"),
    ("GET", "/users"): _plain("/users"),
    ("POST", "/users"): _add_user,
    ("POST", "/users/{username}/lock"): _user("lock"),
    ("POST", "/users/{username}/unlock"): _user("unlock"),
    ("POST", "/users/{username}/unbind"): _unbind,
    ("GET", "/households/{household_no}/consents"): _household("/consents"),
    ("POST", "/households/{household_no}/consents"): _consents_request,
    ("GET", "/consents/{record_id}"): _consent_read,
    ("POST", "/consents/{record_id}/give"): _consent_action("give", form="矩阵测试"),
    ("POST", "/consents/{record_id}/refuse"): _consent_action("refuse"),
    ("POST", "/consents/{record_id}/withdraw"): _consent_action("withdraw", given=True, reason="矩阵测试"),
    ("POST", "/consents/{record_id}/renew"): _consent_action("renew", given=True),
    ("POST", "/consents/{record_id}/invalidate"): _consent_action("invalidate", reason="矩阵测试"),
    ("POST", "/consents/{record_id}/link"): _consent_action("link", hours=24),
    ("POST", "/households/{household_no}/verifications"): _verify,
    ("GET", "/households/{household_no}/verifications"): _household("/verifications"),
    ("GET", "/verifications"): _plain("/verifications"),
    ("GET", "/exchange/sources"): _plain("/exchange/sources"),
    ("GET", "/verifications/{verification_id}"): _verification_read(),
    ("GET", "/verifications/{verification_id}/report"): _verification_read("/report"),
    ("GET", "/verifications/{verification_id}/report.pdf"): _verification_read("/report.pdf"),
    ("GET", "/verifications/{verification_id}/evaluation"): _verification_read(
        "/evaluation", needs=(Permission.EVALUATE,)),
    ("POST", "/applications"): _apply,
    ("GET", "/applications/{application_no}"): _application_read,
    ("POST", "/worklists/entries/{entry_id}/application"): _apply_from_entry,
    ("GET", "/cases"): _plain("/cases"),
    ("GET", "/cases/{case_no}"): _case_read,
    ("POST", "/cases/{case_no}/actions/{action}"): _case_action,
    ("POST", "/cases/{case_no}/decisions/{decision}"): _case_decision,
    ("GET", "/publicity"): _publicity,
    ("GET", "/reviews/due"): _plain("/reviews/due"),
    ("POST", "/reviews"): _review,
    ("GET", "/payrolls"): _plain("/payrolls"),
    ("GET", "/payrolls/totals"): _payroll_totals,
    ("POST", "/payrolls"): _payroll_prepare,
    ("GET", "/payrolls/{payroll_no}"): _payroll_call(),
    ("POST", "/payrolls/{payroll_no}/adjustments"): _payroll_adjust,
    ("POST", "/payrolls/{payroll_no}/approve"): _payroll_call("/approve", "POST"),
    ("POST", "/payrolls/{payroll_no}/cancel"): _payroll_call("/cancel", "POST", body={"reason": "矩阵测试"}),
    ("POST", "/payrolls/{payroll_no}/files"): _payroll_call("/files", "POST", approved=True,
                                                            body={"reason": "矩阵测试"}, needs=(Permission.UNMASK,)),
    ("GET", "/payrolls/{payroll_no}/files/{bank}"): _payroll_call("/files/{bank}", files=True, bank=True,
                                                                  needs=(Permission.UNMASK,), reason="矩阵测试"),
    ("PUT", "/payrolls/{payroll_no}/files/{bank}/batch-no"): _payroll_call(
        "/files/{bank}/batch-no", "PUT", files=True, bank=True, body={"batch_no": "B-1"}),
    ("POST", "/payrolls/{payroll_no}/returns/{bank}"): _payroll_return,
    ("POST", "/payrolls/{payroll_no}/reissue"): _payroll_call("/reissue", "POST", files=True,
                                                              body={"reason": "矩阵测试"}, refusal_ok=True),
    ("POST", "/payrolls/{payroll_no}/close"): _payroll_call("/close", "POST", files=True, refusal_ok=True),
    ("POST", "/payrolls/{payroll_no}/close/confirm"): _payroll_call("/close/confirm", "POST", files=True,
                                                                    refusal_ok=True),
    # casework lists (x16case): the applications list, and 导出Excel of each list (registry.export + cases.read)
    ("GET", "/applications"): _case_list("/applications"),
    ("GET", "/exports/cases"): _case_list("/exports/cases", (Permission.READ_CASES,)),
    ("GET", "/exports/publicity"): _case_list("/exports/publicity", (Permission.READ_CASES,)),
    ("GET", "/exports/applications"): _case_list("/exports/applications", (Permission.READ_CASES,)),
    ("GET", "/exports/reviews-due"): _case_list("/exports/reviews-due", (Permission.READ_CASES,)),
    ("POST", "/payroll-accounts"): _payroll_account,
    ("GET", "/payrolls/export"): _plain("/payrolls/export"),
    ("GET", "/payrolls/totals/export"): _payroll_totals_export,
    ("GET", "/payrolls/{payroll_no}/export"): _payroll_lines_export,
}


def _application_link(world, role, place):
    """申请救助 on the resident's phone: a link for the place's household's head (cases.apply)."""
    no = household_no(place)
    return [Call(PLACES[place], {"method": "POST", "url": f"/households/{no}/application-link",
                                 "json": {"hours": 24}}, echoes=(no,))]


CALLS[("POST", "/households/{household_no}/application-link")] = _application_link


def _resident_contact(world, role, place):
    """An application the place's head filed on a phone through a link; the contact given with it (cases.read)."""
    from jiuzhu.casework import selfservice
    from jiuzhu.db import session_scope
    from jiuzhu.registry import models as rm

    _no_open_case(world, place)
    with session_scope(world.engine) as session:
        issued = selfservice.issue_link(session, operator(place, "apply"), household_no(place), base_url="http://m")
        head = session.scalar(select(rm.Person.id_number).join(rm.Member, rm.Member.person_id == rm.Person.id)
                              .join(rm.Household, rm.Household.id == rm.Member.household_id)
                              .where(rm.Household.household_no == household_no(place), rm.Member.relation == "head"))
    with session_scope(world.engine) as session:
        done = selfservice.submit(session, issued.url.rsplit("/", 1)[1], identity_check=head[-6:],
                                  programmes=["dibao"], phone="13800001234")
    assert done.done, done
    return [Call(PLACES[place], {"url": f"/applications/{done.application_no}/resident-contact"},
                 echoes=(done.application_no,))]


CALLS[("GET", "/applications/{application_no}/resident-contact")] = _resident_contact


# --------------------------------------------------------------------------- the matrix


def route_permission(world, method: str, path: str) -> Permission | None:
    for route in api_routes(world.app):
        if (method, path) in endpoints(route):
            permissions = [p for p in declared(route) if p is not None]
            return permissions[0] if permissions else None
    raise AssertionError(f"no route {method} {path}")


def forbidden_names(role: Role, path: str) -> set[str]:
    """Household numbers and account names that lie outside the role's area; and, in the jobs' answers, who
    submitted the jobs the role may not read (of a kind it lacks the permission of), wherever they lie."""
    area = area_codes.prefix(ROLE_AREAS[role])
    who = Principal(username="", role=role, area_code=ROLE_AREAS[role], area_prefixes=(area,))
    outside = {name for place, code in PLACES.items() if not code.startswith(area)
               for name in (household_no(place), target_user(place), *(submitter(place, k) for k in KIND_PERMISSION))}
    if not path.startswith("/jobs"):
        return outside
    return outside | {submitter(place, kind) for place in PLACES for kind, p in KIND_PERMISSION.items()
                      if not who.can(p)}


def send(world: World, role: Role | None, call: Call):
    kwargs = dict(call.kwargs)
    method, url = kwargs.pop("method", "GET"), PREFIX + kwargs.pop("url")
    if role is None:
        return TestClient(world.app).request(method, url, **kwargs)
    if (method, url) == ("DELETE", f"{PREFIX}/session"):  # signing out: a session of its own
        client = TestClient(world.app)
        token = client.post(f"{PREFIX}/session", json={"username": username(role), "password": PASSWORD}) \
            .json()["csrf_token"]
        answer = client.request(method, url, headers={"X-CSRF-Token": token}, **kwargs)
        # Signing out ends every session of the account (a kept cookie too): the role's shared client signs in anew.
        again = world.clients[role].post(f"{PREFIX}/session", json={"username": username(role), "password": PASSWORD})
        world.tokens[role] = again.json()["csrf_token"]
        return answer
    client, token = world.clients[role], world.tokens[role]
    return client.request(method, url, headers={"X-CSRF-Token": token}, **kwargs)


def _forget_jobs(world: World) -> None:
    """A queued scan blocks the next of its scope (one at a time, 409): the matrix's own are removed after each."""
    from jiuzhu.db import session_scope
    from jiuzhu.jobs.models import Job

    with session_scope(world.engine) as session:
        session.execute(delete(Job).where(Job.id.not_in(list(world.jobs.values()))))
        session.execute(update(Job).where(Job.kind == "scan").values(exclusive_key=None))


ALL = sorted(CALLS)


@pytest.mark.parametrize("endpoint", ALL, ids=[f"{m} {p}" for m, p in ALL])
def test_without_a_session_every_route_answers_401(world, endpoint):
    for call in CALLS[endpoint](world, Role.DISTRICT_OFFICER, "V1"):
        answer = send(world, None, call)
        assert answer.status_code == 401, (endpoint, answer.status_code, answer.text[:300])
        assert answer.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("endpoint", ALL, ids=[f"{m} {p}" for m, p in ALL])
def test_matrix(world, endpoint, role):
    method, path = endpoint
    permission = route_permission(world, method, path)
    who = world.principal(role)
    hidden = forbidden_names(role, path)
    failures = []
    for where, place in (("inside", "V1"), ("outside", OUTSIDE[role])):
        for call in CALLS[endpoint](world, role, place):
            needed = ({permission} if permission else set()) | call.extra
            allowed = all(who.can(p) for p in needed) and (call.area is None or who.covers(call.area))
            answer = send(world, role, call)
            _forget_jobs(world)
            status = answer.status_code
            label = f"{role.value} {method} {call.kwargs['url']} {call.kwargs.get('params', '')} ({where})"
            if status >= 500:
                failures.append(f"{label}: server error {status} {answer.text[:300]}")
            elif allowed and call.refusal_ok and status in (400, 409, 422) \
                    and answer.json().get("code") not in ("forbidden", "not_found"):
                pass  # through the permission and the area: the step's own state refused it
            elif allowed and not (200 <= status < 300 or (status == 409 and path == "/scans")):
                failures.append(f"{label}: expected allowed, got {status} {answer.text[:300]}")
            elif not allowed and call.empty_ok and status == 200 and answer.json().get("total") == 0:
                pass  # nothing found: refused in effect
            elif not allowed and status not in (403, 404):
                failures.append(f"{label}: expected refused (403/404), got {status} {answer.text[:300]}")
            body = answer.content.decode("utf-8", errors="replace")
            leaked = sorted(name for name in hidden - set(call.echoes) if name in body)
            if leaked:
                failures.append(f"{label}: the answer names {leaked}, outside the role's area")
    assert not failures, "\n".join(failures)


def test_unsafe_requests_without_the_csrf_token_are_refused(world):
    officer = world.clients[Role.DISTRICT_OFFICER]
    for (method, path), make in CALLS.items():
        if method == "GET" or (method, path) == ("DELETE", "/session"):
            continue
        for call in make(world, Role.DISTRICT_OFFICER, "V1"):
            kwargs = dict(call.kwargs)
            kwargs.pop("method", None)
            answer = officer.request(method, PREFIX + kwargs.pop("url"), **kwargs)
            _forget_jobs(world)
            assert answer.status_code == 403, (method, path, answer.status_code, answer.text[:300])
            assert answer.json()["field"] == "csrf_token"
