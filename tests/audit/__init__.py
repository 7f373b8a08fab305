"""Tests of the audit log; ``access_rows`` is how other tests read what the old access log held."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.audit import service as audit
from jiuzhu.audit.models import AuditEntry


def access_rows(session: Session) -> list[AuditEntry]:
    """The audit log's rows that record an access to personal data (views, histories, exports), oldest first."""
    query = select(AuditEntry).where(AuditEntry.action.not_in(sorted(audit.CHANGE_ACTIONS | audit.ACCOUNT_ACTIONS)))
    return list(session.scalars(query.order_by(AuditEntry.seq)))
