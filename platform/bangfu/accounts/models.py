from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin

from bangfu.regions.models import Region


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", _("civil-affairs bureau")
        STATION = "station", _("social-work station")
        AGENCY = "agency", _("service agency")
        CHARITY = "charity", _("charity")
        VILLAGE_COMMITTEE = "village", _("village committee")

    # Where each kind sits in the region tree.
    REGION_LEVELS = {
        Kind.BUREAU: {
            Region.Level.PROVINCE,
            Region.Level.CITY,
            Region.Level.COUNTY,
            Region.Level.TOWNSHIP,
        },
        Kind.STATION: {Region.Level.TOWNSHIP},
        Kind.VILLAGE_COMMITTEE: {Region.Level.VILLAGE},
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="organisations", verbose_name=_("region")
    )
    unified_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        levels = self.REGION_LEVELS.get(self.kind)
        if levels and self.region_id and self.region.level not in levels:
            raise ValidationError(
                {"region": _("This kind of organisation cannot sit at that level.")}
            )


class Membership(models.Model):
    class Role(models.TextChoices):
        BUREAU_STAFF = "bureau_staff", _("bureau staff")
        BUREAU_MANAGER = "bureau_manager", _("bureau manager")
        STATION_STAFF = "station_staff", _("station staff")
        AGENCY_STAFF = "agency_staff", _("service agency staff")
        ASSISTANT = "assistant", _("social-assistance assistant")
        VOLUNTEER = "volunteer", _("volunteer")
        CHARITY_STAFF = "charity_staff", _("charity staff")
        AUDITOR = "auditor", _("auditor")
        # 乡镇人民政府 / 民政办, modelled as the township's bureau: confirms the statuses the
        # assistants recommend (003: 「…审核确认权限下放至乡镇(街道)」).
        TOWNSHIP_REVIEWER = "township_reviewer", _("township reviewer")
        # 三员分立 (GB/T 22239-2019, level 3): three administrators in place of one superuser,
        # none of whom reads personal data (bangfu.accounts.duties says what each may do).
        SYSTEM_ADMIN = "system_admin", _("system administrator")
        SECURITY_ADMIN = "security_admin", _("security administrator")
        AUDIT_ADMIN = "audit_admin", _("audit administrator")

    # Which organisation kinds each role belongs to.
    ORGANISATION_KINDS = {
        Role.BUREAU_STAFF: {Organisation.Kind.BUREAU},
        Role.BUREAU_MANAGER: {Organisation.Kind.BUREAU},
        Role.AUDITOR: {Organisation.Kind.BUREAU},
        Role.TOWNSHIP_REVIEWER: {Organisation.Kind.BUREAU},
        Role.STATION_STAFF: {Organisation.Kind.STATION},
        Role.AGENCY_STAFF: {Organisation.Kind.AGENCY},
        Role.ASSISTANT: {
            Organisation.Kind.BUREAU,
            Organisation.Kind.STATION,
            Organisation.Kind.VILLAGE_COMMITTEE,
        },
        Role.VOLUNTEER: {
            Organisation.Kind.STATION,
            Organisation.Kind.CHARITY,
            Organisation.Kind.AGENCY,
            Organisation.Kind.VILLAGE_COMMITTEE,
        },
        Role.CHARITY_STAFF: {Organisation.Kind.CHARITY},
        Role.SYSTEM_ADMIN: {Organisation.Kind.BUREAU},
        Role.SECURITY_ADMIN: {Organisation.Kind.BUREAU},
        Role.AUDIT_ADMIN: {Organisation.Kind.BUREAU},
    }

    user = models.ForeignKey(
        User, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    villages = models.ManyToManyField(
        Region,
        blank=True,
        related_name="assistants",
        verbose_name=_("assigned villages"),
        limit_choices_to={"level": Region.Level.VILLAGE},
        help_text=_("Assistants only: the villages they visit."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    # Roles held only in an organisation of one level of the region tree.
    REGION_LEVELS = {Role.TOWNSHIP_REVIEWER: {Region.Level.TOWNSHIP}}
    # 三员分立: each administrator's account holds that one duty and no other role.
    ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

    def clean(self) -> None:
        kinds = self.ORGANISATION_KINDS[self.role]
        if self.organisation_id and self.organisation.kind not in kinds:
            raise ValidationError(
                {"role": _("This role does not exist in that kind of organisation.")}
            )
        levels = self.REGION_LEVELS.get(self.role)
        if levels and self.organisation_id and self.organisation.region.level not in levels:
            raise ValidationError({"role": _("This role exists only in a township's bureau.")})
        if self.user_id and self.is_active:
            others = set(
                Membership.objects.filter(user_id=self.user_id, is_active=True)
                .exclude(pk=self.pk)
                .values_list("role", flat=True)
            ) - {self.role}
            if others and (self.role in self.ADMINISTRATORS or others & self.ADMINISTRATORS):
                raise ValidationError(
                    {
                        "role": _(
                            "An administrator's account holds its one duty and no other role: "
                            "use a separate account."
                        )
                    }
                )


class PasswordHistory(models.Model):
    """The hashes of a user's passwords, newest first (bangfu.accounts.passwords): the newest
    dates the current password for its expiry, the last few refuse to be chosen again."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password"), max_length=128)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["user", "-changed_at"], name="password_history_latest")]

    def __str__(self) -> str:
        return f"{self.user} · {self.changed_at:%Y-%m-%d}"


class SmsDevice(ThrottlingMixin, SideChannelDevice):
    """A second factor sent by SMS to the user's phone (``User.phone``, never copied here):
    a six-digit code valid a few minutes (bangfu.accounts.two_factor)."""

    class Meta:
        verbose_name = _("SMS code device")
        verbose_name_plural = _("SMS code devices")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        if super().verify_token(token):
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False
