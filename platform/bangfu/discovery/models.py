"""Finding people before they ask (政策找人): what other departments' files say about people,
the warnings (预警) the rules draw from them, and the tasks that send an assistant to verify.

- ``CrossCheckImport``: one file from one source (medical insurance, disability registrations, …),
  the audit trail of who brought it in.
- ``SourceRecord``: one row of an imported file, tied to a person by the keyed hash of the ID
  number; a person not in the registry becomes a ``CandidatePerson``.
- ``Flag``: a warning. It names the rule that fired and the data it fired on (``evidence``), and
  keeps the features the risk model scored it with, so past outcomes can train the next model.
- ``Task``: a verification (摸排核实) of a warning, a periodic review (核查) or a visit (巡访),
  for the village's assistant, with a deadline and, once done, an outcome.

Every queryset is scoped by the village (``region``) through ``for_user``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.fields import EncryptedTextField
from bangfu.core.masking import mask_id_number, mask_name
from bangfu.core.models import FileImport
from bangfu.regions.models import Region
from bangfu.registry.models import Assessment, Household, Member, StatusDecision, age_on


class Source(models.TextChoices):
    """The departments' files Bangfu reads (one import profile each, see ``profiles``)."""

    MEDICAL = "medical", _("medical insurance: out-of-pocket spending")
    DISABILITY = "disability", _("disabled persons' federation: disability registrations")
    MONITORING = "monitoring", _("rural revitalisation: poverty-monitoring list")
    CUSTODY = "custody", _("justice: minors of prisoners or people in compulsory rehab")
    TEKUN_LIST = "tekun_list", _("destitute (特困) list with birth dates")
    # Rigid spending besides medical costs (001: 「因病、因学、因残致贫返贫」).
    EDUCATION = "education", _("education: schooling costs paid by families (因学)")
    REHABILITATION = (
        "rehabilitation",
        _("disabled persons' federation: rehabilitation and care costs (因残)"),
    )
    # What says someone covered may not qualify (错保; 001 lists the departments' records).
    DEATHS = "deaths", _("public security and health: death registrations (死亡)")
    VEHICLES = "vehicles", _("public security traffic police: vehicle registrations (车辆)")
    PROPERTY = "property", _("natural resources: real-estate registrations (不动产)")
    BUSINESS = "business", _("market regulation: business registrations (工商登记)")
    PUBLIC_PAYROLL = (
        "public_payroll",
        _("finance: people paid from public funds (财政供养/公职人员)"),
    )


class Rule(models.TextChoices):
    MEDICAL = "medical_out_of_pocket", _("medical out-of-pocket spending over the threshold")
    SEVERE_DISABILITY = (
        "severe_disability_uncovered",
        _("severe disability certificate of someone not in 低保 or 特困"),
    )
    SINGLE_DIBAO_CANDIDATE = (
        "single_dibao_candidate",
        _(
            "seriously ill, disabled elderly or severely disabled member of a low-income "
            "household: a 单人纳保 candidate"
        ),
    )
    TEKUN_MINOR_DROPPED = (
        "tekun_minor_dropped",
        _("destitute minor aged 16-18 dropped from the list"),
    )
    DIBAO_REVIEW_DUE = "dibao_review_due", _("minimum-subsistence household due for review")
    EXPENDITURE = (
        "expenditure_hardship",
        _("income just above the dibao standard, with heavy rigid spending"),
    )
    MONITORING = (
        "monitoring_uncovered",
        _("on the poverty-monitoring list, not covered by any tier"),
    )
    CUSTODY_MINOR = (
        "custody_minor",
        _("minor child of a prisoner or a person in compulsory rehab, not protected"),
    )
    WRONGLY_COVERED = (
        "wrongly_covered",
        _("a department's record says someone covered may not qualify (错保)"),
    )
    # Raised by the registry's refusals (``cross_area``), not by a scan of imported files.
    DUPLICATE_REGISTRATION = (
        "duplicate_registration",
        _("a person registered in one area was being registered in another (重复享受)"),
    )
    IDENTITY_PROBING = (
        "identity_probing",
        _("many ID or registry numbers refused to one user in a day"),
    )


class CrossCheckImport(FileImport):
    """One cross-check file brought in (or refused): who, when, which file, what came of it."""

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="crosscheck_imports",
        verbose_name=_("region covered"),
    )
    as_of = models.DateField(_("data as of"))
    matched = models.PositiveIntegerField(_("people found in the registry"), default=0)
    candidates_created = models.PositiveIntegerField(_("new candidate persons"), default=0)
    flags_created = models.PositiveIntegerField(_("warnings raised"), default=0)

    class Meta(FileImport.Meta):
        verbose_name = _("cross-check import")
        verbose_name_plural = _("cross-check imports")
        indexes = [models.Index(fields=["source", "region", "ok", "as_of"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.file_name}"


class CandidatePersonQuerySet(ScopedQuerySet):
    region_lookup = "region"


class CandidatePerson(models.Model):
    """Someone another department knows and the registry does not: a person to verify.

    The ID number is kept encrypted only while the person is unregistered (the assistant needs
    it to register them); once they are enrolled it is erased and ``member`` points to them.
    """

    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Member.Sex.choices, editable=False)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="candidate_persons",
        verbose_name=_("village"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    first_import = models.ForeignKey(
        CrossCheckImport,
        models.PROTECT,
        related_name="candidates",
        verbose_name=_("first seen in"),
    )
    member = models.OneToOneField(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate_origin",
        verbose_name=_("registered as"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidatePersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidate person")
        verbose_name_plural = _("candidate persons")
        ordering = ["region__path", "pk"]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    def age_on(self, day) -> int:
        return age_on(self.birth_date, day)


class SourceRecordQuerySet(ScopedQuerySet):
    region_lookup = "region"


class SourceRecord(models.Model):
    """One row of an imported file, as read: which person (by keyed hash), where, what data.

    ``data`` holds the row's facts in JSON-safe form (amounts as strings, dates as ISO text); never
    the clear ID number or the name, which live on the member or candidate.
    """

    crosscheck_import = models.ForeignKey(
        CrossCheckImport, models.CASCADE, related_name="records", verbose_name=_("import")
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="source_records", verbose_name=_("village")
    )
    person_hash = models.CharField(max_length=64, db_index=True, editable=False)
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_records",
        verbose_name=_("member"),
    )
    candidate = models.ForeignKey(
        CandidatePerson,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("candidate person"),
    )
    period_start = models.DateField(_("period"))
    data = models.JSONField(_("data"), default=dict)
    row = models.PositiveIntegerField(_("row in the file"))

    objects = SourceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        ordering = ["crosscheck_import", "row"]
        indexes = [models.Index(fields=["source", "period_start"])]

    def __str__(self) -> str:
        return f"{self.crosscheck_import} #{self.row}"


class TaskQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def open(self) -> "TaskQuerySet":
        return self.filter(status=Task.Status.OPEN)

    def overdue(self, today) -> "TaskQuerySet":
        return self.open().filter(due_on__lt=today)


class Task(models.Model):
    """Work for the village's assistant: verify a warning, review a household, or visit it."""

    class Kind(models.TextChoices):
        VERIFY = "verify", _("verification (摸排核实)")
        REVIEW = "review", _("periodic review (核查)")
        VISIT = "visit", _("visit (巡访)")

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    class Outcome(models.TextChoices):
        # The assistant assists (协助); the township decides (003: 「审核确认权下放至乡镇
        # （街道）」): the visit ends in a recommendation (``decision``), never in a change.
        RECOMMENDED = "recommended", _("recommendation sent to the township")
        REFERRED = "referred", _("referred for assessment")
        DISMISSED = "dismissed", _("dismissed")
        NO_CHANGE = "no_change", _("visited, nothing to change")

    class DismissReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("income or assets above the limits")
        ALREADY_COVERED = "already_covered", _("already covered")
        MOVED_AWAY = "moved_away", _("moved away")
        DECEASED = "deceased", _("died")
        REFUSED = "refused", _("the household declined")
        DATA_ERROR = "data_error", _("the department's data is wrong")
        OTHER = "other", _("other reason")

    # Kinds that come from the schedule: one per household and period.
    SCHEDULED = (Kind.REVIEW, Kind.VISIT)

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="discovery_tasks", verbose_name=_("village")
    )
    household = models.ForeignKey(
        Household,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="discovery_tasks",
        verbose_name=_("household"),
    )
    candidate = models.ForeignKey(
        CandidatePerson,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("candidate person"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="discovery_tasks",
        verbose_name=_("assistant"),
    )
    period_start = models.DateField(_("period"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    decision = models.ForeignKey(
        StatusDecision,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="discovery_tasks",
        verbose_name=_("recommendation"),
    )
    dismiss_reason = models.CharField(
        _("reason for dismissing"), max_length=16, choices=DismissReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    assessment = models.ForeignKey(
        Assessment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="discovery_tasks",
        verbose_name=_("assessment"),
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            # The schedule's idempotence: one review or visit per household and period.
            models.UniqueConstraint(
                fields=["household", "kind", "period_start"],
                condition=Q(kind__in=["review", "visit"]),
                name="discovery_task_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False) & ~Q(outcome="")
                | ~Q(status="done") & Q(outcome=""),
                name="discovery_task_done_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="dismissed") | ~Q(dismiss_reason=""),
                name="discovery_task_dismissal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(candidate__isnull=False),
                name="discovery_task_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.OPEN and self.due_on < today


class FlagQuerySet(ScopedQuerySet):
    region_lookup = "region"


class Flag(models.Model):
    """A warning (预警): a rule fired on some data about a person or household.

    ``key`` makes the scan idempotent: the same rule on the same person and period is one
    warning however often the files are imported or the scan runs.

    The rules of the files raise warnings in a village, for its assistant and the bureaux above.
    The warnings of refused numbers (``cross_area``) are for a bureau only: a duplicate
    registration sits in the lowest region covering both households' areas (none: it spans
    provinces, and only the platform's administrators see it), a probing alert in the region of
    the user's bureau, about that user (``flagged_user``).
    """

    rule = models.CharField(_("rule"), max_length=32, choices=Rule.choices)
    key = models.CharField(max_length=160, unique=True, editable=False)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="discovery_flags",
        verbose_name=_("village"),
    )
    household = models.ForeignKey(
        Household,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="discovery_flags",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="discovery_flags",
        verbose_name=_("member"),
    )
    candidate = models.ForeignKey(
        CandidatePerson,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("candidate person"),
    )
    flagged_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    record = models.ForeignKey(
        SourceRecord,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("source record"),
    )
    evidence = models.JSONField(_("data the rule fired on"), default=dict)
    features = models.JSONField(_("risk features"), default=dict)
    rule_weight = models.PositiveSmallIntegerField(_("rule weight"), default=0)
    risk_score = models.FloatField(_("risk score"), null=True, blank=True)
    model_version = models.CharField(_("risk model"), max_length=40, blank=True)
    fired_on = models.DateField(_("raised on"))
    task = models.OneToOneField(
        Task,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="flag",
        verbose_name=_("task"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-fired_on", "-pk"]
        indexes = [
            models.Index(fields=["rule", "fired_on"]),
            # The list order (selectors.ranked) is indexed by migration 0008, on PostgreSQL.
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False)
                | Q(candidate__isnull=False)
                | Q(flagged_user__isnull=False),
                name="discovery_flag_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.fired_on}"
