"""What the simulator's tests share: our key, consent assertions, requests as the adapters build them."""

from __future__ import annotations

import datetime as dt
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jiuzhu.exchange import assertions
from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.sources import kind_of

OURS = Ed25519PrivateKey.generate()
KID = "jiuzhu-500111-2026a"
REQUESTER = fmt.Requester(id="500111-mzj", name="重庆市大足区民政局")
PURPOSE = fmt.Purpose(kind="review", reference="2026年低保复核", legal_basis="《社会救助暂行办法》第五十八条")
AS_OF = dt.date(2025, 8, 31)
MONTHS = fmt.Months.model_validate({"from": "2025-03", "to": "2025-08"})


def assertion(id_number: str, audience: str, *, categories=None, sources=None, cid="CR-1", now=None,
              purpose="review", key=OURS, kid=KID) -> str:
    kind = kind_of(audience)
    consent = assertions.Consent(record_id=cid, id_number=id_number,
                                 categories=tuple(categories or kind.categories),
                                 sources=tuple(sources or [kind.kind]), purpose_kind=purpose, purpose_ref="复核")
    return assertions.issue(consent, audience=kind.kind, issuer=REQUESTER.id, key=key, kid=kid, now=now)


def request(endpoint: str, id_numbers: list[str], *, request_id: str | None = None, consents=None,
            months=MONTHS) -> fmt.QueryRequest:
    consents = consents or {}
    subjects = [fmt.Subject(id_number=i, name="某某", consent=consents.get(i) or assertion(i, endpoint))
                for i in id_numbers]
    return adapter_for(endpoint).request(request_id=request_id or str(uuid.uuid4()), requester=REQUESTER,
                                         purpose=PURPOSE, as_of=AS_OF, subjects=subjects, months=months)
