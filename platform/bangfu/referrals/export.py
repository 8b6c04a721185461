"""The referral dashboard's .xlsx export: one row per referral, no names, addresses or IDs."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from bangfu.core.spreadsheets import safe_row


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def referrals_workbook(referrals) -> bytes:
    referrals = list(referrals.prefetch_related("sessions").select_related("feedback", "provider"))
    book = Workbook()
    sheet = book.active
    sheet.title = _("Referrals")
    header = [
        _("Referral"),
        _("Intake case"),
        _("Township"),
        _("Village"),
        _("Service"),
        _("Urgency"),
        _("Provider"),
        _("Status"),
        _("Sent at"),
        _("Answer due"),
        _("Accepted at"),
        _("First service on"),
        _("Ended at"),
        _("Days to accept"),
        _("Days to first service"),
        _("Sessions"),
        _("Minutes of service"),
        _("Satisfaction"),
    ]
    sheet.append(safe_row(sheet, header, font=Font(bold=True)))
    for referral in referrals:
        village = referral.need.household.region
        sessions = list(referral.sessions.all())
        feedback = getattr(referral, "feedback", None)
        days_to_accept = (
            round((referral.accepted_at - referral.sent_at).total_seconds() / 86400, 1)
            if referral.accepted_at
            else None
        )
        days_to_service = (
            (referral.first_service_on - timezone.localtime(referral.sent_at).date()).days
            if referral.first_service_on
            else None
        )
        sheet.append(
            safe_row(
                sheet,
                [
                    referral.pk,
                    referral.intake_id,
                    village.parent.name if village.parent else "",
                    village.name,
                    referral.need.category.name,
                    referral.need.get_urgency_display(),
                    referral.provider.name,
                    referral.get_status_display(),
                    _local(referral.sent_at),
                    _local(referral.accept_due_at),
                    _local(referral.accepted_at),
                    referral.first_service_on,
                    _local(referral.ended_at),
                    days_to_accept,
                    days_to_service,
                    len(sessions),
                    sum(session.duration_minutes for session in sessions),
                    feedback.satisfaction if feedback else None,
                ],
            )
        )
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
