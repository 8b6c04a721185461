"""Households and their members, as the registry keeps them."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.core.choices import ChoiceLabels
from bangfu.core.fields import EncryptedTextField, LookupHashField
from bangfu.core.masking import mask_id_number, mask_name
from bangfu.core.phones import phone_lookup_hash
from bangfu.core.validators import (
    collect_error,
    normalise_phone,
    validate_coordinates,
    validate_date_range,
    validate_past_date,
    validate_registry_number,
)
from bangfu.regions.models import Region, counties_of
from bangfu.registry import search_keys
from bangfu.registry.models.statuses import (
    ExitReason,
    HouseholdTier,
    PersonalStatus,
    Residence,
    Tier,
)


def county_field() -> models.ForeignKey:
    """A row's county, kept beside its village's path so that a county's lists read from
    indexes that begin with it; left out of ``db_index``, as those indexes serve it."""
    return models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        blank=True,
        editable=False,
        db_index=False,
        verbose_name=_("county"),
    )


class HouseholdQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def bulk_create(self, objs, *args, **kwargs):
        """Households inserted in bulk get their county from their village, as ``save`` gives
        it (whatever county the objects carry: a copy of another county's row carries its)."""
        objs = list(objs)
        regions = Region.objects.filter(pk__in={obj.region_id for obj in objs})
        counties = counties_of(regions)
        for obj in objs:
            obj.county_id = counties[obj.region_id].pk
        return super().bulk_create(objs, *args, **kwargs)


class Household(ChoiceLabels, models.Model):
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
    # The county of the village (``Region.county``), set by ``save`` and ``bulk_create``: the
    # county's list reads one county in registry-number order from one index. Who may see a
    # household is still decided by the village's path (``HouseholdQuerySet.for_user``).
    county = county_field()
    # What the household list shows and sorts by, kept by the writes of members and needs
    # (``registry.summaries``), never by ``save``.
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    open_need_count = models.PositiveIntegerField(_("open needs"), default=0, editable=False)
    top_open_priority = models.DecimalField(
        _("highest priority of the open needs"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    SUMMARY_FIELDS = ("member_count", "open_need_count", "top_open_priority")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["registry_number"]
        indexes = [
            models.Index(fields=["tier", "status"]),
            # The list's sorts and filters, with the primary key its pages seek by (the latest
            # review first is migration 0013's PostgreSQL-only household_review_desc_pk).
            models.Index(fields=["next_review_due", "id"], name="household_review_pk"),
            models.Index(fields=["status", "registry_number"], name="household_status_number"),
            # A county's list by number; the list by members and by highest priority (the
            # highest first, NULLs last, is migration 0014's PostgreSQL-only
            # household_priority_desc_pk).
            models.Index(
                fields=["county", "registry_number", "id"], name="household_county_number"
            ),
            models.Index(fields=["member_count", "id"], name="household_members_pk"),
            models.Index(fields=["-member_count", "id"], name="household_members_desc_pk"),
            models.Index(fields=["top_open_priority", "id"], name="household_priority_pk"),
        ]

    def __str__(self) -> str:
        return self.registry_number

    def save(self, **kwargs) -> None:
        """Saves the household with its village's county, which its members and needs follow
        when it changes (a row left behind by a path that bypassed ``save`` is the repair's);
        the summaries stay as the writes of members and needs left them (an object loaded
        before one of those is not stale)."""
        update_fields = kwargs.get("update_fields")
        moved = False
        if update_fields is None or "region" in update_fields:
            county = self.region.county().pk
            moved, self.county_id = county != self.county_id, county
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "county"}
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.SUMMARY_FIELDS
            ]
        adding = self._state.adding
        super().save(**kwargs)
        if moved and not adding:
            for rows in (self.members, self.needs):
                rows.exclude(county=self.county_id).update(county=self.county_id)

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


class KeepsHouseholdCounty(ScopedQuerySet):
    """Rows of a household that keep its county (a ``county`` field: its members, its needs).
    Inserted in bulk, they get it as ``save`` gives it (``follow_household_county``)."""

    region_lookup = "household__region"

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        # A row given a household inserted in bulk just before holds the household, not yet
        # its key (``bulk_create`` copies the key over only later).
        keys = [
            obj.household.pk if self.model.household.is_cached(obj) else obj.household_id
            for obj in objs
        ]
        counties = dict(Household.objects.filter(pk__in=set(keys)).values_list("pk", "county_id"))
        for obj, key in zip(objs, keys, strict=True):
            obj.county_id = counties[key]
        return super().bulk_create(objs, *args, **kwargs)


def follow_household_county(row, save_kwargs: dict) -> None:
    """Before ``row`` (a member or need) is saved with its household: give it the household's
    county (read alone when the household is not loaded) and add ``county`` to the fields
    written, if any are named."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and "household" not in update_fields:
        return
    row.county_id = (
        row.household.county_id
        if type(row).household.is_cached(row)
        else Household.objects.values_list("county", flat=True).get(pk=row.household_id)
    )
    if update_fields is not None:
        save_kwargs["update_fields"] = {*update_fields, "county"}


class Member(ChoiceLabels, models.Model):
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
    # The household's county (``Household.county``), set by ``save`` and ``bulk_create`` and
    # kept when the household moves: a county's search reads its people by name from an index
    # that begins with it (migration ``0018_member_county``), not the province's. Who may see
    # a member is still decided by the village's path (``KeepsHouseholdCounty.for_user``).
    county = county_field()
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

    objects = KeepsHouseholdCounty.as_manager()

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

    def save(self, **kwargs) -> None:
        """Saves the member with its household's county."""
        follow_household_county(self, kwargs)
        super().save(**kwargs)

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
