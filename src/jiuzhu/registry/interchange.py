"""Import and export of households in the JSON interchange format.

A file is either one JSON document (one household, or a list of households) or JSON Lines (one household
per line, ``.jsonl``). Import keeps the good households and reports the bad ones; each household is stored
wholly or not at all (its own savepoint), so one that fails in the database leaves nothing half-written.

    check_file(path)                       the file can be read as households, or one clear error — before
                                           any long work (missing, a folder, empty, not UTF-8, masked)
    import_households(session, path, …)    every household of a file, in the caller's transaction
    import_households_file(engine, path, …) the same for files of any size: streamed line by line, committed
                                           every ``batch`` households in a transaction of its own, so an
                                           interrupted import is resumed by importing the file again
                                           (households already stored unchanged are skipped, no log rows)
    export_households(session, path, …)    JSON Lines, identifiers masked unless ``unmask`` (logged)

Records are named "<file> line N (household X)" (Chinese: "<file> 第N行（户 X）").
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError, NotFoundError, RecordError, RecordErrors
from jiuzhu.files import atomic_output, check_output, guess_encoding
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas, privacy, service
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.spreadsheet import write_csv

SAMPLE_BYTES = 1 << 16  # how much of a file is read to check its encoding before the import starts
BATCH = 500  # households per transaction of a file import


REPORT_HEADERS = ("记录", "字段", "原因")  # the rejection CSV's columns: Chinese in every language, as the ledger's


@dataclass
class ImportReport:
    stored: list[str] = field(default_factory=list)  # created or changed
    rejected: list[RecordError] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already stored as in the file: nothing written
    records: int = 0  # records read (households, good and bad)

    @property
    def stored_households(self) -> int:
        return len(self.stored)

    @property
    def rejected_households(self) -> int:
        return len({e.record for e in self.rejected})

    def write_csv(self, path: Path | str) -> None:
        """Every rejection (the record naming its household, the field, the reason) as CSV that Excel opens,
        written whole or not at all."""
        write_csv(path, REPORT_HEADERS, ([e.record, e.field, e.reason] for e in self.rejected))

    def add(self, stored: service.Stored) -> None:
        self.stored += stored.stored
        self.unchanged += stored.unchanged
        self.rejected += stored.rejected


# --------------------------------------------------------------------------- reading files


def check_file(path: Path | str) -> Path:
    """``path`` if it can be read as households; otherwise one JiuzhuError saying what is wrong and what to do.

    Reads at most the first 64 KiB: a file of the wrong encoding (GB18030/GBK from a Chinese Windows
    program, UTF-16 …), binary data, an empty file, a folder, a missing file, or an export written with
    masked identifiers is refused before anything is stored."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(t("{path} does not exist: check the name and the folder", path=path))
    if path.is_dir():
        raise JiuzhuError(t("{path} is a folder, not a file: give the .json or .jsonl file in it", path=path))
    try:
        with path.open("rb") as f:
            sample = f.read(SAMPLE_BYTES)
    except OSError as exc:
        raise JiuzhuError(t("{path} cannot be read: {cause}", path=path, cause=exc.strerror or exc)) from None
    if not sample.strip():
        raise JiuzhuError(t("{path} is empty: it holds no household", path=path))
    _check_text(path, sample)
    first = next(_read_lines(path), None) if path.suffix.lower() == ".jsonl" else None
    if first is not None and isinstance(first[1], dict) and privacy.masked_paths(first[1]):
        raise JiuzhuError(t("{path} was exported with masked identifiers (ID numbers shown with *): it cannot be "
                            "imported; export again with unmask for a complete copy", path=path))
    return path


def _check_text(path: Path, sample: bytes) -> None:
    """UTF-8 text (a NUL is valid UTF-8 but never in a text file: binary data)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a character cut at the end is fine
        offset = sample.find(b"\0")
    except UnicodeDecodeError as exc:
        offset = exc.start
    if offset >= 0:
        raise JiuzhuError(t("{path} is not UTF-8 text (byte {offset}): it looks like {guess}; save it as UTF-8 and "
                            "import it again", path=path, offset=offset + 1, guess=guess_encoding(sample)))


class Position:
    """How far a file has been read, in bytes: the progress of an import."""

    done: int = 0


def read_documents(path: Path, position: Position | None = None) -> Iterator[tuple[str, object]]:
    """(record label, parsed JSON or the RecordError saying why it is not a household's JSON) per household.

    JSON Lines are read line by line (never the whole file); a ``.json`` file is one document. ``position``
    follows the bytes read."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        yield from _read_lines(path, position=position)
        return
    data = path.read_bytes()
    if position is not None:
        position.done = len(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield path.name, RecordError(path.name, t("(file)"), t("not UTF-8 text (byte {offset})", offset=exc.start + 1))
        return
    data = _loads(text, path.name)
    if isinstance(data, list):
        for index, item in enumerate(data, start=1):
            record = t("{file} item {n}", file=path.name, n=index)
            yield record, _object(item, record)
    else:
        yield path.name, data if isinstance(data, RecordError) else _object(data, path.name)


def _read_lines(path: Path, *, parse: bool = True, position: Position | None = None) -> Iterator[tuple[str, object]]:
    """Line by line; ``parse=False`` leaves the text of each line as it is, to be validated straight from JSON."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if position is not None:
                position.done += len(raw)
            record = t("{file} line {n}", file=path.name, n=number)
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield record, RecordError(record, t("(line)"),
                                          t("not UTF-8 text (byte {offset})", offset=exc.start + 1))
                continue
            if not line.strip():
                continue
            if not parse:
                yield record, line
                continue
            data = _loads(line, record)
            yield record, data if isinstance(data, RecordError) else _object(data, record)


# Python's json module says what is wrong in English; its messages, in the reader's words (the rest: "broken").
_JSON_PROBLEMS = {
    "Expecting value": N_("a value is expected here"),
    "Expecting property name enclosed in double quotes": N_("a field name in double quotes is expected here"),
    "Expecting ':' delimiter": N_("a colon (:) is expected here"),
    "Expecting ',' delimiter": N_("a comma (,) is expected here"),
    "Unterminated string starting at": N_("a text in quotes starts here and is never closed"),
    "Invalid control character at": N_("a control character (a line break or tab) inside a text"),
    "Extra data": N_("more text after the end of the JSON document"),
    "Illegal trailing comma before end of object": N_("a comma before the closing brace"),
    "Illegal trailing comma before end of array": N_("a comma before the closing bracket"),
}


def _loads(text: str, record: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = (t("line {line}, column {column}", line=exc.lineno, column=exc.colno) if "\n" in text.rstrip()
                 else t("column {column}", column=exc.colno))
        problem = _JSON_PROBLEMS.get(exc.msg)
        return RecordError(record, where, t("not valid JSON: {reason}",
                                            reason=t(problem) if problem else t("the text is broken here")))
    except RecursionError:
        return RecordError(record, t("(line)"), t("nested too deeply to be a household"))


_KINDS = {bool: N_("true or false"), list: N_("a list"), str: N_("a string"), int: N_("a number"),
          float: N_("a number"), type(None): N_("null")}


def _object(data: object, record: str) -> object:
    if isinstance(data, dict):
        return data
    kind = next((k for tp, k in _KINDS.items() if isinstance(data, tp)), N_("a value"))
    return RecordError(record, t("(document)"), t("a household is a JSON object {{…}}, not {kind}", kind=t(kind)))


# --------------------------------------------------------------------------- import


def import_households(session: Session, path: Path, *, actor: str, reason: str) -> ImportReport:
    """Every household of a file, in the caller's transaction (each in a savepoint of its own)."""
    path = check_file(path)
    report = ImportReport()
    with _fewer_collections():
        for chunk in _chunks(_records(path), BATCH):
            report.add(_store(session, _parse(chunk, report), actor=actor, reason=reason))
    return report


def import_households_file(engine: Engine, path: Path | str, *, actor: str, reason: str, batch: int = BATCH,
                           progress: Callable[[int], None] | None = None,
                           total: Callable[[int], None] | None = None) -> ImportReport:
    """Every household of a file of any size: streamed, and committed every ``batch`` households.

    The file is checked first (``check_file``). Each batch is parsed, then written in a transaction of its own
    (on SQLite the write lock is held only while a batch is written, so other commands go on between batches).
    If the import is interrupted, the batches committed stay; importing the same file again resumes it:
    households stored as they are in the file are skipped without writing or logging anything. Progress is
    measured in bytes (the file is read once): ``total`` receives the file's size, then ``progress`` the bytes
    read after each batch."""
    path = check_file(path)
    if total is not None:
        total(path.stat().st_size)
    report, position = ImportReport(), Position()
    with _fewer_collections():
        for chunk in _chunks(_records(path, position), max(batch, 1)):
            parsed = _parse(chunk, report)
            if parsed:
                report.add(_store_batch(engine, parsed, actor=actor, reason=reason))
            if progress is not None:
                progress(position.done)
    return report


@contextlib.contextmanager
def _fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Python's cycle collector runs after every 700 new objects by default, and each run walks every young
    object; an import makes thousands per household (freed by reference counting: there are no cycles to
    find). Running it less often while importing was a third of the import's time."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], threshold), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


RETRIES = 3


def _store_batch(engine: Engine, parsed: list[tuple[str, s.Household]], *, actor: str,
                 reason: str) -> service.Stored:
    """One batch in a transaction of its own, tried again if PostgreSQL chose it as the victim of a deadlock
    with another writer (two imports meeting the same people in another order)."""
    attempt = 1
    while True:
        try:
            with session_scope(engine) as session:
                return _store(session, parsed, actor=actor, reason=reason)
        except OperationalError as exc:
            if attempt >= RETRIES or getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
            attempt += 1


def _chunks(records: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(records, size)):
        yield chunk


def _records(path: Path, position: Position | None = None) -> Iterator[tuple[str, object]]:
    """The records of a file to import: JSON Lines as text (validated straight from JSON, the fast way)."""
    if path.suffix.lower() == ".jsonl":
        return _read_lines(path, parse=False, position=position)
    return read_documents(path, position)


def _parse(chunk: list[tuple[str, object]], report: ImportReport) -> list[tuple[str, s.Household]]:
    """The valid documents of a chunk, with their record labels; the invalid ones go to the report."""
    parsed = []
    for record, data in chunk:
        report.records += 1
        if isinstance(data, str):  # a line of JSON Lines
            doc = service.valid_household_json(data)
            if doc is not None:
                parsed.append((_with_household(record, doc.household_no), doc))
                continue
            data = _loads(data, record)  # not valid: read it again to say why, the way a document is read
            data = data if isinstance(data, RecordError) else _object(data, record)
        try:
            parsed.append(parse_record(record, data))
        except RecordErrors as exc:
            report.rejected.extend(exc.errors)
    return parsed


def parse_record(record: str, data: object) -> tuple[str, s.Household]:
    """One record as ``read_documents`` gives it → (its label naming the household, the valid document); else
    RecordErrors naming the record, its household and each field (a masked export said so)."""
    if isinstance(data, RecordError):
        raise RecordErrors([data])
    if isinstance(data, dict) and isinstance(data.get("household_no"), str):
        record = _with_household(record, data["household_no"])
    try:
        return record, service.parse_household(data, record=record)
    except RecordErrors:
        masked = privacy.masked_paths(data) if isinstance(data, dict) else []
        if masked:
            raise RecordErrors([RecordError(record, masked[0], t(
                "masked in an export (shown with *): import a copy exported with unmask"))]) from None
        raise


def _with_household(record: str, household_no: str) -> str:
    return t("{record} (household {household_no})", record=record, household_no=household_no)


def _store(session: Session, parsed: list[tuple[str, s.Household]], *, actor: str, reason: str) -> service.Stored:
    return service.put_households(session, parsed, actor=actor, reason=reason)


# --------------------------------------------------------------------------- export


def export_households(session: Session, path: Path, *, actor: str, area_code: str | None = None,
                      batch: int = 500, unmask: bool = False,
                      progress: Callable[[int], None] | None = None) -> int:
    """Write every household (of an area, if given) as JSON Lines; returns the count.

    Identifiers are masked (``privacy``) unless ``unmask``: a masked file is for reading, and is refused by
    import; an unmasked one is the lossless copy (export → import returns the same registry). The file
    appears whole or not at all. The export is logged, saying which it was."""
    path = check_output(path, {".jsonl"})
    query = select(m.Household).order_by(m.Household.household_no)
    if area_code:
        query = query.where(m.Household.area_code.startswith(areas.prefix(area_code)))
    count = 0
    with _fewer_collections(), atomic_output(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for chunk in session.scalars(query).partitions(batch):
            for doc in service.households_docs(session, list(chunk)):
                if unmask:
                    out.write(doc.model_dump_json() + "\n")
                else:
                    masked = privacy.mask_document(doc.model_dump(mode="json"))
                    out.write(json.dumps(masked, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
            if progress is not None:
                progress(count)
    service.log_export(session, actor=actor, file=path.name, area=area_code, households=count, unmasked=unmask)
    return count
