"""Replace one marked section of docs/performance.md (between its begin and end comments) with new text."""

from __future__ import annotations

from pathlib import Path


def write_section(doc: Path, begin: str, end: str, text: str) -> None:
    """``text`` must start with ``begin`` and end with ``end``; a document without the section gets it appended."""
    body = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    if begin in body:
        body = body[: body.index(begin)] + text + body[body.index(end) + len(end):]
    else:
        body = body.rstrip() + "\n\n" + text + "\n"
    doc.write_text(body, encoding="utf-8")


def kept_notes(doc: Path, begin: str, end: str, default: str) -> str:
    """The hand-written notes between ``begin`` and ``end`` in ``doc`` (kept when a benchmark rewrites its section),
    or ``default`` when there are none yet."""
    body = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if begin in body and end in body:
        return body[body.index(begin) + len(begin): body.index(end)].strip("\n")
    return default
