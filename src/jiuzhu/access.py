"""Who may do what, where: roles, their permissions, and the signed-in person (``Principal``).

Core, imported by every capability's services, which enforce it in their queries (a link hidden on a page is
no control): a service that reads or changes personal data takes a ``Principal`` and

- filters its query with ``principal.area_clause(column)`` (or checks one record with ``principal.covers``),
- calls ``principal.require(Permission.X)`` before doing what the role may not do.

Scope (个人信息保护法 art. 6, least data for the purpose; 社会救助暂行办法 art. 4, 乡镇 and 县级 duties): each account
is bound to one area of the hierarchy — a district (区县), a township (乡镇/街道) or a village/community (村/社区) —
and sees what lies inside it. A record with no area lies inside no area: no area-scoped account sees it (two peer
systems leaked exactly there). The CLI's operator (``Principal.operator``), who runs the server and holds its
database, acts on the installation's whole jurisdiction.

    Role            the six roles of the issue (community worker … administrator)
    Permission      what a role may do (read the registry, unmask, import, scan, …)
    ROLE_PERMISSIONS  the table of both (docs/security.md prints it)
    Principal       username, role, area, the area's prefix; can / require / covers / area_clause
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import false, or_

from jiuzhu.errors import ForbiddenError
from jiuzhu.i18n import N_, t


class Role(StrEnum):
    COMMUNITY_WORKER = "community_worker"  # 村/社区工作人员: visits, records outreach, reads its own village
    TOWNSHIP_CASEWORKER = "township_caseworker"  # 乡镇（街道）经办人: imports ledgers, runs scans of its township
    TOWNSHIP_APPROVER = "township_approver"  # 乡镇（街道）审核人: the caseworker's work, and may see identifiers
    DISTRICT_OFFICER = "district_officer"  # 区县民政局: the district's figures, scans, what-if
    AUDITOR = "auditor"  # 审计/纪检: the audit log, households read masked
    ADMINISTRATOR = "administrator"  # 系统管理员: accounts; no personal data


ROLE_TITLES = {
    Role.COMMUNITY_WORKER: N_("community worker"),
    Role.TOWNSHIP_CASEWORKER: N_("township caseworker"),
    Role.TOWNSHIP_APPROVER: N_("township approver"),
    Role.DISTRICT_OFFICER: N_("district officer"),
    Role.AUDITOR: N_("auditor"),
    Role.ADMINISTRATOR: N_("administrator"),
}


class Permission(StrEnum):
    READ_REGISTRY = "registry.read"  # search households, read one (identifiers masked), its history
    WRITE_REGISTRY = "registry.write"  # import ledgers and household documents
    EXPORT = "registry.export"  # download ledgers and lists of personal data
    UNMASK = "personal.unmask"  # see an identifier in full, with a reason that is logged
    EVALUATE = "rules.evaluate"  # a household's evaluation and explanation; evaluate a posted household
    WHATIF = "rules.whatif"  # 政策测算
    SCAN = "discovery.scan"  # run a scan (政策找人)
    READ_WORKLISTS = "discovery.read"  # the 应享未享 / 享而不应 worklists and workbooks
    RECORD_OUTREACH = "discovery.outreach"  # record the outcome of a visit
    DASHBOARD = "dashboard.read"  # 工作台: figures without personal data
    READ_AUDIT = "audit.read"  # browse and verify the audit log
    MANAGE_USERS = "accounts.manage"  # 用户管理
    CONSENT_MANAGE = "consent.manage"  # 个人电子授权: request, record, withdraw, send links (帮代办)
    VERIFY = "verification.run"  # 发起核对: ask the departments about a household, under its members' consent
    READ_VERIFICATION = "verification.read"  # a verification's progress and 核对报告 (identifiers masked)
    APPLY = "cases.apply"  # file an application for a resident (at the office, or 帮代办 by a community worker)
    READ_CASES = "cases.read"  # applications, cases, their timelines, the 公示 list and work lists by time limit
    HANDLE_CASES = "cases.handle"  # move a case along: completeness, home visit, 公示, objections, proposed decision
    DECIDE = "cases.decide"  # approve, reject, stop or adjust: a decision with written reasons (审核/审批)
    PREPARE_PAYROLL = "payroll.prepare"  # prepare a month's payroll, issue bank files, import returns, re-issue
    APPROVE_PAYROLL = "payroll.approve"  # approve a payroll or close a reconciliation (never one's own: maker-checker)
    READ_PAYMENTS = "payroll.read"  # payrolls, their lines, reconciliation and totals


_P = Permission
_WORKER = {_P.READ_REGISTRY, _P.EVALUATE, _P.READ_WORKLISTS, _P.RECORD_OUTREACH, _P.DASHBOARD, _P.CONSENT_MANAGE,
           _P.APPLY, _P.READ_CASES}
_CASEWORKER = _WORKER | {_P.WRITE_REGISTRY, _P.EXPORT, _P.SCAN, _P.VERIFY, _P.READ_VERIFICATION, _P.HANDLE_CASES,
                         _P.PREPARE_PAYROLL, _P.READ_PAYMENTS}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COMMUNITY_WORKER: frozenset(_WORKER),
    Role.TOWNSHIP_CASEWORKER: frozenset(_CASEWORKER),
    Role.TOWNSHIP_APPROVER: frozenset(_CASEWORKER | {_P.UNMASK, _P.DECIDE, _P.APPROVE_PAYROLL}),
    # 区县民政局 decides (审批) and approves the district's payroll; it may prepare one too, never approve its own.
    Role.DISTRICT_OFFICER: frozenset({_P.READ_REGISTRY, _P.EXPORT, _P.UNMASK, _P.EVALUATE, _P.WHATIF, _P.SCAN,
                                      _P.READ_WORKLISTS, _P.DASHBOARD, _P.VERIFY, _P.READ_VERIFICATION,
                                      _P.READ_CASES, _P.DECIDE, _P.PREPARE_PAYROLL, _P.APPROVE_PAYROLL,
                                      _P.READ_PAYMENTS}),
    Role.AUDITOR: frozenset({_P.READ_REGISTRY, _P.READ_AUDIT, _P.DASHBOARD, _P.READ_VERIFICATION, _P.READ_CASES,
                             _P.READ_PAYMENTS}),
    Role.ADMINISTRATOR: frozenset({_P.MANAGE_USERS, _P.DASHBOARD}),
}
OPERATOR_PERMISSIONS = frozenset(Permission)


def role_title(role: Role | str) -> str:
    """The role's name in the current language (乡镇经办人 …)."""
    return t(ROLE_TITLES[Role(role)])


@dataclass(frozen=True)
class Principal:
    """The person a request or command acts for.

    ``area_code``: the area the account is bound to; ``area_prefixes``: what the code of every area inside it
    begins with (``registry.areas.prefix``; several for an operator of a jurisdiction of several codes; "" would
    cover every area, and is given to no account). ``permissions`` defaults to the role's."""

    username: str
    role: Role | None
    area_code: str | None
    area_prefixes: tuple[str, ...]
    permissions: frozenset[Permission] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.permissions and self.role is not None:
            object.__setattr__(self, "permissions", ROLE_PERMISSIONS[Role(self.role)])

    @classmethod
    def operator(cls, username: str, jurisdiction_prefixes: tuple[str, ...]) -> Principal:
        """The CLI's operator: every permission over the installation's jurisdiction (the prefixes of its codes)."""
        return cls(username=username, role=None, area_code=None, area_prefixes=tuple(jurisdiction_prefixes),
                   permissions=OPERATOR_PERMISSIONS)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise ``ForbiddenError`` (HTTP 403, a non-zero exit) unless the role has ``permission``."""
        if not self.can(permission):
            raise ForbiddenError(t(PERMISSION_REFUSED, user=self.username))

    def covers(self, area_code: str | None) -> bool:
        """Whether a record of ``area_code`` lies inside this principal's area. No area: inside none."""
        if not area_code:
            return False
        return any(area_code.startswith(p) for p in self.area_prefixes)

    def require_area(self, area_code: str | None, field: str | None = None) -> None:
        """Raise ``ForbiddenError`` unless ``covers(area_code)`` (``field``: the input that gave the area). Callers
        that look a record up by key should rather answer "not found" (``covers``), so that a key outside the
        area reveals nothing; an area given as a filter is checked by ``registry.areas.check_within``."""
        if not self.covers(area_code):
            raise ForbiddenError(t(AREA_REFUSED, user=self.username, area=area_code or "-"), field=field)

    def area_clause(self, column):
        """A SQL condition true for rows whose ``column`` (an area code) lies inside this principal's area; rows
        with NULL there match none (LIKE on NULL is not true)."""
        if not self.area_prefixes:
            return false()
        return or_(*(column.startswith(p, autoescape=True) for p in self.area_prefixes))


PERMISSION_REFUSED = N_("{user} may not do this: the role does not allow it")
AREA_REFUSED = N_("{user} may not see or change records of area {area}: it is outside the account's area")
