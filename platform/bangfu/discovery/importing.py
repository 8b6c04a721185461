"""Importing a department's cross-check file: every row checked, then all of it or nothing.

The reading (``bangfu.core.sheet_reading``: xlsx or CSV in UTF-8, UTF-8 with BOM or GB18030, the
caps of the region) and the error report (``bangfu.core.sheet_checking``: row as Excel numbers
it, column header, reason) are the ledger import's. Rules of a cross-check import:

- Only bureau staff (a region role that can write) import, for a region inside their area.
- People are matched by the keyed hash of their ID number: the clear number is validated,
  hashed and, for someone the registry does not know, stored encrypted on a new candidate
  person. It never reaches a log or a record.
- A person in the registry belongs to their household's village, which must lie inside the
  region of the file. A person outside the registry needs the village code of a village inside
  that region.
- A person registered (or being verified) outside the importer's area is refused in the neutral
  words of ``registry.identity``, naming no household nor place; the refusal is audited.
- The same person twice for the same period is an error of the second row (for a file where a
  person may hold several things, vehicles or properties, twice with the same one).
- A 错保 file (``Profile.registry_only``: deaths, vehicles, property, business, public payroll)
  is a department's whole list: only its rows about people in the registry are kept, the others
  are counted and dropped, never stored nor turned into candidate persons.
- All or nothing: a single error refuses the whole file (its ``CrossCheckImport`` row records the
  refusal); otherwise the import row, the candidates and the records are written in one
  transaction, and the warnings the rules raise on them in the same one.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import crypto
from bangfu.core.audit import log_created
from bangfu.core.id_numbers import IdFacts, InvalidIdNumber, parse_id_number
from bangfu.core.sheet_checking import (
    ImportReport,
    Row,
    SheetCheck,
    import_commit,
    read_upload,
)
from bangfu.core.sheet_reading import check_file
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Source, SourceRecord
from bangfu.discovery.profiles import PROFILES, Profile
from bangfu.discovery.selectors import import_regions, require_import
from bangfu.regions.models import Region
from bangfu.registry.identity import ID_NUMBER_TO_VERIFY, Refusal, refusals_record
from bangfu.registry.ledger.limits import limits_for
from bangfu.registry.models import Member

LOOKUP_CHUNK = 500
BATCH_SIZE = 1000
# Where a refusal happened, in the audit log (registry.identity).
CROSSCHECK_IMPORT = "crosscheck_import"
CROSSCHECK_DRY_RUN = "crosscheck_dry_run"


@dataclass
class CrossCheckReport(ImportReport):
    source: str = ""
    matched: int = 0  # rows about people in the registry
    candidates_created: int = 0
    flags_created: int = 0
    not_in_registry: int = 0  # rows of a 错保 file about people the registry does not know
    import_id: int | None = None


@dataclass
class _Row(Row):
    facts: IdFacts | None = None
    digest: str = ""
    member: Member | None = None
    candidate: CandidatePerson | None = None
    village: Region | None = None
    period: dt.date | None = None


def import_crosscheck(
    fileobj,
    *,
    source: str,
    filename: str,
    by,
    region: Region | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    before_commit: Callable[[CrossCheckReport], None] | None = None,
) -> CrossCheckReport:
    """Import one department's file as ``by``; nothing is written unless every row is right.

    ``region`` is the area the file covers (default: the importer's bureau region); ``as_of``
    the date the data stand at (default: today), which dates the rows of a list. The rules then
    run over the region as of ``today`` (default: the real today; the demo sets its own).
    A file above the caps of the region is refused whole; ``progress`` and ``before_commit``
    are those of ``import_ledger`` (a background job's).
    """
    from bangfu.discovery import services

    require_import(by=by)
    profile = PROFILES[Source(source)]
    region = _region(by, region)
    today = today or timezone.localdate()
    as_of = as_of or today
    content = read_upload(fileobj)
    report = CrossCheckReport(source=profile.source, dry_run=dry_run)
    rows: list[_Row] = (
        check_file(
            content,
            filename,
            report=report,
            check=lambda sheet: _Check(
                profile, sheet, report, by=by, region=region, as_of=as_of
            ).run(),
            limits=limits_for(region),
            fields=profile.fields,
            progress=progress,
        )
        or []
    )
    if profile.registry_only:
        kept = [row for row in rows if row.member is not None]
        report.not_in_registry = len(rows) - len(kept)
        rows = kept
    if report.ok:
        report.matched = sum(1 for row in rows if row.member is not None)
        report.candidates_created = len(
            {row.digest for row in rows if row.member is None and row.candidate is None}
        )
    if dry_run:
        return report
    record = CrossCheckImport(
        source=profile.source,
        region=region,
        as_of=as_of,
        imported_by=by,
        file_name=filename[-255:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=report.rows,
    )

    def write() -> None:
        _write(profile, rows, record, report)
        scan = services.flags_scan(region=region, today=today)
        report.flags_created = record.flags_created = scan.created
        record.save(update_fields=["flags_created"])

    import_commit(report, record, write, before_commit)
    if not report.ok:
        report.matched = report.candidates_created = report.flags_created = 0
        report.not_in_registry = 0
        report.import_id = record.pk
    return report


def _region(by, region: Region | None) -> Region:
    allowed = import_regions(by)
    if region is None:
        regions = list(allowed[:2])
        if len(regions) != 1:
            raise ValidationError({"region": _("Choose the region the file covers.")})
        return regions[0]
    if not allowed.filter(pk=region.pk).exists():
        raise PermissionDenied(_("This region is outside your area."))
    return region


def _write(profile: Profile, rows: list[_Row], record: CrossCheckImport, report) -> None:
    record.ok = True
    record.matched = report.matched
    record.candidates_created = report.candidates_created
    record.save()
    new: dict[str, CandidatePerson] = {}
    for row in rows:
        if row.member is None and row.candidate is None and row.digest not in new:
            new[row.digest] = CandidatePerson(
                name=row.values["name"],
                id_number=row.facts.number,
                id_number_hash=row.digest,
                birth_date=row.facts.birth_date,
                sex=row.facts.sex,
                region=row.village,
                first_import=record,
            )
    CandidatePerson.objects.bulk_create(new.values(), batch_size=BATCH_SIZE)
    # People outside the registry are audited like members: one entry each, tied to the file.
    log_created(
        new.values(), actor=record.imported_by, additional_data={"crosscheck_import": record.pk}
    )
    records = []
    for row in rows:
        candidate = None if row.member is not None else (row.candidate or new.get(row.digest))
        data = {
            key: _json(value)
            for key, value in row.values.items()
            if key not in {"id_number", "name", "village_code"}
        }
        records.append(
            SourceRecord(
                crosscheck_import=record,
                source=profile.source,
                region=row.village,
                person_hash=row.digest,
                member=row.member,
                candidate=candidate,
                period_start=row.period,
                data=data,
                row=row.number,
            )
        )
    SourceRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)
    report.import_id = record.pk


def _json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | str | bool) or value is None:
        return value
    return str(value)  # Decimal amounts keep every digit as text


class _Check(SheetCheck):
    def __init__(self, profile: Profile, sheet, report: CrossCheckReport, *, by, region, as_of):
        super().__init__(sheet=sheet, report=report, fields=profile.fields)
        self.profile = profile
        self.by = by
        self.scope = scope_for(by)
        self.source = CROSSCHECK_DRY_RUN if report.dry_run else CROSSCHECK_IMPORT
        self.region = region
        self.as_of = as_of

    def run(self) -> list[_Row]:
        if not self.read_headers():
            return []
        rows = self._read_rows()
        self._check_duplicates(rows)
        self._match(rows)
        self.sort_errors()
        return rows

    def _read_rows(self) -> list[_Row]:
        rows = []
        for number, cells in self.cells():
            row = _Row(number=number)
            for key, value in cells.items():
                self.read_cell(row, key, value)
            for item in self.profile.fields:
                row.values.setdefault(item.key, None)
            self._identify(row)
            self._check_row(row)
            if not row.failed:
                row.period = self.profile.period_of(row.values, self.as_of)
            rows.append(row)
        return rows

    def _identify(self, row: _Row) -> None:
        if "id_number" in row.failed:
            return
        try:
            row.facts = parse_id_number(row.values["id_number"], today=self.as_of)
        except InvalidIdNumber as exc:
            row.failed.add("id_number")
            # The reason names the fault (length, check digit), never the number itself.
            self.error(
                row.number, "id_number", _("Invalid ID number: %(reason)s") % {"reason": exc}
            )
            return
        row.digest = crypto.lookup_hash(row.facts.number)

    def _check_row(self, row: _Row) -> None:
        values = row.values
        source = self.profile.source
        if (
            source == Source.DISABILITY
            and "disability" not in row.failed
            and values["disability"] == Member.Disability.NONE
        ):
            row.failed.add("disability")
            self.error(row.number, "disability", _("Name the kind of disability."))
        if (
            source == Source.TEKUN_LIST
            and row.facts is not None
            and "birth_date" not in row.failed
            and values["birth_date"] != row.facts.birth_date
        ):
            row.failed.add("birth_date")
            self.error(
                row.number,
                "birth_date",
                _("The birth date %(date)s differs from the one in the ID number.")
                % {"date": values["birth_date"].isoformat()},
            )
        for key in ("registered_on", "identified_on", "since", "died_on"):
            day = values.get(key)
            if key not in row.failed and isinstance(day, dt.date) and day > self.as_of:
                row.failed.add(key)
                self.error(
                    row.number,
                    key,
                    _("%(date)s is after the date the data stand at (%(as_of)s).")
                    % {"date": day.isoformat(), "as_of": self.as_of.isoformat()},
                )

    def _check_duplicates(self, rows: list[_Row]) -> None:
        seen: dict[tuple, int] = {}
        for row in rows:
            if row.facts is None or row.period is None:
                continue
            distinct = self.profile.distinct_field
            key = (row.digest, row.period, row.values.get(distinct) if distinct else None)
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.failed.add("id_number")
                self.error(
                    row.number,
                    "id_number",
                    _("The same person is on rows %(first)d and %(row)d for the same period.")
                    % {"first": first, "row": row.number},
                )

    def _match(self, rows: list[_Row]) -> None:
        by_digest: dict[str, list[_Row]] = {}
        for row in rows:
            if row.facts is not None:
                by_digest.setdefault(row.digest, []).append(row)
        digests = sorted(by_digest)
        members, candidates = {}, {}
        for start in range(0, len(digests), LOOKUP_CHUNK):
            chunk = digests[start : start + LOOKUP_CHUNK]
            members.update(
                (m.id_number_hash, m)
                for m in Member.objects.filter(id_number_hash__in=chunk).select_related(
                    "household__region"
                )
            )
            candidates.update(
                (c.id_number_hash, c)
                for c in CandidatePerson.objects.filter(id_number_hash__in=chunk).select_related(
                    "region"
                )
            )
        codes = {
            row.values["village_code"]
            for row in rows
            if row.values.get("village_code") and "village_code" not in row.failed
        }
        villages = {region.code: region for region in Region.objects.filter(code__in=codes)}
        refusals = []
        for digest, person_rows in by_digest.items():
            member, candidate = members.get(digest), candidates.get(digest)
            if self.profile.registry_only:
                candidate = None  # not covered, so nothing a 错保 file says concerns them
            home = member.household.region if member else getattr(candidate, "region", None)
            for row in person_rows:
                row.member, row.candidate = member, candidate
                if home is not None and not self.scope.covers(home):
                    # Outside the importer's area the row names no household nor place.
                    self.error(row.number, "id_number", ID_NUMBER_TO_VERIFY)
                    refusals.append(
                        Refusal(
                            by=self.by,
                            source=self.source,
                            held=member or candidate,
                            village=home,
                            registering=False,
                        )
                    )
                elif member is not None:
                    row.village = member.household.region
                    if not self._inside(row.village):
                        self.error(
                            row.number,
                            "id_number",
                            _(
                                "This person is registered in household %(number)s, outside "
                                "the region of this file."
                            )
                            % {"number": member.household.registry_number},
                        )
                elif candidate is not None:
                    row.village = candidate.region
                    if not self._inside(row.village):
                        self.error(
                            row.number,
                            "id_number",
                            _(
                                "This person is already being verified in %(village)s, outside "
                                "the region of this file."
                            )
                            % {"village": candidate.region.name},
                        )
                elif not self.profile.registry_only:
                    row.village = self._village(row, villages)
        refusals_record(refusals)

    def _village(self, row: _Row, villages: dict) -> Region | None:
        code = row.values.get("village_code")
        if "village_code" in row.failed:
            return None
        if not code:
            self.error(
                row.number,
                "village_code",
                _(
                    "This person is not in the registry: give the code of their village so its "
                    "assistant can verify."
                ),
            )
            return None
        village = villages.get(code)
        if village is None:
            self.error(
                row.number, "village_code", _("Unknown village code %(code)s.") % {"code": code}
            )
        elif village.level != Region.Level.VILLAGE:
            self.error(
                row.number,
                "village_code",
                _("%(code)s is the code of %(name)s, not of a village or community.")
                % {"code": code, "name": village.name},
            )
        elif not self._inside(village):
            self.error(
                row.number,
                "village_code",
                _("%(name)s (%(code)s) is outside the region of this file.")
                % {"name": village.name, "code": code},
            )
        else:
            return village
        return None

    def _inside(self, village: Region) -> bool:
        return village.is_within(self.region) and self.scope.covers(village)
