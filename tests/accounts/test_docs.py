"""docs/security.md keeps up with the code: the roles × permissions table and the demo's accounts."""

from __future__ import annotations

import re

from jiuzhu.access import ROLE_PERMISSIONS, Permission, Role
from jiuzhu.accounts import service
from tests.conftest import ROOT

SECURITY = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def test_the_permission_table_is_access_role_permissions():
    header = next(line for line in SECURITY.splitlines() if line.startswith("| permission |"))
    roles = re.findall(r"`([a-z_]+)`", header)
    assert roles == [r.value for r in Role]
    for permission in Permission:
        row = next(line for line in SECURITY.splitlines() if line.startswith(f"| `{permission.value}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert cells == ["✓" if permission in ROLE_PERMISSIONS[r] else "" for r in Role], permission


def test_the_demo_accounts_are_documented():
    for role, name in service.DEMO_NAMES.items():
        assert f"| `{name}` |" in SECURITY and f"`{service.demo_password(role)}`" in SECURITY


def test_the_lock_out_figures_are_the_codes():
    assert service.MAX_FAILURES == 5 and service.LOCKOUT.total_seconds() == 15 * 60
    assert "5 wrong passwords in a row" in SECURITY and "15 minutes" in SECURITY
