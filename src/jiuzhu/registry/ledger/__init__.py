"""Import and export of the ledgers (台账) that township staff keep, in .xlsx and CSV.

One header row of Chinese column names (``columns.COLUMNS``), then the rows of each household sharing
its 户编号: a person's own row (the ledger staff know: the person's facts and the month exported) and
detail rows (明细) listing every further income month, statement, vehicle, property, business,
supporter, rigid spending, emergency and enrolment, so that export → import is lossless. A ledger kept
by hand (one row per person, some columns) imports too: what it leaves out keeps the registry's values.
docs/ledger.md is the user's description.

    report = import_ledger(session, path, actor=..., reason=..., progress=None)   # LedgerReport
    export_ledger(session, path, month="2025-08", area_code=None, unmask=False, actor=..., progress=None)

The package, by what each part does:

    cells        one cell ⇄ one value (parsers and formatters)
    columns      the columns and kinds of rows, as data
    sheets       reading .xlsx (merged cells) and CSV (encodings); every file error, before any work
    views        what a row shows: the monthly view of a person, the detail rows
    rows         one row → validated documents, problems by column
    merging      a person's rows over the stored person
    enrolments   enrolments from the rows, over the stored ones
    households   the rows of a household → its document (all or nothing)
    importing    the import: batches, savepoints, the report
    exporting    the export: masking, writers, the access log
    report       LedgerReport, RejectedRow

Both functions take the caller's session and only flush.
"""

from __future__ import annotations

from jiuzhu.registry.ledger.exporting import count_people, export_ledger, ledger_rows
from jiuzhu.registry.ledger.importing import import_ledger
from jiuzhu.registry.ledger.report import LedgerReport, RejectedRow
from jiuzhu.registry.ledger.sheets import load_sheet, read_sheet
from jiuzhu.registry.ledger.views import member_row_view

__all__ = ["LedgerReport", "RejectedRow", "count_people", "export_ledger", "import_ledger", "ledger_rows",
           "load_sheet", "member_row_view", "read_sheet"]
