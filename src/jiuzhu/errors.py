"""Errors that carry their context.

    JiuzhuError                 anything Jiuzhu refuses, with a message fit for a user (code "refused")
    ├── RecordError             one input record is wrong: names the record and the field ("invalid_record")
    │   └── (many of them)      collected by batch imports into a rejection report
    ├── RecordErrors            several problems of one record, all reported ("invalid_record")
    ├── NotFoundError           a household, person or area that does not exist ("not_found")
    ├── ConflictError           the request clashes with the stored state, e.g. a district already loaded ("conflict")
    ├── AuthenticationError     nobody signed in, a wrong password, a locked account ("unauthenticated")
    ├── ForbiddenError          signed in, but the role or the area does not allow it ("forbidden")
    └── ConfigurationError      the installation is wrong: database URL, missing server, a folder that cannot
                                be written ("configuration")

Messages are in the user's language (``jiuzhu.i18n.t``), one line each. The faces (the CLI, later the
API) translate these into exit codes or HTTP statuses in one place; services raise them and never print.
``code`` is stable across languages, for programs (the API's error body ``{code, message, field}``).
"""

from __future__ import annotations


class JiuzhuError(Exception):
    """Base of every error Jiuzhu raises on purpose; ``field`` names the input at fault (an option of a command, a
    field of a form), when there is one: the CLI shows it as ``--<field>``, the API in its error body."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecordError(JiuzhuError):
    """One record of input is invalid; ``record`` and ``field`` say where."""

    code = "invalid_record"

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = record
        self.reason = reason
        super().__init__(f"{record}: {field}: {reason}", field=field)


class RecordErrors(JiuzhuError):
    """Several problems found in one record; all are reported, not just the first."""

    code = "invalid_record"

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class NotFoundError(JiuzhuError):
    """A record that was asked for by key does not exist."""

    code = "not_found"


class ConflictError(JiuzhuError):
    """What was asked clashes with what is stored (a district loaded twice, a record changed meanwhile)."""

    code = "conflict"


class AuthenticationError(JiuzhuError):
    """Nobody is signed in, or the sign-in failed (wrong name or password, a locked account): HTTP 401."""

    code = "unauthenticated"


class ForbiddenError(JiuzhuError):
    """The signed-in person's role or area does not allow what was asked (``jiuzhu.access``): HTTP 403."""

    code = "forbidden"


class ConfigurationError(JiuzhuError):
    """The installation or its settings are wrong."""

    code = "configuration"
