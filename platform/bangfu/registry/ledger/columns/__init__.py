"""The ledger's columns: headers as a county clerk writes them, what each cell may hold, and how
a cell turns into a model value (on import) and back (on export). One module a subject: the cell
readers (``readers``), the coded values (``labels``), the columns in their order (``layout``).

Headers and labels are part of the file format, not of the interface: they stay Chinese in every
language, so a file exported under any language re-imports. English aliases are accepted.
"""

from bangfu.registry.ledger.columns.labels import (
    CARE_LEVELS,
    DISABILITIES,
    HOUSEHOLD_TEKUN,
    HOUSEHOLD_TIERS,
    ILLNESSES,
    PERSONAL_STATUSES,
    RELATIONS,
    RESIDENCES,
    WORK_ABILITIES,
    Labels,
)
from bangfu.registry.ledger.columns.layout import (
    HOUSEHOLD_COLUMNS,
    LEDGER_COLUMNS,
    MEMBER_COLUMNS,
    Column,
)
from bangfu.registry.ledger.columns.readers import (
    code,
    date,
    grade,
    money,
    past_date,
    text,
    write_yes_no,
    yes_no,
)

__all__ = [
    "CARE_LEVELS",
    "DISABILITIES",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_TEKUN",
    "HOUSEHOLD_TIERS",
    "ILLNESSES",
    "LEDGER_COLUMNS",
    "MEMBER_COLUMNS",
    "PERSONAL_STATUSES",
    "RELATIONS",
    "RESIDENCES",
    "WORK_ABILITIES",
    "Column",
    "Labels",
    "code",
    "date",
    "grade",
    "money",
    "past_date",
    "text",
    "write_yes_no",
    "yes_no",
]
