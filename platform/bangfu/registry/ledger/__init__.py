"""The household ledger (台账): how bureau staff and assistants bring their spreadsheets into
Bangfu, and how a filtered household list goes back out to Excel.

The format: one row per member, the household's columns repeated on each of its rows and the
rows grouped by registry number (户编号). Headers are Chinese as a county clerk writes them
(``LEDGER_COLUMNS``), English aliases are accepted; a title row above the header is skipped.
Files are .xlsx or .csv (UTF-8 with or without BOM, GB18030, or Excel's UTF-16 text).

Rules of an import (``import_ledger``):

- All or nothing. Every row is checked and every problem reported with its row (as Excel
  numbers it, the header being row 1), its column header and a reason a clerk can act on
  (``bangfu.core.sheet_checking``, as for the cross-check files). If
  there is a single problem nothing is written; otherwise all households and members are written
  in one transaction together with the ``LedgerImport`` audit row. A refused file gets an audit
  row too; a dry run writes nothing at all.
- Size. A file above the caps of the importer's region (policies ``import_max_rows`` and
  ``import_max_megabytes``, ``limits``) is refused whole, naming the cap and the file's figure.
  From the staff page, a file of more than ``background_rows`` rows is imported by a background
  job (``jobs``) whose page shows the rows checked, then the report; its task writes the rows
  and the job's result in the same transaction.
- The importer needs a role that can change the registry (else PermissionDenied), and every
  village code must name a village inside their area.
- An import only adds households. A registry number already in use, or a person (found by the
  keyed hash of the ID number) already registered in any household, is an error of that row:
  changes to registered households go through the registry's forms, where each is audited.
- Below a household's first row, household cells may be left blank (as merged cells read);
  a filled cell must agree with the household's other rows.
- Birth date and sex come from the ID number; the ID number is stored encrypted.

The bulk insert sends no signals, so the import writes django-auditlog's per-object entries
itself (``bangfu.core.audit.log_created``): one "create" entry per household and member, each
carrying the ``LedgerImport`` row's id (who, when, which file by SHA-256, how many rows).
"""

from bangfu.registry.ledger.checking import LedgerReport
from bangfu.registry.ledger.columns import LEDGER_COLUMNS, Column
from bangfu.registry.ledger.exporting import export_households
from bangfu.registry.ledger.importing import import_ledger

__all__ = [
    "LEDGER_COLUMNS",
    "Column",
    "LedgerReport",
    "export_households",
    "import_ledger",
]
