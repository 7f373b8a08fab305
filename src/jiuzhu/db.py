"""Engine, sessions and the declarative base.

Transactions belong to the boundary that starts the work (a CLI command, a
request, a job): it opens ``session_scope`` and the services it calls only
``flush``. Nothing below that boundary commits.

Writers wait for each other. On SQLite a transaction that writes begins with ``BEGIN IMMEDIATE``: it
takes the write lock before it reads anything, so a second writer waits for the first (up to
``BUSY_TIMEOUT_S``) instead of failing at once with "database is locked" when it tries to write after
reading (a deferred transaction that read an older snapshot cannot be made a writer: SQLite refuses it
without waiting). ``session_scope`` writes by default; ``session_scope(engine, write=False)`` and plain
``engine.connect()`` stay deferred and never hold the write lock (WAL: readers and the writer do not block
each other). PostgreSQL needs neither: its row locks make concurrent writers wait.

Errors of the database that a user can act on (another writer held the lock too long, a full disk, a
folder that cannot be written) become one line naming the database and what to do (``database_errors``).

How long a writer waits is the engine's (``make_engine(url, busy_seconds=…)``): a command or a job waits as long
as a big import may take (``BUSY_TIMEOUT_S``); a person at a page waits less (the web application's engine) and
is told that the registry is busy (``DatabaseBusy``, code ``busy``): a ledger import is one transaction on purpose
(nothing half-written) and holds SQLite's write lock until it ends.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from jiuzhu.errors import ConflictError
from jiuzhu.files import StorageError, storage_error
from jiuzhu.i18n import t

# Constraint names that Alembic can address on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
BUSY_TIMEOUT_S = 120  # a writer waits this long for another (a big import's batch, a bulk load) to finish
WRITE = "jiuzhu_write"  # execution option: this connection's transactions write (BEGIN IMMEDIATE on SQLite)
_WAITS: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()  # each engine's busy_seconds


class DatabaseBusy(ConflictError):
    """Another writer held SQLite's write lock for longer than this engine waits (``seconds``)."""

    code = "busy"

    def __init__(self, message: str, *, seconds: int) -> None:
        super().__init__(message)
        self.seconds = seconds


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# PostgreSQL connections kept open per process. SQLAlchemy's default keeps 5 and opens up to 10 more that it
# closes after each use: under the web application's load (requests at once in its thread pool) that was a new
# PostgreSQL connection — a server process forked, a sign-in — every few requests (113 in 6 s at 120 requests a
# second). 20 kept (and 20 more at a peak) stay under PostgreSQL's default of 100 connections for two server
# processes, the job worker and the CLI.
POOL = {"pool_size": 20, "max_overflow": 20}


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values`` (a closed vocabulary: states, kinds, channels)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def make_engine(url: str, *, busy_seconds: int = BUSY_TIMEOUT_S) -> Engine:
    """An engine for ``url``; SQLite files get foreign keys, WAL and a busy timeout: a writer waits up to
    ``busy_seconds`` for another to finish, then gets ``DatabaseBusy``."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, folder) from None
    engine = create_engine(url, **({} if url.startswith("sqlite") else POOL))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_seconds))
        event.listen(engine, "begin", _sqlite_begin)
    _WAITS[engine] = busy_seconds
    return engine


def _sqlite_pragmas(busy_seconds: int, dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
    # recipe: let the driver autocommit and emit BEGIN ourselves (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The engine whose transactions write: on SQLite they take the write lock first (``BEGIN IMMEDIATE``)."""
    return engine.execution_options(**{WRITE: True})


READS_ONLY = "jiuzhu_reads_only"  # session.info: the session's transaction only reads (session_scope(write=False))


def reads_only(session: Session) -> bool:
    """Whether ``session`` was opened to read only (``session_scope(..., write=False)``): nothing it would read
    is a change of its own, not yet committed."""
    return bool(session.info.get(READS_ONLY))


def plan_with_values(session: Session) -> None:
    """Plan this transaction's statements with their values, every time (PostgreSQL; nothing on SQLite).

    psycopg prepares a statement run five times, and PostgreSQL then may switch to one generic plan that ignores
    the values. For an area prefix (``area_code LIKE '500111%'``) the generic plan guesses a few rows where a
    district officer's area holds every household, and the registry search went from 1 ms to 12-20 ms a query
    under load. A statement whose best plan turns on its values calls this first (``SET LOCAL``: this
    transaction only; planning costs a fraction of a millisecond)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise.

    ``write=False`` for a transaction that only reads (it never waits for, nor holds, the write lock)."""
    session = sessionmaker(bind=writer(engine) if write else engine, expire_on_commit=False)()
    if not write:
        session.info[READS_ONLY] = True
    try:
        with database_errors(engine):
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """The database's errors that a user can act on, as one line naming the database (others pass)."""
    try:
        yield
    except OperationalError as exc:
        error = _user_error(exc, engine)
        if error is None:
            raise
        raise error from None


def _user_error(exc: OperationalError, engine: Engine) -> Exception | None:
    """A JiuzhuError for a lock held too long, a full disk or a folder that cannot be written; else None."""
    if engine.dialect.name != "sqlite":
        return None
    return sqlite_error(str(exc.orig), Path(engine.url.database or ""), seconds=_WAITS.get(engine, BUSY_TIMEOUT_S))


def sqlite_error(message: str, path: Path, *, seconds: int = BUSY_TIMEOUT_S) -> Exception | None:
    """What an SQLite error message means for a user of the database file ``path`` (any driver's wording
    of SQLite's own messages), as one line; None if it is none of the errors a user can act on. ``seconds``:
    how long the writer waited for the lock."""
    text = message.lower()
    if "database is locked" in text or "database is busy" in text:
        return DatabaseBusy(t("the database {path} is busy: another command has been writing to it for over "
                              "{seconds} s (an import or a load?); try again when it has finished",
                              path=path, seconds=seconds), seconds=seconds)
    if "disk is full" in text:
        return StorageError(t("cannot write the database {path}: the disk is full; free space and try again "
                              "(nothing of this command was kept)", path=path))
    if "readonly database" in text or "unable to open database file" in text:
        return StorageError(t("cannot use the database {path}: the folder {folder} cannot be written (read-only, "
                              "no permission, or missing); set JIUZHU_HOME to a folder you can write, or fix it",
                              path=path, folder=path.parent))
    if "file is not a database" in text or "database disk image is malformed" in text:
        return StorageError(t("{path} is not a Jiuzhu database (not SQLite, or damaged); restore it from a backup "
                              "or set JIUZHU_HOME to another folder", path=path))
    if "disk i/o error" in text:
        return StorageError(t("cannot write the database {path}: the disk reported an error (full, over a size "
                              "limit, removed or failing); nothing of this command was kept", path=path))
    return None
