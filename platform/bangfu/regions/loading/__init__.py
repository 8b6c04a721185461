"""Loading the official region lists (GB/T 2260, 统计用区划代码) and their changes: every file is
read and every change planned first; unless every row is right nothing is written, and then
all of it is, in one transaction. Loading the same files again changes nothing."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.core.sheet_checking import RowError
from bangfu.regions.loading.planning import Plan, Planner, Step
from bangfu.regions.loading.reading import ParsedFile, read_file
from bangfu.regions.models import Region, RegionChange

__all__ = ["LoadReport", "Step", "regions_load"]

# Regions kept in memory while writing, to hang the next ones on: everything above a village.
_PARENT_LEVELS = Region.Level.VILLAGE
BATCH_SIZE = 1000  # rows per INSERT


@dataclass
class LoadReport:
    files: list[ParsedFile]
    plan: Plan
    dry_run: bool

    @property
    def errors(self) -> list[tuple[str, RowError]]:
        """(file, error) of every bad row, in the order of the files and their lines."""
        read = [(parsed.source, error) for parsed in self.files for error in parsed.errors]
        return read + self.plan.errors

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.plan.steps)

    def counts(self) -> Counter:
        """How many regions each kind of step alters (RegionChange.Kind → count)."""
        return Counter(step.kind for step in self.plan.steps if step.alter)


def regions_load(
    *,
    files: list[tuple[str, bytes]],
    as_of: dt.date | None = None,
    retire_missing: str = "",
    dry_run: bool = False,
    by=None,
) -> LoadReport:
    """Load ``files`` ((name, content) pairs, in the order given) as ``by`` (a user, or None
    from a shell). ``as_of`` is the lists' date: renames and retirements a list shows are
    recorded on it, and a list older than a change already recorded leaves that region alone.
    ``retire_missing`` (a region's code) retires the regions below it that the lists leave
    out, at the levels they hold: the lists must then be complete for that area."""
    parsed = [read_file(content, source) for source, content in files]
    report = LoadReport(files=parsed, plan=Plan(), dry_run=dry_run)
    if not report.ok:
        return report
    planner = Planner(as_of=as_of)
    report.plan = planner.plan
    if retire_missing and as_of is None:
        planner.plan.error("", 0, "--as-of", _("Retiring needs the lists' date (--as-of)."))
        return report
    for one in parsed:
        if one.is_changes:
            planner.plan_changes(one)
        else:
            planner.plan_list(one)
    if retire_missing:
        lists = ", ".join(one.source for one in parsed if not one.is_changes)
        planner.retire_missing(under=retire_missing, source=lists)
    if report.ok and not dry_run and report.changed:
        with transaction.atomic():
            _write(planner.plan.steps, by=by)
    return report


def _write(steps: list[Step], *, by) -> None:
    held: dict[str, Region] = {}  # regions created or read, by code: parents above all
    pending: dict[str, Region] = {}  # created, not yet inserted

    def flush() -> None:
        # One INSERT per thousand regions (a province's villages are tens of thousands);
        # their paths as Region.save would give them.
        Region.objects.bulk_create(pending.values(), batch_size=BATCH_SIZE)
        held.update(
            (code, created) for code, created in pending.items() if created.level < _PARENT_LEVELS
        )
        pending.clear()

    def region(code: str) -> Region:
        if code in pending:
            flush()
        if code not in held:
            held[code] = Region.objects.get(code=code)
        return held[code]

    records = []
    for step in steps:
        if step.kind == RegionChange.Kind.CREATE and step.alter:
            parent = region(step.parent) if step.parent else None
            pending[step.code] = Region(
                code=step.code,
                name=step.name,
                level=step.level,
                parent=parent,
                path=Region.path_below(parent, step.code),
            )
        elif step.alter:
            _alter(step)
        if step.record:
            named = step.kind in (RegionChange.Kind.CREATE, RegionChange.Kind.RENAME)
            records.append(
                RegionChange(
                    region=region(step.code),
                    kind=step.kind,
                    date=step.date,
                    old_name=step.old_name,
                    new_name=step.name if named else "",
                    successor=region(step.successor) if step.successor else None,
                    source=step.source[:200],
                    loaded_by=by,
                )
            )
    flush()
    RegionChange.objects.bulk_create(records, batch_size=BATCH_SIZE)


def _alter(step: Step) -> None:
    regions = Region.objects.filter(code=step.code)
    if step.kind == RegionChange.Kind.RENAME:
        regions.update(name=step.name)
    elif step.kind == RegionChange.Kind.REINSTATE:
        regions.update(retired_on=None)
    else:
        regions.update(retired_on=step.date)
