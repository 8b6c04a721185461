from django.conf import settings
from django.core.files.storage import storages
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


def private_storage():
    """The storage of files that hold personal data: served by no URL of its own."""
    return storages["private"]


class BackgroundJob(models.Model):
    """A piece of work too long for a request (a large import or export), run by a Celery task.

    The page that started it polls the job for its progress and then shows its result. Only
    the user who started a job may see it. ``kind`` is named by the app that owns the work
    (``"registry.ledger_import"``) so that core needs to know none of them.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="background_jobs",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The uploaded file waits here (not in the task message) until the task has read it.
    input_file = models.FileField(
        _("input file"), upload_to="jobs/in/", storage=private_storage, blank=True
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(
        _("result file"), upload_to="jobs/out/", storage=private_storage, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.finished else 0
        return min(100, self.progress_done * 100 // self.progress_total)
