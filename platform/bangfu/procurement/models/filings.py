"""The filing (备案) of a purchase paid from the aid funds with the bureau one level up (003,
item 17: 「从困难群众救助补助资金中列支的，报上一级民政部门备案」).

The buying region's bureau sends the filing with its documents (PDF) and the project's figures
of the moment; the bureau above acknowledges it (已备案) under its reference, or returns it with
a reason, and a returned filing may be sent again. Each step is an event of the filing. The
documents live in the private storage: only the download view, which checks who asks, hands
them out.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.lifecycle import Lifecycle, StatusEvent
from bangfu.core.models import private_storage
from bangfu.procurement.models.projects import Project
from bangfu.regions.models import Region

PDF_MAX_MEGABYTES = 20
MEGABYTE = 1024 * 1024
PDF_MAGIC = b"%PDF-"


def validate_pdf(upload) -> None:
    """A PDF by its content, not its name, of at most ``PDF_MAX_MEGABYTES``."""
    name = getattr(upload, "name", "") or ""
    if upload.size > PDF_MAX_MEGABYTES * MEGABYTE:
        raise ValidationError(
            _("%(name)s is %(size)s MB: a document may take at most %(limit)s MB."),
            code="pdf_too_large",
            params={
                "name": name,
                "size": f"{upload.size / MEGABYTE:,.1f}",
                "limit": PDF_MAX_MEGABYTES,
            },
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            _("%(name)s is not a PDF: send the documents as PDF files."),
            code="not_pdf",
            params={"name": name},
        )


def document_path(document: "FilingDocument", _filename: str) -> str:
    """Stored under a name of its own: the uploader's file name is kept only as a label."""
    return f"filings/{document.filing_id}/{uuid.uuid4().hex}.pdf"


class Filing(Lifecycle):
    """The filing of one project with the bureau of the region above the buying region."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        RETURNED = "returned", _("returned")
        ACKNOWLEDGED = "acknowledged", _("acknowledged (已备案)")

    TRANSITIONS = {
        Status.SENT: {Status.RETURNED, Status.ACKNOWLEDGED},
        Status.RETURNED: {Status.SENT},
    }

    project = models.OneToOneField(
        Project, models.CASCADE, related_name="filing", verbose_name=_("project")
    )
    filed_with = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="filings_received",
        verbose_name=_("filed with (region above)"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # The project's amounts, lines and cap when it was last sent: what the bureau above read.
    figures = models.JSONField(_("figures when sent"), default=dict, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.CharField(_("reason for return"), max_length=200, blank=True)
    reference = models.CharField(_("filing reference (备案号)"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("filing (备案)")
        verbose_name_plural = _("filings (备案)")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["filed_with", "status"], name="filing_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_status_display()}"


class FilingEvent(StatusEvent):
    """One step of a filing: sent (from nothing, or again after a return), returned,
    acknowledged."""

    filing = models.ForeignKey(
        Filing, models.CASCADE, related_name="events", verbose_name=_("filing")
    )
    from_status = models.CharField(
        _("from"), max_length=24, choices=Filing.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=24, choices=Filing.Status.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("filing step")
        verbose_name_plural = _("filing steps")


class FilingDocument(models.Model):
    """A PDF sent with a filing; the documents of every sending stay with it."""

    filing = models.ForeignKey(
        Filing, models.CASCADE, related_name="documents", verbose_name=_("filing")
    )
    file = models.FileField(
        _("file"), upload_to=document_path, storage=private_storage, validators=[validate_pdf]
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    uploaded_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("filing document")
        verbose_name_plural = _("filing documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
