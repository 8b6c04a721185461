from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FileImport(models.Model):
    """The audit trail of one file brought in (or refused): who, when, which file, what came of it.

    Concrete imports (the ledger, the cross-check files) add what their rows created.
    """

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="%(app_label)s_%(class)s_set",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    ok = models.BooleanField(_("imported"), help_text=_("False: the file was refused."))
    error_count = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        abstract = True
        ordering = ["-imported_at", "-pk"]
