from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
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


class AuditPruning(models.Model):
    """A removal of audit entries, kept for ever: what went, when, by whom, and where the hash
    chain of the entries that stay now starts (``bangfu.core.audit_chain``).

    A pruning removes the oldest entries, past the retention period, with their seals: the
    first seal that stays links to ``anchor_hash``, the chain hash of the last one removed. An
    erasure (the demo's reset, refused in production) removes entries but keeps their seals in
    the chain, pointing here.
    """

    class Kind(models.TextChoices):
        PRUNING = "pruning", _("pruning past the retention period")
        ERASURE = "erasure", _("erasure of the demo's entries")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.CharField(_("by"), max_length=255, help_text=_("Who or what removed them."))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    retention_days = models.PositiveIntegerField(_("retention (days)"), null=True, blank=True)
    entries = models.PositiveIntegerField(_("entries removed"))
    oldest = models.DateTimeField(_("oldest removed"), null=True, blank=True)
    newest = models.DateTimeField(_("newest removed"), null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(_("last seal removed"), null=True, blank=True)
    anchor_hash = models.CharField(_("anchor hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit pruning")
        verbose_name_plural = _("audit prunings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.entries} ({self.at:%Y-%m-%d})"


class AuditSeal(models.Model):
    """One link of the audit log's hash chain: the hash of one auditlog entry's content and of
    the link before it (``bangfu.core.audit_chain``).

    The entry is referenced without a database constraint: a seal outlives an entry deleted
    behind the guard's back, which is how the check names the entry that went.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    entry = models.OneToOneField(
        "auditlog.LogEntry",
        models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_seal",
        verbose_name=_("log entry"),
    )
    algorithm = models.CharField(_("hash algorithm"), max_length=8)
    content_hash = models.CharField(_("content hash"), max_length=64)
    prev_hash = models.CharField(_("previous chain hash"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)
    erasure = models.ForeignKey(
        AuditPruning,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="erased_seals",
        verbose_name=_("erased by"),
    )

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self) -> str:
        return f"#{self.seq} {self.chain_hash[:12]}"


class AuditChainHead(models.Model):
    """The newest seal the sealer wrote (one row, moved forward in the sealing's transaction):
    a chain whose seals end before it lost its newest entries (``audit_chain.verify``)."""

    seq = models.PositiveBigIntegerField(_("sequence"))
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"#{self.seq} {self.chain_hash[:12]}"
