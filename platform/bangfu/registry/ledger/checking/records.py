"""The records of a ledger check: the report, the rows, the drafted households, field lists."""

from dataclasses import dataclass, field

from bangfu.core.id_numbers import IdFacts
from bangfu.core.masking import mask_name, mask_phone
from bangfu.core.sheet_checking import ImportReport, Row
from bangfu.regions.models import Region
from bangfu.registry.ledger.columns import (
    HOUSEHOLD_COLUMNS,
    LEDGER_COLUMNS,
    MEMBER_COLUMNS,
)
from bangfu.registry.ledger.exporting import mask_address
from bangfu.registry.models import (
    Household,
    Member,
)

# The model's own field validation runs on the free text and the amounts (lengths, digits); the
# other fields hold what the column readers produced, already checked against the choices.
_MODEL_CHECKED = {
    "registry_number",
    "address",
    "phone",
    "name",
    "illness_note",
    "monthly_income",
    "financial_assets",
}
HOUSEHOLD_READ = [f.name for f in Household._meta.fields if f.name not in _MODEL_CHECKED]
MEMBER_READ = [f.name for f in Member._meta.fields if f.name not in _MODEL_CHECKED]
LOOKUP_CHUNK = 500  # values per "IN (…)" lookup
# Household model fields filled from the ledger (the village code becomes the region).
HOUSEHOLD_FIELDS = [
    c.key for c in HOUSEHOLD_COLUMNS if c.key not in {"registry_number", "village_code"}
]
MEMBER_FIELDS = [c.key for c in MEMBER_COLUMNS if c.key != "id_number"]
# Statuses change only through a decision (``registry.coverage``), never as a plain field.
STATUS_FIELDS = {"household_tier", "personal_status"}
_MASKS = {"address": mask_address, "phone": mask_phone, "name": mask_name}
_COLUMNS = {column.key: column for column in LEDGER_COLUMNS}


@dataclass(frozen=True)
class Masked:
    """A cell as a masked export writes it (张*, 138****5678): "the registry's value"."""

    text: str


@dataclass
class LedgerReport(ImportReport):
    households_created: int = 0  # in a dry run: how many a real import would create
    members_created: int = 0
    households_updated: int = 0
    members_updated: int = 0
    decisions_recorded: int = 0  # status changes, each recorded as a confirmed decision
    # Status changes the importer may not decide (an assistant, bureau staff): each becomes a
    # recommendation (建议) for the township, and the registry keeps its status until then.
    decisions_proposed: int = 0
    ledger_import_id: int | None = None  # the audit row; None for a dry run
    file_sha256: str = ""  # the file checked, which a confirmation must send again
    # The changes the check found (raw values, statuses included): a confirmation must send the
    # same digest, so a registry changed since the preview is not written over.
    changes_sha256: str = ""
    # What the import does, personal data masked, for the preview (JSON, for a background job):
    # {"household", "member", "action": "create"|"update", "members", "fields": [[column, old,
    # new], …]} and {"household", "member", "old", "new", "proposed"} for each status change of
    # a registered household or person ("proposed": sent to the township, not applied).
    changes: list[dict] = field(default_factory=list)
    status_changes: list[dict] = field(default_factory=list)
    # Nothing written: the file changes registered data, and the user has to confirm it.
    needs_confirmation: bool = False

    @property
    def updates_anything(self) -> bool:
        """The file changes households or people already registered (or their statuses)."""
        return bool(self.households_updated or self.members_updated or self.status_changes) or (
            any(change["action"] == "create" and change["member"] for change in self.changes)
        )


@dataclass
class MemberRow(Row):
    facts: IdFacts | None = None
    digest: str = ""
    blank: set = field(default_factory=set)  # member keys left blank (or whose column is absent)
    member: Member | None = None  # the registered person this row updates


@dataclass(frozen=True)
class StatusChange:
    household: Household
    member: Member | None  # None: the household's own status
    old: str
    new: str
    row: int  # the row (and column ``key``) that asks for it, to name in an error
    key: str
    decide: bool  # the importer may decide it: recorded confirmed; else recommended


@dataclass
class Draft:
    """A household gathered from the rows that share its registry number."""

    registry_number: str
    rows: list[MemberRow] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)  # key → the row that gave the value
    region: Region | None = None
    household: Household | None = None
    existing: bool = False  # ``household`` is registered (in the importer's area): an update
    tekun: bool = False  # the household's column says 特困 (every member 特困 by default)
    members: list[Member] = field(default_factory=list)  # to create
    changed_fields: list[str] = field(default_factory=list)  # of an existing household
    updated_members: list[tuple[Member, list[str]]] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
