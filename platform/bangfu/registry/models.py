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
    """Household tiers (分层分类), from the most to the least protected."""

    TEKUN = "tekun", _("destitute (特困)")
    DIBAO = "dibao", _("minimum subsistence (低保)")
    MARGINAL = "marginal", _("marginal (低保边缘)")
    EXPENDITURE = "expenditure", _("expenditure hardship (支出型困难)")
    TEMPORARY = "temporary", _("temporary assistance (临时救助)")
    NONE = "none", _("none")


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
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.NONE)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
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
        return (total / len(members)).quantize(Decimal("0.01"))


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

    Written in the same transaction as the households and members it created; a refused file is
    recorded too (nothing else is written then). Dry runs are not recorded.
    """

    households_created = models.PositiveIntegerField(_("households created"), default=0)
    members_created = models.PositiveIntegerField(_("members created"), default=0)

    class Meta(FileImport.Meta):
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self) -> str:
        return f"{self.file_name} · {self.imported_at:%Y-%m-%d %H:%M}"
