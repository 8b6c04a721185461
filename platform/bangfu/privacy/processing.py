"""The record of processing activities as a workbook an assessor takes away."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from bangfu.core.spreadsheets import WorkbookStamp, safe_row
from bangfu.privacy.models import ProcessingActivity, RetentionRule

COLUMNS = [*ProcessingActivity.RECORD_FIELDS, "region", "updated_at"]


def processing_record_workbook(*, by) -> bytes:
    """Every processing activity, one a row, and the retention schedule on a second sheet."""
    workbook = Workbook(write_only=True)
    stamp = WorkbookStamp.for_user(by, note=_("Record of processing activities (处理活动记录)"))
    bold = Font(bold=True)
    sheet = workbook.create_sheet(_("Processing activities")[:31])
    sheet.append(safe_row(sheet, [stamp.line]))
    fields = [ProcessingActivity._meta.get_field(name) for name in COLUMNS]
    sheet.append(safe_row(sheet, [str(field.verbose_name) for field in fields], font=bold))
    for activity in ProcessingActivity.objects.select_related("region"):
        sheet.append(safe_row(sheet, [_shown(activity, field) for field in fields]))
    rules = workbook.create_sheet(_("Retention schedule")[:31])
    rules.append(safe_row(rules, [stamp.line]))
    headers = [_("Category"), _("County"), _("Period"), _("Unit"), _("Applied"), _("Source")]
    rules.append(safe_row(rules, headers, font=bold))
    for rule in RetentionRule.objects.select_related("region"):
        rules.append(
            safe_row(
                rules,
                [
                    rule.get_category_display(),
                    str(rule.region or _("every region")),
                    rule.period,
                    _("days") if rule.in_days else _("years"),
                    _("yes") if rule.is_active else _("no"),
                    rule.note,
                ],
            )
        )
    stamp.apply(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shown(activity: ProcessingActivity, field):
    if field.choices:
        return str(getattr(activity, f"get_{field.name}_display")())
    value = getattr(activity, field.name)
    if field.name == "updated_at":
        return f"{value:%Y-%m-%d}"
    return "" if value is None else str(value)
