"""Who can serve a need: every party a need can be referred to is one ``Provider`` row (a
social-work station, a volunteer, a procured project), one-to-one with its kind's own row.

``Provider`` holds what referrals and matching ask of any provider: its kind, its name, its home
region (the station's township, the volunteer's village, the project's buying region), whether
staff suspended it or it paused itself, and its rating from outcomes. What is special about a
kind is registered by the app that owns it, in ``bangfu.providers.kinds``.

Remaining capacity is never stored: it is the capacity minus the open referrals, counted by the
referrals app, so it cannot drift.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation
from bangfu.core.validators import validate_coordinates
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory

RATING_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))]


class ProviderQuerySet(models.QuerySet):
    def open_to_referrals(self) -> "ProviderQuerySet":
        """Neither suspended by staff nor paused by the provider itself."""
        return self.filter(is_active=True, is_paused=False)


class Provider(models.Model):
    """Any party a need can be referred to (转介对象)."""

    class Kind(models.TextChoices):
        STATION = "station", _("social-work station")
        VOLUNTEER = "volunteer", _("volunteer")
        PROJECT = "project", _("procured project")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="providers",
        verbose_name=_("home region"),
        help_text=_("The station's township, the volunteer's village, the project's region."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Staff suspend a provider by clearing this.")
    )
    is_paused = models.BooleanField(
        _("paused"),
        default=False,
        help_text=_("The provider takes no new referrals for now, by its own choice."),
    )
    status_note = models.CharField(_("reason for the status"), max_length=200, blank=True)
    quality_rating = models.DecimalField(
        _("quality rating"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATING_VALIDATORS,
        help_text=_("0-5, computed from outcomes and satisfaction."),
    )
    rated_outcomes = models.PositiveIntegerField(
        _("rated outcomes"), default=0, help_text=_("How many rated outcomes the rating rests on.")
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["kind", "name", "pk"]
        indexes = [models.Index(fields=["kind", "is_active", "is_paused"])]

    def __str__(self) -> str:
        return self.name

    @property
    def takes_referrals(self) -> bool:
        return self.is_active and not self.is_paused


class Station(models.Model):
    """A township social-work station (乡镇社工站)."""

    organisation = models.OneToOneField(
        Organisation,
        models.CASCADE,
        related_name="station",
        verbose_name=_("organisation"),
        limit_choices_to={"kind": Organisation.Kind.STATION},
    )
    provider = models.OneToOneField(
        Provider, models.PROTECT, related_name="station", verbose_name=_("provider")
    )
    service_area = models.ManyToManyField(
        Region,
        blank=True,
        related_name="stations",
        verbose_name=_("service area"),
        help_text=_("Townships or villages it serves; its own township by default."),
    )
    categories = models.ManyToManyField(
        ServiceCategory,
        related_name="stations",
        verbose_name=_("services offered"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    capacity = models.PositiveIntegerField(_("open cases it can hold"), default=30)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("social-work station")
        verbose_name_plural = _("social-work stations")
        ordering = ["organisation__region__path"]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def township(self) -> Region:
        return self.organisation.region

    def clean(self) -> None:
        if self.organisation_id and self.organisation.kind != Organisation.Kind.STATION:
            raise ValidationError({"organisation": _("Choose a social-work station.")})


class Certificate(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("licensed social worker")
    REHAB_THERAPIST = "rehab_therapist", _("rehabilitation therapist")
    NURSE = "nurse", _("nurse")
    COUNSELLOR = "counsellor", _("psychological counsellor")
    TEACHER = "teacher", _("teacher")
    LAWYER = "lawyer", _("lawyer")
    CARE_WORKER = "care_worker", _("elderly care worker")


class Volunteer(models.Model):
    class GenderPreference(models.TextChoices):
        ANY = "any", _("anyone")
        FEMALE = "F", _("women only")
        MALE = "M", _("men only")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="volunteer", verbose_name=_("user")
    )
    provider = models.OneToOneField(
        Provider, models.PROTECT, related_name="volunteer", verbose_name=_("provider")
    )
    organisation = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteers",
        verbose_name=_("volunteers with"),
    )
    categories = models.ManyToManyField(
        ServiceCategory,
        related_name="volunteers",
        verbose_name=_("skills"),
        limit_choices_to={"kind": ServiceCategory.Kind.SERVICE},
    )
    certificates = models.JSONField(
        _("certificates"),
        default=list,
        blank=True,
        help_text=_("Codes of the certificates held, e.g. social_worker, nurse."),
    )
    languages = models.JSONField(
        _("languages and dialects"),
        default=list,
        blank=True,
        help_text=_("E.g. 普通话, 哈尼语, 彝语, 傣语."),
    )
    home_region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="volunteers",
        verbose_name=_("home village"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    travel_radius_km = models.DecimalField(
        _("travel radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))],
    )
    weekly_hours = models.PositiveSmallIntegerField(_("hours a week"), default=4)
    available_times = models.JSONField(
        _("available times"),
        default=list,
        blank=True,
        help_text=_(
            'Weekly times, e.g. [{"day": 6, "start": "08:00", "end": "12:00"}]; day 1 is '
            "Monday. Empty: any time within the weekly hours."
        ),
    )
    availability = models.CharField(
        _("notes on availability"),
        max_length=100,
        blank=True,
        help_text=_("E.g. not during the harvest in October."),
    )
    capacity = models.PositiveSmallIntegerField(_("open tasks at once"), default=2)
    serves_gender = models.CharField(
        _("serves"), max_length=3, choices=GenderPreference.choices, default=GenderPreference.ANY
    )

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        unknown = set(self.certificates or []) - set(Certificate.values)
        if unknown:
            raise ValidationError(
                {"certificates": _("Unknown certificate: %s") % ", ".join(unknown)}
            )
        if self.home_region_id is not None and self.latitude is not None:
            # A volunteer lives where the households do: inside their county.
            bounds = self.home_region.household_bounds()
            validate_coordinates(self.latitude, self.longitude, bounds)
