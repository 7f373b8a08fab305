"""What can go wrong when Jiuzhu asks a source, classified for the orchestration: retryable or not, and how long
the source asked us to wait (Retry-After).

Codes are the department's (format.ERRORS) plus three of the client's own: ``unreachable`` (connection refused
or reset: retryable), ``timeout`` (no answer within the time-out: retryable), ``bad_response`` (an answer whose
signature or shape does not hold: not retryable, its items are unknown). A failure never means "nothing found":
its items are unknown.
"""

from __future__ import annotations

from jiuzhu.errors import JiuzhuError
from jiuzhu.exchange.format import ERRORS
from jiuzhu.i18n import N_, t

CLIENT_ERRORS: dict[str, tuple[bool, str]] = {
    "unreachable": (True, N_("cannot connect to {endpoint}")),
    "timeout": (True, N_("{endpoint} did not answer in time")),
    "bad_response": (False, N_("the answer of {endpoint} cannot be trusted: {detail}")),
}


class ExchangeFailure(JiuzhuError):
    """A query that got no usable answer. ``code``: a department's or a client's code; ``retryable``; ``status``:
    the HTTP status if there was one; ``retry_after``: seconds the source asked us to wait, if it said."""

    def __init__(self, endpoint: str, code: str, message: str, *, retryable: bool, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.code = code
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    @classmethod
    def client(cls, endpoint: str, code: str, detail: str = "") -> ExchangeFailure:
        retryable, message = CLIENT_ERRORS[code]
        return cls(endpoint, code, t(message, endpoint=named(endpoint), detail=detail), retryable=retryable)

    @classmethod
    def department(cls, endpoint: str, code: str, message: str, status: int,
                   retry_after: float | None = None) -> ExchangeFailure:
        """An error a department answered. Retryable by our table of its code (not by what it says of itself);
        an unknown code by its HTTP status: 429 and 5xx are worth another try, other 4xx are not."""
        spec = ERRORS.get(code)
        retryable = spec.retryable if spec else (status == 429 or status >= 500)
        return cls(endpoint, code, t("{endpoint} refused: {message}", endpoint=named(endpoint), message=message),
                   retryable=retryable, status=status, retry_after=retry_after)


def named(endpoint: str) -> str:
    """An endpoint as staff know it: 重庆农村商业银行（bank.cqrcb）; one the catalogue does not know, as it is."""
    from jiuzhu.exchange.sources import catalogue

    spec = catalogue().get(endpoint)
    return t("{department} ({endpoint})", department=spec.department, endpoint=endpoint) if spec else endpoint


def code_words(code: str, detail: str = "") -> str:
    """A department's or the signature check's code in words, its detail after it when there is one."""
    words = t(ERRORS[code].message) if code in ERRORS else code
    return t("{reason} ({detail})", reason=words, detail=detail) if detail else words


def is_retryable(exc: BaseException) -> bool:
    """For the orchestration's retry policy (tenacity's retry_if_exception)."""
    return isinstance(exc, ExchangeFailure) and exc.retryable


def retry_after(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, ExchangeFailure) else None
