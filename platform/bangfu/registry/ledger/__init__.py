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
- An import adds households and updates those already registered in the importer's area:
  a registry number of the area names the household its rows update, an ID number (by its
  keyed hash) registered in that household the member. Members the file leaves out are kept;
  a household is not moved to another village by an import. A registry number or a person
  registered outside the area is refused with the neutral wording of ``identity`` (the
  refusal audited), never "already registered elsewhere"; a person of the area registered in
  another household is an error naming that household.
- A masked cell, as the masked export writes it (王*, 139****0000, 5304**********1231, 新民村*组
  *号), means "the registered value" (a masked ID number names the household's member it
  masks); on a new household or member it is an error. A blank cell that is not required
  keeps the registered value too; on a new row it takes the column's default. The blank
  ledger's instructions sheet (说明) says so.
- Statuses: 救助类别 is the household's own status (低保, 低保边缘, 支出型困难, 无), 个人救助类别
  a member's (特困, 单人纳保, 无). 临时救助 is refused: it is a grant. 特困 in the household's
  column (as older files say it) makes each of its members 特困 whose own cell is blank, and
  is an error on a member whose cell says otherwise. On a new household the statuses are
  written as read; a change of a registered household's or member's status is a decision of
  the benefits system, recorded confirmed (``registry.coverage.decision_record``, the file's
  name as reference, the import's day as effective date, ``LedgerImport`` attached).
- Preview: the check lists every change (field: old → new, personal data masked) and every
  status change apart (``LedgerReport.changes``, ``status_changes``). From the staff page a
  file that changes registered data is only checked, until the user confirms that preview by
  sending the same file again (its SHA-256).
- Below a household's first row, household cells may be left blank (as merged cells read);
  a filled cell must agree with the household's other rows.
- Birth date and sex come from the ID number; the ID number is stored encrypted.

The bulk insert sends no signals, so the import writes django-auditlog's per-object entries
itself (``bangfu.core.audit.log_created``): one "create" entry per household and member, each
carrying the ``LedgerImport`` row's id (who, when, which file by SHA-256, how many rows).
Updated households and members are saved one by one, so auditlog records each change field by
field, with the same id in the entry's ``additional_data``.
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
