"""manage.py load_regions FILE [FILE …] [--as-of DATE] [--retire-missing CODE] [--dry-run]:
the national region codes, as MCA and the NBS publish them, and their changes."""

import datetime as dt
from argparse import ArgumentTypeError
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bangfu.regions.loading import Step, regions_load
from bangfu.regions.models import RegionChange

Kind = RegionChange.Kind


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(
            _("write the date as 2024-06-30, not %(text)s") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = (
        "Load official region lists (GB/T 2260 county-level codes, the NBS's 统计用区划代码 "
        "for townships and villages) and changes files (变更情况: date, kind, code, new code, "
        "new name), in the order given: all of them, or nothing if a row is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="text, .csv or .xlsx files")
        parser.add_argument(
            "--as-of", type=_date, help="the lists' date; needed to record renames and retirements"
        )
        parser.add_argument(
            "--retire-missing",
            default="",
            metavar="CODE",
            help="retire the regions below CODE that the (complete) lists leave out",
        )
        parser.add_argument("--dry-run", action="store_true", help="show the changes, write none")
        parser.add_argument("--as", dest="username", help="the user recorded as loading them")

    def handle(self, *args, files, as_of, retire_missing, dry_run, username, **options):
        user = None
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user %(name)s.") % {"name": username})
        if retire_missing and as_of is None:
            raise CommandError(_("--retire-missing needs the lists' date: add --as-of."))
        try:
            contents = [(Path(name).name, Path(name).read_bytes()) for name in files]
        except OSError as exc:
            raise CommandError(str(exc)) from None
        report = regions_load(
            files=contents, as_of=as_of, retire_missing=retire_missing, dry_run=dry_run, by=user
        )
        for parsed in report.files:
            line = _("%(file)s: %(format)s, %(rows)d rows") % {
                "file": parsed.source,
                "format": parsed.format or _("unreadable"),
                "rows": len(parsed.rows),
            }
            if parsed.skipped:
                line += ngettext(
                    " (%(count)d line without a code skipped)",
                    " (%(count)d lines without a code skipped)",
                    parsed.skipped,
                ) % {"count": parsed.skipped}
            self.stdout.write(line)
        for source, error in report.errors:
            where = _("line %(line)d") % {"line": error.row} if error.row else _("the file")
            self.stdout.write(
                f"{source or _('options')}, {where}, {error.column or '-'}: {error.reason}"
            )
        if not report.ok:
            raise CommandError(
                _("Refused: %(count)d errors; nothing was written.") % {"count": len(report.errors)}
            )
        for step in report.plan.steps:
            if step.record or options["verbosity"] > 1:
                self.stdout.write(("  " if dry_run else "") + describe(step))
        self.stdout.write(self.style.SUCCESS(self._summary(report)))

    def _summary(self, report) -> str:
        counts = report.counts()
        plan = report.plan
        text = _(
            "%(created)d created, %(renamed)d renamed, %(merged)d merged, %(retired)d retired, "
            "%(reinstated)d back in the lists, %(unchanged)d unchanged"
        ) % {
            "created": counts[Kind.CREATE],
            "renamed": counts[Kind.RENAME],
            "merged": counts[Kind.MERGE],
            "retired": counts[Kind.RETIRE],
            "reinstated": counts[Kind.REINSTATE],
            "unchanged": plan.unchanged,
        }
        if plan.older:
            text += _("; %(count)d left as they are by an older date") % {"count": plan.older}
        if plan.groupings:
            text += _("; %(count)d 省直辖 headings skipped") % {"count": plan.groupings}
        if report.dry_run:
            return _("Dry run, nothing written: %(counts)s.") % {"counts": text}
        return _("Loaded: %(counts)s.") % {"counts": text}


def describe(step: Step) -> str:
    """One line per step: what happens to which region, on which date, from which row."""
    values = {
        "code": step.code,
        "name": step.name,
        "old": step.old_name,
        "successor": step.successor,
        "date": step.date or "",
    }
    text = {
        Kind.CREATE: _("create %(code)s %(name)s"),
        Kind.RENAME: _("rename %(code)s %(old)s → %(name)s on %(date)s"),
        Kind.MERGE: _("merge %(code)s %(name)s into %(successor)s on %(date)s"),
        Kind.RETIRE: _("retire %(code)s %(name)s on %(date)s"),
        Kind.REINSTATE: _("put %(code)s %(name)s back in the lists on %(date)s"),
    }[step.kind] % values
    if step.kind == Kind.RETIRE and step.successor:
        text += _(" (successor %(successor)s)") % values
    if not step.alter:
        text += _(" — recorded only: the region already shows it, or a later change")
    if step.line:
        text += f"  [{step.source}:{step.line}]"
    return text
