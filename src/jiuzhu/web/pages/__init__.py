"""The pages, one module per screen; ``router`` gathers them."""

from __future__ import annotations

from fastapi import APIRouter

from jiuzhu.web.pages import (
    applications,
    audit,
    cases,
    consent,
    dashboard,
    discovery,
    households,
    imports,
    jobs,
    login,
    payroll,
    resident,
    users,
    verifications,
    whatif,
)

router = APIRouter(include_in_schema=False)
for module in (login, dashboard, households, imports, jobs, discovery, whatif, audit, users, consent,
               verifications, applications, cases, payroll, resident):
    router.include_router(module.router)
