"""The personal-information duties (个人信息保护法): the record of processing activities (处理活动
记录, art. 51 and 54-55), the retention schedule and the record of each of its runs."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import Region
from bangfu.registry.models import Household

# What a personal field holds once the retention schedule anonymised it.
ANONYMOUS = "已匿名"


class ProcessingActivity(models.Model):
    """One purpose for which Bangfu processes personal information, as an assessor reads it."""

    class LegalBasis(models.TextChoices):
        # 个人信息保护法 art. 13.
        STATUTORY_DUTY = "statutory_duty", _("statutory duty of a public body (法定职责)")
        CONSENT = "consent", _("consent of the person (个人同意)")
        CONTRACT = "contract", _("contract or employment (合同或人力资源管理)")
        EMERGENCY = "emergency", _("emergency protecting life, health or property")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("processing activity"), max_length=100)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    legal_reference = models.CharField(
        _("legal reference"),
        max_length=300,
        blank=True,
        help_text=_("The law or document that gives the duty, e.g. 社会救助暂行办法."),
    )
    data_categories = models.TextField(_("categories of personal information"))
    sensitive_data = models.TextField(
        _("sensitive personal information"),
        blank=True,
        help_text=_("Health, disability, ID numbers, minors' data…; empty: none."),
    )
    data_subjects = models.CharField(_("categories of people"), max_length=300)
    recipients = models.TextField(_("recipients"), blank=True)
    retention = models.CharField(_("retention"), max_length=300)
    security_measures = models.TextField(_("security measures"))
    responsible_unit = models.CharField(_("responsible unit"), max_length=200)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: every region of the platform."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What the record says of each activity, in the order an assessor reads it.
    RECORD_FIELDS = (
        "name",
        "purpose",
        "legal_basis",
        "legal_reference",
        "data_categories",
        "sensitive_data",
        "data_subjects",
        "recipients",
        "retention",
        "security_measures",
        "responsible_unit",
    )

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class RetentionRule(models.Model):
    """How long one category of personal information is kept once its purpose ended. A rule
    without region is the platform's; a county's own rule replaces it in the county."""

    class Category(models.TextChoices):
        HOUSEHOLDS_EXITED = "households_exited", _("households exited (years after exit)")
        HELP_REQUESTS_CLOSED = "help_requests_closed", _("help requests closed (years)")
        CROSSCHECK_RECORDS = "crosscheck_records", _("rows of cross-check files (days)")

    # Whether a category's period counts years or days.
    IN_DAYS = frozenset({Category.CROSSCHECK_RECORDS})

    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    period = models.PositiveSmallIntegerField(
        _("period"), validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    is_active = models.BooleanField(_("applied"), default=True)
    note = models.CharField(_("source or reason"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["category", "region__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region"], name="retention_rule_one_per_category_and_region"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(region__isnull=True),
                name="retention_rule_one_default_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.region or _('every region')}"

    @property
    def in_days(self) -> bool:
        return self.category in self.IN_DAYS


class RetentionRun(models.Model):
    """One application of one rule: when, how far back, how many rows of each model it
    anonymised or deleted (or would have, in a dry run), and who asked (none: the schedule)."""

    rule = models.ForeignKey(
        RetentionRule, models.PROTECT, related_name="runs", verbose_name=_("rule")
    )
    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    cutoff = models.DateField(_("due on or before"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    counts = models.JSONField(_("rows per model"), default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule} · {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class AnonymisedHousehold(models.Model):
    """A household whose personal fields the retention schedule removed: an import of the
    ledger refuses to fill them in again (``registry.hooks.ledger_locked_households``)."""

    household = models.OneToOneField(
        Household, models.CASCADE, related_name="+", verbose_name=_("household")
    )
    run = models.ForeignKey(
        RetentionRun, models.PROTECT, related_name="households", verbose_name=_("run")
    )

    class Meta:
        verbose_name = _("anonymised household")
        verbose_name_plural = _("anonymised households")

    def __str__(self) -> str:
        return str(self.household_id)
