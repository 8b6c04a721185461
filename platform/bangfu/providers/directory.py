"""The directory's writes: bureau staff register, edit, suspend and reactivate the stations and
volunteers of their area; a volunteer keeps their own profile and pauses themselves.

Each is one transaction that checks the writer's area itself (``holds_role_over``), whatever page
called it. The rows are audited by django-auditlog (registered in ``ProvidersConfig.ready``); a
new volunteer's log-in and membership by ``core.audit.log_created``. Suspending or pausing stops
new referrals only: open cases stay with the provider until they end or staff revoke them.
"""

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.accounts.scoping import holds_role_over
from bangfu.core.audit import log_created
from bangfu.core.validators import normalise_phone
from bangfu.providers.models import Provider, Station, Volunteer
from bangfu.providers.selectors import DIRECTORY_KINDS, DIRECTORY_ROLES
from bangfu.providers.services import provider_sync, station_create, station_default_service_area
from bangfu.providers.times import clean_times
from bangfu.regions.models import Region

# What staff set on a volunteer besides the log-in and skills; what volunteers set themselves.
VOLUNTEER_FIELDS = (
    "organisation",
    "home_region",
    "latitude",
    "longitude",
    "certificates",
    "languages",
    "travel_radius_km",
    "weekly_hours",
    "available_times",
    "availability",
    "capacity",
    "serves_gender",
)
PROFILE_FIELDS = (
    "languages",
    "travel_radius_km",
    "weekly_hours",
    "available_times",
    "availability",
)


def require_directory(*, by, region: Region) -> None:
    if not holds_role_over(by, DIRECTORY_ROLES, region):
        raise PermissionDenied(_("This provider is outside your area."))


def _require_regions(by, regions: Iterable[Region]) -> None:
    for region in regions:
        require_directory(by=by, region=region)


def _locked(model, pk: int):
    return model.objects.select_for_update().get(pk=pk)


# --- stations --------------------------------------------------------------------------------


def _organisation_fields(organisation: Organisation, *, name, contact_phone, address) -> None:
    organisation.name = name.strip()
    organisation.contact_phone = normalise_phone(contact_phone) if contact_phone else ""
    organisation.address = address.strip()
    organisation.full_clean()


@transaction.atomic
def station_register(
    *,
    by,
    name: str,
    township: Region,
    capacity: int,
    categories: Iterable = (),
    service_area: Iterable[Region] = (),
    opening_hours: str = "",
    contact_phone: str = "",
    address: str = "",
) -> Station:
    """A new station: its organisation at the township, its provider, its services; it serves
    its own township and any wider ``service_area``."""
    _require_regions(by, [township, *service_area])
    organisation = Organisation(kind=Organisation.Kind.STATION, region=township)
    _organisation_fields(organisation, name=name, contact_phone=contact_phone, address=address)
    organisation.save()
    return station_create(
        organisation=organisation,
        capacity=capacity,
        categories=categories,
        service_area=service_area,
        opening_hours=opening_hours,
    )


@transaction.atomic
def station_update(
    *,
    by,
    station: Station,
    name: str,
    capacity: int,
    categories: Iterable,
    service_area: Iterable[Region],
    opening_hours: str = "",
    contact_phone: str = "",
    address: str = "",
) -> Station:
    station = _locked(Station, station.pk)
    organisation = _locked(Organisation, station.organisation_id)
    _require_regions(by, [organisation.region, *service_area])
    _organisation_fields(organisation, name=name, contact_phone=contact_phone, address=address)
    organisation.save()
    station.organisation = organisation
    station.capacity, station.opening_hours = capacity, opening_hours.strip()
    station.full_clean(exclude=["provider"])
    provider_sync(profile=station)
    station.categories.set(categories)
    station.service_area.set(service_area)
    station_default_service_area(station=station)
    return station


# --- volunteers ------------------------------------------------------------------------------


def _clean_volunteer(volunteer: Volunteer, fields: dict) -> None:
    """Set and check the volunteer's fields; coordinates default to the home village's."""
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.available_times = clean_times(volunteer.available_times)
    spoken = (language.strip() for language in volunteer.languages)
    volunteer.languages = list(dict.fromkeys(language for language in spoken if language))
    if volunteer.latitude is None or volunteer.longitude is None:
        village = volunteer.home_region
        if village.latitude is None or village.longitude is None:
            raise ValidationError(
                {"latitude": _("Give the coordinates: the village has none recorded.")}
            )
        volunteer.latitude, volunteer.longitude = village.latitude, village.longitude
    volunteer.full_clean(exclude=["provider", "user"])


def _volunteer_organisation(by, organisation: Organisation) -> None:
    require_directory(by=by, region=organisation.region)
    if organisation.kind not in Membership.ORGANISATION_KINDS[Membership.Role.VOLUNTEER]:
        raise ValidationError({"organisation": _("Volunteers cannot volunteer with this kind.")})


def _user_fields(user: User, *, display_name: str, phone: str) -> None:
    user.display_name = display_name.strip()
    try:
        user.phone = normalise_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


@transaction.atomic
def volunteer_register(
    *,
    by,
    username: str,
    display_name: str,
    phone: str,
    password: str,
    categories: Iterable = (),
    **fields,
) -> Volunteer:
    """A new volunteer: a log-in (the password is given to the volunteer, who changes it), the
    volunteer role with the organisation they volunteer with, their profile and provider."""
    require_directory(by=by, region=fields["home_region"])
    _volunteer_organisation(by, fields["organisation"])
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username)
    _user_fields(user, display_name=display_name, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.full_clean()
    volunteer = Volunteer()
    _clean_volunteer(volunteer, _only(fields, VOLUNTEER_FIELDS))
    user.save()
    membership = Membership(
        user=user, organisation=fields["organisation"], role=Membership.Role.VOLUNTEER
    )
    membership.full_clean()
    membership.save()
    volunteer.user = user
    provider_sync(profile=volunteer)
    volunteer.categories.set(categories)
    log_created([user, membership], actor=by, additional_data={"by": "volunteer_register"})
    return volunteer


@transaction.atomic
def volunteer_update(
    *, by, volunteer: Volunteer, display_name: str, phone: str, categories: Iterable, **fields
) -> Volunteer:
    """Staff edit a volunteer; moving them to another organisation moves their membership."""
    volunteer = _locked(Volunteer, volunteer.pk)
    require_directory(by=by, region=volunteer.home_region)
    require_directory(by=by, region=fields["home_region"])
    before = volunteer.organisation
    if fields["organisation"] != before:
        _volunteer_organisation(by, fields["organisation"])
    user = _locked(User, volunteer.user_id)
    _user_fields(user, display_name=display_name, phone=phone)
    user.full_clean()
    _clean_volunteer(volunteer, _only(fields, VOLUNTEER_FIELDS))
    user.save(update_fields=["display_name", "phone"])
    if fields["organisation"] != before:
        Membership.objects.filter(
            user=user, role=Membership.Role.VOLUNTEER, organisation=before
        ).update(organisation=fields["organisation"])
    volunteer.user = user
    provider_sync(profile=volunteer)
    volunteer.categories.set(categories)
    return volunteer


@transaction.atomic
def volunteer_profile_update(*, by, volunteer: Volunteer, categories: Iterable, **fields):
    """A volunteer keeps their own skills, languages, hours, times and travel radius."""
    volunteer = _locked(Volunteer, volunteer.pk)
    if volunteer.user_id != by.pk:
        raise PermissionDenied(_("Volunteers keep only their own profile."))
    _clean_volunteer(volunteer, _only(fields, PROFILE_FIELDS))
    volunteer.save()
    volunteer.categories.set(categories)
    return volunteer


def _only(fields: dict, names: tuple[str, ...]) -> dict:
    unknown = set(fields) - set(names)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    return fields


# --- suspending and pausing ------------------------------------------------------------------


def _directory_provider(by, provider: Provider) -> Provider:
    provider = _locked(Provider, provider.pk)
    if provider.kind not in DIRECTORY_KINDS:
        raise PermissionDenied(_("Procured projects are managed in procurement."))
    require_directory(by=by, region=provider.region)
    return provider


@transaction.atomic
def provider_suspend(*, by, provider: Provider, reason: str) -> Provider:
    """Staff stop sending the provider new referrals, and say why."""
    provider = _directory_provider(by, provider)
    if not provider.is_active:
        raise ValidationError(_("This provider is suspended already."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the provider is suspended.")})
    provider.is_active, provider.status_note = False, reason.strip()
    provider.save(update_fields=["is_active", "status_note"])
    return provider


@transaction.atomic
def provider_reactivate(*, by, provider: Provider) -> Provider:
    provider = _directory_provider(by, provider)
    if provider.is_active:
        raise ValidationError(_("This provider is active already."))
    provider.is_active = True
    provider.status_note = provider.status_note if provider.is_paused else ""
    provider.save(update_fields=["is_active", "status_note"])
    return provider


def _own_provider(by) -> Provider:
    volunteer = Volunteer.objects.filter(user=by).only("provider_id").first()
    if volunteer is None:
        raise PermissionDenied(_("Only volunteers pause themselves here."))
    return _locked(Provider, volunteer.provider_id)


@transaction.atomic
def volunteer_pause(*, by, note: str = "") -> Provider:
    """A volunteer takes no new tasks for now (their open tasks go on)."""
    provider = _own_provider(by)
    if provider.is_paused:
        raise ValidationError(_("You are paused already."))
    provider.is_paused = True
    if provider.is_active:  # a suspension's reason stays until staff lift it
        provider.status_note = note.strip()
    provider.save(update_fields=["is_paused", "status_note"])
    return provider


@transaction.atomic
def volunteer_resume(*, by) -> Provider:
    provider = _own_provider(by)
    if not provider.is_paused:
        raise ValidationError(_("You are taking new tasks already."))
    provider.is_paused = False
    if provider.is_active:
        provider.status_note = ""
    provider.save(update_fields=["is_paused", "status_note"])
    return provider
