import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.fields import EncryptedTextField, LookupHashField
from bangfu.core.masking import mask_id_number, mask_name
from bangfu.core.models import FileImport
from bangfu.core.phones import phone_lookup_hash
from bangfu.core.validators import (
    collect_error,
    normalise_phone,
    validate_coordinates,
    validate_date_range,
    validate_past_date,
    validate_registry_number,
    validate_text_length,
)
from bangfu.regions.models import Region
from bangfu.registry import search_keys


class ServiceCategory(models.Model):
    """The service taxonomy shared by needs, providers, procurement and offers."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("service to people")
        ADMINISTRATIVE = "administrative", _("administrative work")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Tier(models.TextChoices):
    """Household tiers (分层分类), from the most to the least protected: what ``Household.tier``
    holds, the strongest status of the household and its members (``registry.coverage``).

    临时救助 is no tier: it is a one-off grant (``registry.grants``)."""

    TEKUN = "tekun", _("destitute (特困)")
    DIBAO = "dibao", _("minimum subsistence (低保)")
    MARGINAL = "marginal", _("marginal (低保边缘)")
    EXPENDITURE = "expenditure", _("expenditure hardship (支出型困难)")
    NONE = "none", _("none")


class Coverage(models.TextChoices):
    """Every status a decision can set, strongest first. 特困 and 单人纳保 are a person's status
    (003: 「参照单人户纳入最低生活保障范围」); the others are the household's."""

    TEKUN = "tekun", _("destitute (特困)")
    SINGLE_DIBAO = "single_dibao", _("single-person dibao (单人纳保)")
    DIBAO = "dibao", _("minimum subsistence (低保)")
    MARGINAL = "marginal", _("marginal (低保边缘)")
    EXPENDITURE = "expenditure", _("expenditure hardship (支出型困难)")
    NONE = "none", _("none")


HOUSEHOLD_COVERAGES = (Coverage.DIBAO, Coverage.MARGINAL, Coverage.EXPENDITURE, Coverage.NONE)
PERSONAL_COVERAGES = (Coverage.TEKUN, Coverage.SINGLE_DIBAO, Coverage.NONE)


class HouseholdTier(models.TextChoices):
    """The status decided for a household as a whole (特困 is a member's)."""

    DIBAO = Tier.DIBAO.value, Tier.DIBAO.label
    MARGINAL = Tier.MARGINAL.value, Tier.MARGINAL.label
    EXPENDITURE = Tier.EXPENDITURE.value, Tier.EXPENDITURE.label
    NONE = Tier.NONE.value, Tier.NONE.label


class PersonalStatus(models.TextChoices):
    NONE = Coverage.NONE.value, Coverage.NONE.label
    TEKUN = Coverage.TEKUN.value, Coverage.TEKUN.label
    SINGLE_DIBAO = Coverage.SINGLE_DIBAO.value, Coverage.SINGLE_DIBAO.label


class Residence(models.TextChoices):
    """Which 低保 standard applies (001 sets a 城乡 ratio, so the two are kept apart)."""

    URBAN = "urban", _("urban (城镇)")
    RURAL = "rural", _("rural (农村)")


class ExitReason(models.TextChoices):
    INCOME_ABOVE = "income_above", _("income above the standard (收入超标)")
    ASSETS_ABOVE = "assets_above", _("assets above the limit")
    DECEASED = "deceased", _("deceased")
    MOVED_AWAY = "moved_away", _("moved away")
    WRONGLY_COVERED = "wrongly_covered", _("wrongly covered (错保)")
    DECLINED = "declined", _("declined assistance")
    OTHER = "other", _("other")


class HouseholdQuerySet(ScopedQuerySet):
    region_lookup = "region"


class Household(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        UNDER_REVIEW = "under_review", _("under review")
        SUSPENDED = "suspended", _("suspended")
        EXITED = "exited", _("exited")

    registry_number = models.CharField(_("registry number"), max_length=32, unique=True)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="households",
        verbose_name=_("village"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    address = models.CharField(_("address"), max_length=200)
    phone = EncryptedTextField(_("contact phone"), max_length=20, blank=True)
    phone_hash = LookupHashField(source="phone", digest=phone_lookup_hash, db_index=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    languages = models.JSONField(
        _("languages and dialects"),
        default=list,
        blank=True,
        help_text=_(
            "Those the household speaks, e.g. 普通话, 哈尼语: volunteers are proposed only if "
            "they speak one of them. Empty: no constraint."
        ),
    )
    # The strongest status of the household and its members, kept for queries; only
    # ``registry.coverage.refresh_tier`` writes it.
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.NONE)
    household_tier = models.CharField(
        _("household's own status"),
        max_length=16,
        choices=HouseholdTier.choices,
        default=HouseholdTier.NONE,
    )
    residence = models.CharField(
        _("urban or rural"), max_length=8, choices=Residence.choices, default=Residence.RURAL
    )
    financial_assets = models.DecimalField(
        _("financial assets (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("家庭金融资产, when known; empty: no asset data."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    exit_reason = models.CharField(
        _("exit reason"), max_length=16, choices=ExitReason.choices, blank=True
    )
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    gradual_exit_until = models.DateField(_("gradual exit (渐退期) until"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["registry_number"]
        indexes = [
            models.Index(fields=["tier", "status"]),
            models.Index(fields=["next_review_due"]),
        ]

    def __str__(self) -> str:
        return self.registry_number

    def clean(self) -> None:
        errors = {}
        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except ValidationError as error:
                errors["phone"] = error.messages
        for name, check in (
            ("enrolled_on", validate_past_date),
            ("next_review_due", validate_date_range),
        ):
            collect_error(errors, name, check, getattr(self, name))
        if self.region_id is not None:
            county = self.region.county()
            if self.registry_number and self._registry_number_is_new():
                collect_error(
                    errors,
                    "registry_number",
                    lambda number: validate_registry_number(number, county_code=county.code),
                    self.registry_number,
                )
            try:
                bounds = self.region.household_bounds() if self.latitude is not None else None
                validate_coordinates(self.latitude, self.longitude, bounds)
            except ValidationError as error:
                error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _registry_number_is_new(self) -> bool:
        """Numbers given before the county's numbering rule stay valid until changed: they are
        written on the household's paper files."""
        if self._state.adding:
            return True
        stored = Household.objects.filter(pk=self.pk).values_list("registry_number", flat=True)
        return stored.first() != self.registry_number

    @property
    def head(self) -> "Member | None":
        members = list(self.members.all())
        return next((m for m in members if m.relation == Member.Relation.HEAD), None) or (
            members[0] if members else None
        )

    def monthly_income_per_person(self) -> Decimal:
        members = list(self.members.all())
        if not members:
            return Decimal("0.00")
        total = sum((m.monthly_income for m in members), Decimal("0"))
        # Amounts to the fen, rounded half up as everywhere (decimal.ROUND_HALF_UP).
        return (total / len(members)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


class MemberQuerySet(ScopedQuerySet):
    region_lookup = "household__region"


class Member(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other relative")

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Disability(models.TextChoices):
        NONE = "none", _("none")
        VISUAL = "visual", _("visual")
        HEARING = "hearing", _("hearing")
        SPEECH = "speech", _("speech")
        PHYSICAL = "physical", _("physical")
        INTELLECTUAL = "intellectual", _("intellectual")
        MENTAL = "mental", _("mental")
        MULTIPLE = "multiple", _("multiple")

    class Illness(models.TextChoices):
        NONE = "none", _("none")
        CHRONIC = "chronic", _("chronic illness")
        SERIOUS = "serious", _("serious illness")

    class CareLevel(models.TextChoices):
        SELF = "self", _("self-caring")
        SEMI = "semi", _("semi-dependent")
        FULL = "full", _("fully dependent")

    class WorkAbility(models.TextChoices):
        FULL = "full", _("able to work")
        PARTIAL = "partial", _("partly able to work")
        NONE = "none", _("unable to work")

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    # What staff search a person by besides the name (bangfu.registry.search).
    name_pinyin = search_keys.SearchKeyField(
        source="name", digest=search_keys.name_pinyin, db_index=True
    )
    name_initials = search_keys.SearchKeyField(
        source="name", digest=search_keys.name_initials, db_index=True
    )
    name_grams = search_keys.SearchKeyField(source="name", digest=search_keys.name_grams)
    id_tail4_hash = LookupHashField(
        source="id_number", digest=search_keys.id_tail4_hash, db_index=True
    )
    id_tail5_hash = LookupHashField(
        source="id_number", digest=search_keys.id_tail5_hash, db_index=True
    )
    id_tail6_hash = LookupHashField(
        source="id_number", digest=search_keys.id_tail6_hash, db_index=True
    )
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    disability = models.CharField(
        _("disability"), max_length=16, choices=Disability.choices, default=Disability.NONE
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("1 (most severe) to 4."),
    )
    illness = models.CharField(
        _("illness"), max_length=16, choices=Illness.choices, default=Illness.NONE
    )
    illness_note = models.CharField(_("illness details"), max_length=200, blank=True)
    care_level = models.CharField(
        _("care level"), max_length=8, choices=CareLevel.choices, default=CareLevel.SELF
    )
    work_ability = models.CharField(
        _("ability to work"), max_length=8, choices=WorkAbility.choices, default=WorkAbility.FULL
    )
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    income_is_irregular = models.BooleanField(_("irregular income"), default=False)
    is_employed = models.BooleanField(
        _("employed (已就业)"),
        default=False,
        help_text=_("The work-income deduction applies only to employed members."),
    )
    personal_status = models.CharField(
        _("personal status"),
        max_length=16,
        choices=PersonalStatus.choices,
        default=PersonalStatus.NONE,
    )
    is_orphan = models.BooleanField(_("orphan"), default=False)
    is_unsupported_child = models.BooleanField(_("de-facto unsupported child"), default=False)
    is_five_elders = models.BooleanField(_('"five elders"'), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household", "relation", "birth_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability="none", disability_grade__isnull=True)
                | (
                    ~models.Q(disability="none")
                    & models.Q(disability_grade__gte=1, disability_grade__lte=4)
                ),
                name="member_disability_grade_matches_type",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0), name="member_income_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)

    @property
    def is_severely_disabled(self) -> bool:
        return is_severe_disability(self.disability, self.disability_grade)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def is_severe_disability(disability: str, grade: int | None) -> bool:
    """重度残疾: grades 1-2, or grade 3 intellectual or mental disability."""
    if disability == Member.Disability.NONE or not grade:
        return False
    return grade <= 2 or (
        grade == 3 and disability in {Member.Disability.INTELLECTUAL, Member.Disability.MENTAL}
    )


class AssessmentQuerySet(ScopedQuerySet):
    region_lookup = "household__region"


class Assessment(models.Model):
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="assessments", verbose_name=_("household")
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="assessments",
        verbose_name=_("assessor"),
    )
    summary = models.TextField(_("summary of the visit"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.household} {self.assessed_on}"

    def clean(self) -> None:
        errors = {}
        collect_error(errors, "assessed_on", validate_past_date, self.assessed_on)
        collect_error(errors, "summary", validate_text_length, self.summary)
        if errors:
            raise ValidationError(errors)


class NeedQuerySet(ScopedQuerySet):
    region_lookup = "household__region"

    def open(self) -> "NeedQuerySet":
        return self.filter(status__in=Need.OPEN_STATUSES)


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MATCHED = "matched", _("matched")
        REFERRED = "referred", _("referred")
        IN_SERVICE = "in_service", _("in service")
        MET = "met", _("met")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        SOON = "soon", _("within a week")
        URGENT = "urgent", _("urgent (48 hours)")
        EMERGENCY = "emergency", _("emergency (today)")

    OPEN_STATUSES = (Status.OPEN, Status.MATCHED)

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="needs", verbose_name=_("household")
    )
    assessment = models.ForeignKey(
        Assessment, models.CASCADE, related_name="needs", verbose_name=_("assessment")
    )
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="needs",
        verbose_name=_("service"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (mild) to 5 (critical)."),
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    preferred_times = models.CharField(
        _("preferred times"),
        max_length=100,
        blank=True,
        help_text=_(
            "In the household's words, e.g. 工作日上午, 周末, 周三下午. Days (周一 … 周日, 工作日, "
            "周末) and parts of the day (上午, 下午, 晚上) named here limit the volunteers "
            "proposed to those free then."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    priority = models.DecimalField(
        _("priority"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    priority_components = models.JSONField(_("priority components"), default=dict, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-priority", "opened_on"]
        indexes = [models.Index(fields=["status", "-priority"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=5), name="need_severity_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.category}"

    def clean(self) -> None:
        errors = {}
        # Its dates are the visit's and the day it closed: set by the services, not typed.
        collect_error(errors, "notes", validate_text_length, self.notes)
        if errors:
            raise ValidationError(errors)


class LedgerImport(FileImport):
    """The audit trail of one ledger (台账) import: who brought which file in, and what came of it.

    Written in the same transaction as the households and members it created or updated; a
    refused file is recorded too (nothing else is written then). Dry runs are not recorded.
    """

    households_created = models.PositiveIntegerField(_("households created"), default=0)
    members_created = models.PositiveIntegerField(_("members created"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    members_updated = models.PositiveIntegerField(_("members updated"), default=0)
    # Status changes the file made, each a confirmed ``StatusDecision`` naming this import.
    decisions_recorded = models.PositiveIntegerField(_("decisions recorded"), default=0)

    class Meta(FileImport.Meta):
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self) -> str:
        return f"{self.file_name} · {self.imported_at:%Y-%m-%d %H:%M}"


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
        indexes = [models.Index(fields=["state", "created_at"])]

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
        indexes = [models.Index(fields=["state", "granted_on"])]
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
