"""What a load would change, worked out before anything is written: the regions as the database
holds them, overlaid with each step planned so far, so that a later row (a village of a
township created three lines up, a merge into a region a changes file creates) sees them."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from bangfu.core.sheet_checking import RowError
from bangfu.regions.loading.codes import Code, parse_code
from bangfu.regions.loading.reading import ChangeRow, ListRow, ParsedFile
from bangfu.regions.models import Region, RegionChange, within

CHUNK = 500  # codes per query: well under SQLite's limit of bound parameters
Kind = RegionChange.Kind


@dataclass
class Known:
    """A region as the load sees it: from the database (``pk``) or planned (``pk`` None)."""

    code: str
    name: str
    level: int
    parent: str | None
    retired_on: dt.date | None = None
    last_change: dt.date | None = None  # the latest change recorded (or planned) for it
    pk: int | None = None


@dataclass
class Step:
    """One change to write. ``alter`` changes the region itself; ``record`` keeps a
    RegionChange. A list's creations are not recorded (the list is where the region comes
    from, not an event); a change dated before one already recorded is recorded only."""

    kind: str  # a RegionChange.Kind
    code: str
    name: str  # the region's name after the step
    source: str
    line: int  # 0: no line of its own (a municipality's 市辖区 layer, a region left out)
    date: dt.date | None = None
    old_name: str = ""
    successor: str = ""
    level: int = 0
    parent: str | None = None
    alter: bool = True
    record: bool = True


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    errors: list[tuple[str, RowError]] = field(default_factory=list)  # (file, error)
    unchanged: int = 0
    older: int = 0  # regions an older list (or change) left as they are
    groupings: int = 0  # "xx90" headings skipped

    def error(self, source: str, line: int, column: str, reason: str) -> None:
        self.errors.append((source, RowError(line, column, str(reason))))


class Planner:
    """Plans the files in the order given: lists create and rename, changes files do what
    each row says, and ``retire_missing`` retires what a complete list left out."""

    def __init__(self, *, as_of: dt.date | None):
        self.as_of = as_of
        self.plan = Plan()
        self.known: dict[str, Known] = {}
        self.fetched: set[str] = set()
        self.recorded: set[tuple[str, str, dt.date]] = set()  # (code, kind, date)
        self.listed: dict[str, tuple[str, int, str]] = {}  # code → (file, line, name)
        self.listed_levels: set[int] = set()

    # The database, read once per code.

    def fetch(self, codes: set[str]) -> None:
        missing = sorted(codes - self.fetched)
        self.fetched.update(missing)
        for start in range(0, len(missing), CHUNK):
            rows = Region.objects.filter(code__in=missing[start : start + CHUNK]).values_list(
                "pk", "code", "name", "level", "path", "retired_on"
            )
            self._add_fetched(rows)

    def _add_fetched(self, rows) -> None:
        found = {}
        for pk, code, name, level, path, retired_on in rows:
            parts = path.split("/")
            parent = parts[-3] if len(parts) > 2 else None
            found[pk] = Known(code, name, level, parent, retired_on, pk=pk)
            self.fetched.add(code)
        changes = (
            RegionChange.objects.filter(region_id__in=found)
            .values_list("region_id", "kind", "date")
            .order_by()
        )
        for pk, kind, date in changes:
            known = found[pk]
            known.last_change = max(known.last_change or date, date)
            self.recorded.add((known.code, kind, date))
        for known in found.values():
            self.known[known.code] = known

    def _latest(self, known: Known, date: dt.date | None) -> bool:
        """Whether ``date`` is not before the latest change of the region (the step may alter
        it)."""
        return known.last_change is None or date is None or date >= known.last_change

    def _add(self, step: Step, known: Known | None = None) -> None:
        self.plan.steps.append(step)
        if step.record:
            self.recorded.add((step.code, step.kind, step.date))
        if known is None:
            return
        if step.date is not None:
            known.last_change = max(known.last_change or step.date, step.date)
        if not step.alter:
            return
        if step.kind == Kind.RENAME:
            known.name = step.name
        elif step.kind in (Kind.RETIRE, Kind.MERGE):
            known.retired_on = step.date
        elif step.kind == Kind.REINSTATE:
            known.retired_on = None

    def _create(self, step: Step) -> Known:
        # A list's creation is no dated change: a changes file may still rename the region.
        last_change = step.date if step.record else None
        known = Known(step.code, step.name, step.level, step.parent, last_change=last_change)
        self.known[step.code] = known
        self._add(step)
        return known

    # Lists.

    def plan_list(self, parsed: ParsedFile) -> None:
        rows: list[ListRow] = sorted(parsed.rows, key=lambda row: row.code.level)
        wanted = {row.code.code for row in rows} | {row.code.parent for row in rows}
        self.fetch({code for code in wanted if code} | {row.code.code[:2] for row in rows})
        for row in rows:
            self._list_row(parsed.source, row)

    def _list_row(self, source: str, row: ListRow) -> None:
        code = row.code
        if code.is_grouping:
            self.plan.groupings += 1
            return
        seen = self.listed.get(code.code)
        if seen is not None:
            if seen[2] != row.name:
                self.plan.error(
                    source,
                    row.line,
                    "name",
                    _("%(code)s is also in %(file)s, line %(line)d, as %(name)s.")
                    % {"code": code.code, "file": seen[0], "line": seen[1], "name": seen[2]},
                )
            return
        self.listed[code.code] = (source, row.line, row.name)
        self.listed_levels.add(code.level)
        if not self._parent_ready(source, row.line, code):
            return
        known = self.known.get(code.code)
        if known is None:
            step = Step(Kind.CREATE, code.code, row.name, source, row.line, date=self.as_of)
            step.level, step.parent, step.record = code.level, code.parent, False
            self._create(step)
            return
        if known.parent != code.parent:
            self.plan.error(
                source,
                row.line,
                "code",
                _("%(code)s lies under %(held)s here, but its code puts it under %(parent)s.")
                % {"code": code.code, "held": known.parent or "—", "parent": code.parent or "—"},
            )
            return
        steps = []
        if known.name != row.name:
            steps.append(Step(Kind.RENAME, code.code, row.name, source, row.line))
            steps[-1].old_name = known.name
        if known.retired_on is not None:
            steps.append(Step(Kind.REINSTATE, code.code, row.name, source, row.line))
        if not steps:
            self.plan.unchanged += 1
            return
        if self.as_of is None:
            self.plan.error(
                source,
                row.line,
                "name" if steps[0].kind == Kind.RENAME else "code",
                _(
                    "%(code)s is %(held)s here: give the list's date with --as-of to record "
                    "the change."
                )
                % {
                    "code": code.code,
                    "held": _("retired") if known.retired_on else known.name,
                },
            )
            return
        if not self._latest(known, self.as_of):
            self.plan.older += 1
            return
        for step in steps:
            step.date = self.as_of
            self._add(step, known)

    def _parent_ready(self, source: str, line: int, code: Code) -> bool:
        """Whether the region above ``code`` exists or is planned; a municipality's layer
        (市辖区, 县) is planned here when the list leaves it out."""
        if code.parent is None or code.parent in self.known:
            return True
        if code.municipal_layer and code.parent[:2] in self.known:
            layer = Step(Kind.CREATE, code.parent, code.municipal_layer, source, 0)
            layer.level, layer.parent, layer.record = Region.Level.CITY, code.parent[:2], False
            layer.date = self.as_of
            self._create(layer)
            return True
        self.plan.error(
            source,
            line,
            "code",
            _(
                "The region above %(code)s, %(parent)s, is neither in the database nor in "
                "the files loaded."
            )
            % {"code": code.code, "parent": code.parent},
        )
        return False

    # Changes files.

    def plan_changes(self, parsed: ParsedFile) -> None:
        rows: list[ChangeRow] = sorted(parsed.rows, key=lambda row: row.date)
        codes = set()
        for row in rows:
            codes |= {row.code.code, row.code.parent}
            if row.new_code is not None:
                codes.add(row.new_code.code)
        self.fetch({code for code in codes if code})
        for row in rows:
            self._change_row(parsed.source, row)

    def _change_row(self, source: str, row: ChangeRow) -> None:
        code, known = row.code, self.known.get(row.code.code)
        if (code.code, row.kind, row.date) in self.recorded:
            self.plan.unchanged += 1
            return
        if row.kind == Kind.CREATE:
            self._change_create(source, row, known)
            return
        if known is None:
            self.plan.error(source, row.line, "code", _("No region has this code."))
            return
        step = Step(row.kind, code.code, known.name, source, row.line, date=row.date)
        if row.kind == Kind.RENAME:
            step.name, step.old_name = row.new_name, known.name
            step.alter = known.name != row.new_name
        else:
            step.alter = known.retired_on is None
            if row.new_code is not None:
                successor = self.known.get(row.new_code.code)
                if successor is None or successor.retired_on is not None:
                    self.plan.error(
                        source,
                        row.line,
                        "new_code",
                        _("No region in the lists has this code: create it first (新设)."),
                    )
                    return
                step.successor = successor.code
        if not self._latest(known, row.date):
            step.alter = False
            self.plan.older += 1
        self._add(step, known)

    def _change_create(self, source: str, row: ChangeRow, known: Known | None) -> None:
        code = row.code
        step = Step(Kind.CREATE, code.code, row.new_name, source, row.line, date=row.date)
        step.level, step.parent = code.level, code.parent
        if known is not None:
            if known.name != row.new_name:
                self.plan.error(
                    source,
                    row.line,
                    "code",
                    _("%(code)s already exists, as %(name)s.")
                    % {"code": code.code, "name": known.name},
                )
                return
            step.alter = False  # created by a list already: only the date is new
            self._add(step, known)
            return
        if self._parent_ready(source, row.line, code):
            self._create(step)

    # Complete lists.

    def retire_missing(self, *, under: str, source: str) -> None:
        """Retire the regions below ``under`` that every list given left out, at the levels
        the lists hold (a county-level list says nothing of townships)."""
        try:
            code = parse_code(under).code
        except ValueError as problem:
            self.plan.error(source, 0, "--retire-missing", str(problem))
            return
        self.fetch({code})
        area = self.known.get(code)
        if area is None or area.pk is None:
            self.plan.error(source, 0, "--retire-missing", _("No region has this code."))
            return
        if not any(listed.startswith(code) and listed != code for listed in self.listed):
            self.plan.error(
                source,
                0,
                "--retire-missing",
                _("The lists hold no region below %(code)s: nothing to compare with.")
                % {"code": code},
            )
            return
        below = Region.objects.filter(
            within(Region.objects.get(pk=area.pk)),
            level__in=self.listed_levels,
            retired_on=None,
        ).exclude(pk=area.pk)
        left_out = set(below.values_list("code", flat=True)) - set(self.listed)
        self.fetch(left_out)
        for missing in sorted(left_out):
            known = self.known[missing]
            if known.retired_on is not None:
                continue  # merged or retired by a changes file of this load
            if not self._latest(known, self.as_of):
                self.plan.older += 1
                continue
            self._add(Step(Kind.RETIRE, missing, known.name, source, 0, date=self.as_of), known)
