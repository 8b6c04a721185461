"""Status decisions (who recommended, who confirmed) and 临时救助 grants."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.regions.models import Region
from bangfu.registry.models.households import Household, Member
from bangfu.registry.models.needs import LedgerImport
from bangfu.registry.models.statuses import Coverage, ExitReason


class StatusDecisionQuerySet(ScopedQuerySet):
    region_lookup = "household__region"

    def proposed(self) -> "StatusDecisionQuerySet":
        return self.filter(state=StatusDecision.State.PROPOSED)


class StatusDecision(models.Model):
    """A recommendation (建议纳入 / 建议退出 / 建议调整) and, once confirmed, the decision.

    The township decides (003: 「积极探索将低保、特困等社会救助对象审核确认权限下放至乡镇
    (街道)」); the assistant's part is to assist (001: 「协助社会救助申请及动态管理」). Only a
    confirmed decision changes the registry (``registry.coverage``), and it stays here as the
    record: who, when, the benefits system's reference, the evidence and the effective date.
    """

    class Kind(models.TextChoices):
        ENROL = "enrol", _("enrol (纳入)")
        EXIT = "exit", _("exit (退出)")
        ADJUST = "adjust", _("adjust (调整)")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    class Source(models.TextChoices):
        VERIFICATION = "verification", _("verification of a warning")
        REVIEW = "review", _("review")
        STAFF = "staff", _("decision of the benefits system")
        LEDGER_IMPORT = "ledger_import", _("ledger import")

    ExitReason = ExitReason

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="status_decisions", verbose_name=_("household")
    )
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_decisions",
        verbose_name=_("member"),
        help_text=_("Set when the decision is about the member's own status (特困, 单人纳保)."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Coverage.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Coverage.choices)
    exit_reason = models.CharField(
        _("exit reason"), max_length=16, choices=ExitReason.choices, blank=True
    )
    gradual_exit_months = models.PositiveSmallIntegerField(
        _("gradual exit (渐退期), months"), null=True, blank=True
    )
    # What the assistant found ({"rule": ..., "flag": pk, "task": pk, "note": ...}) and the
    # calculator's figures, Decimals as strings.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recommended by"),
    )
    recommended_at = models.DateTimeField(_("recommended at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reference = models.CharField(
        _("decision reference"),
        max_length=100,
        blank=True,
        help_text=_("The benefits system's decision number, or the ledger file's name."),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    ledger_import = models.ForeignKey(
        LedgerImport,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("ledger import"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatusDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("status decision")
        verbose_name_plural = _("status decisions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "created_at", "id"], name="decision_state_created_pk")
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_kind_display()} · {self.get_to_status_display()}"


class TemporaryGrantQuerySet(ScopedQuerySet):
    region_lookup = "household__region"

    def proposed(self) -> "TemporaryGrantQuerySet":
        return self.filter(state=TemporaryGrant.State.PROPOSED)

    def to_report(self) -> "TemporaryGrantQuerySet":
        """先行救助 decided by a township and not yet acknowledged by the county."""
        return self.filter(
            state=TemporaryGrant.State.DECIDED, first_aid=True, reported_at__isnull=True
        )


class TemporaryGrant(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("emergency (急难型)")
        EXPENDITURE = "expenditure", _("expenditure (支出型)")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        DECIDED = "decided", _("granted")
        REJECTED = "rejected", _("rejected")

    household = models.ForeignKey(
        Household,
        models.CASCADE,
        related_name="temporary_grants",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="temporary_grants",
        verbose_name=_("member"),
        help_text=_("The person the grant is for, when it is one member's."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED
    )
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reference = models.CharField(
        _("decision reference"),
        max_length=100,
        blank=True,
        help_text=_("The number of the grant in the social-assistance system."),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    first_aid = models.BooleanField(
        _("first aid (先行救助)"),
        default=False,
        help_text=_("Decided at once by the township under the limit, reported after."),
    )
    reported_at = models.DateTimeField(_("acknowledged by the county at"), null=True, blank=True)
    reported_to = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported to"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TemporaryGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("temporary assistance grant (临时救助)")
        verbose_name_plural = _("temporary assistance grants (临时救助)")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "granted_on"]),
            models.Index(fields=["decided_at", "id"], name="grant_decided_pk"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="temporary_grant_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="decided")
                | models.Q(
                    decided_by__isnull=False, decided_at__isnull=False, granted_on__isnull=False
                ),
                name="temporary_grant_decided_is_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(reported_at__isnull=True)
                | models.Q(state="decided", first_aid=True),
                name="temporary_grant_only_first_aid_is_reported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_kind_display()} · {self.amount}"

    @property
    def awaits_report(self) -> bool:
        return self.state == self.State.DECIDED and self.first_aid and self.reported_at is None
