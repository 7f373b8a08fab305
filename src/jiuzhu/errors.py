"""Errors that carry their context.

    JiuzhuError                 anything Jiuzhu refuses, with a message fit for a user
    ├── RecordError             one input record is wrong: names the record and the field
    │   └── (many of them)      collected by batch imports into a rejection report
    ├── NotFoundError           a household, person or area that does not exist
    └── ConfigurationError      the installation is wrong (database URL, missing server)

The faces (CLI, later the API) translate these into exit codes or HTTP statuses in
one place; services raise them and never print.
"""

from __future__ import annotations


class JiuzhuError(Exception):
    """Base of every error Jiuzhu raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RecordError(JiuzhuError):
    """One record of input is invalid; ``record`` and ``field`` say where."""

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = record
        self.field = field
        self.reason = reason
        super().__init__(f"{record}: {field}: {reason}")

    def as_dict(self) -> dict[str, str]:
        return {"record": self.record, "field": self.field, "reason": self.reason}


class RecordErrors(JiuzhuError):
    """Several problems found in one record; all are reported, not just the first."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class NotFoundError(JiuzhuError):
    """A record that was asked for by key does not exist."""


class ConfigurationError(JiuzhuError):
    """The installation or its settings are wrong."""
