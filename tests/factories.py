"""factory_boy factories for the registry, its regions and its users."""

import datetime as dt
import random
from decimal import Decimal

import factory

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.core import crypto
from bangfu.core.id_numbers import check_character, parse_id_number
from bangfu.procurement.models import CatalogueItem
from bangfu.providers.models import Provider
from bangfu.regions.models import Region
from bangfu.registry.models import (
    Assessment,
    Household,
    HouseholdTier,
    Member,
    Need,
    ServiceCategory,
    Tier,
)


def make_id_number(
    *, area: str = "530428", birth: dt.date = dt.date(1960, 5, 17), seq: int = 1, male=True
) -> str:
    """A valid resident ID number for the given area, birth date and sequence."""
    sequence = seq % 500 * 2 + (1 if male else 0)
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n + 11:02d}")
    name = factory.Sequence(lambda n: f"地区{n}")
    level = Region.Level.PROVINCE
    latitude = Decimal("23.600000")
    longitude = Decimal("102.000000")


def region_chain(prefix: str = "530428", township: str = "101", village: str = "201"):
    """A province → city → county → township → village chain; returns them all."""
    province = RegionFactory(code=prefix[:2], name=f"省{prefix[:2]}", level=Region.Level.PROVINCE)
    city = RegionFactory(
        code=prefix[:4], name=f"市{prefix[:4]}", level=Region.Level.CITY, parent=province
    )
    county = RegionFactory(code=prefix, name=f"县{prefix}", level=Region.Level.COUNTY, parent=city)
    town = RegionFactory(
        code=prefix + township, name=f"镇{township}", level=Region.Level.TOWNSHIP, parent=county
    )
    village_region = RegionFactory(
        code=prefix + township + village,
        name=f"村{village}",
        level=Region.Level.VILLAGE,
        parent=town,
    )
    return province, city, county, town, village_region


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("correct-horse-battery")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.BUREAU
    name = factory.Sequence(lambda n: f"民政局{n}")
    region = factory.SubFactory(RegionFactory)


def member_of(user: User, organisation: Organisation, role: str, villages=()) -> Membership:
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    if villages:
        membership.villages.set(villages)
    return membership


def bureau_staff_of(region: Region, username: str) -> User:
    """Staff of a bureau of ``region``, named ``username`` (the bureau too)."""
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name=username, region=region)
    user = UserFactory(username=username)
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


def township_reviewer(town: Region, username: str = "") -> User:
    """A reviewer (审核确认) of the township's bureau (乡镇人民政府 / 民政办)."""
    user = UserFactory(**({"username": username} if username else {}))
    bureau = Organisation.objects.filter(
        kind=Organisation.Kind.BUREAU, region=town
    ).first() or OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name=f"{town.name}人民政府", region=town
    )
    member_of(user, bureau, Membership.Role.TOWNSHIP_REVIEWER)
    return user


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    registry_number = factory.Sequence(lambda n: f"HH-{n:06d}")
    region = factory.SubFactory(RegionFactory)
    address = factory.Sequence(lambda n: f"{n}号")
    tier = Tier.DIBAO
    # The household's own status behind its tier (a 特困 tier is a member's status).
    household_tier = factory.LazyAttribute(
        lambda o: o.tier if o.tier in HouseholdTier.values else HouseholdTier.NONE
    )
    status = Household.Status.ACTIVE
    enrolled_on = dt.date(2024, 3, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    """Members with valid, unique ID numbers; pass ``id_number`` to choose one."""

    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: random.Random(n).choice("王李张刘陈杨") + "小明")
    relation = Member.Relation.HEAD
    id_number = factory.Sequence(
        lambda n: make_id_number(seq=n, birth=dt.date(1950 + n % 50, 1, 2))
    )
    id_number_hash = factory.LazyAttribute(lambda o: crypto.lookup_hash(o.id_number))
    birth_date = factory.LazyAttribute(lambda o: parse_id_number(o.id_number).birth_date)
    sex = factory.LazyAttribute(lambda o: parse_id_number(o.id_number).sex)
    monthly_income = Decimal("300.00")


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = "care"
    name = "照料护理"
    name_en = "Care and nursing"
    kind = ServiceCategory.Kind.SERVICE


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    household = factory.SubFactory(HouseholdFactory)
    assessed_on = dt.date(2026, 10, 1)
    assessor = factory.SubFactory(UserFactory)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    household = factory.SubFactory(HouseholdFactory)
    assessment = factory.SubFactory(
        AssessmentFactory, household=factory.SelfAttribute("..household")
    )
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(code="care"))
    severity = 3
    opened_on = dt.date(2026, 10, 1)


# --- providers (bangfu.providers) ---------------------------------------------------------------


class ProviderFactory(factory.django.DjangoModelFactory):
    """A provider row; the station and volunteer factories make theirs with its name and home
    region, as ``bangfu.providers.services.provider_sync`` does."""

    class Meta:
        model = "providers.Provider"

    kind = "station"
    name = factory.Sequence(lambda n: f"服务方{n}")
    region = factory.SubFactory(RegionFactory)


class StationFactory(factory.django.DjangoModelFactory):
    """A station at a township; it offers 照料护理 and serves its township unless told otherwise.

    Its provider's flags and rating are set with ``provider__is_paused=…`` and the like."""

    class Meta:
        model = "providers.Station"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(
        OrganisationFactory,
        kind=Organisation.Kind.STATION,
        name=factory.Sequence(lambda n: f"社工站{n}"),
    )
    provider = factory.SubFactory(
        ProviderFactory,
        kind="station",
        name=factory.SelfAttribute("..organisation.name"),
        region=factory.SelfAttribute("..organisation.region"),
    )
    capacity = 5

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            self.categories.set(
                extracted if extracted is not None else [ServiceCategory.objects.get(code="care")]
            )

    @factory.post_generation
    def service_area(self, create, extracted, **kwargs):
        if create:
            self.service_area.set(extracted or [self.organisation.region])


class VolunteerFactory(factory.django.DjangoModelFactory):
    """A volunteer with a volunteer membership (that is what opens the task list to them)."""

    class Meta:
        model = "providers.Volunteer"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    home_region = factory.SubFactory(RegionFactory)
    provider = factory.SubFactory(
        ProviderFactory,
        kind="volunteer",
        name=factory.LazyAttribute(lambda provider: str(provider.factory_parent.user)),
        region=factory.SelfAttribute("..home_region"),
    )
    latitude = Decimal("23.600000")
    longitude = Decimal("102.000000")
    capacity = 2

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            self.categories.set(
                extracted if extracted is not None else [ServiceCategory.objects.get(code="care")]
            )

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and extracted is not False:
            organisation = self.organisation or OrganisationFactory(
                kind=Organisation.Kind.VILLAGE_COMMITTEE, region=self.home_region
            )
            member_of(self.user, organisation, Membership.Role.VOLUNTEER)


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- procured projects (bangfu.procurement) ------------------------------------------------------

# What a project's public notice (公示) carries besides its contract: needed to submit it.
NOTICE = {
    "procurement_method": "competitive_consultation",
    "contract_number": "YJMZ-FW-2026-001",
    "complaint_channel": "元江县民政局社会救助股 · 0877-6012345 · 元江县澧江街道",
}


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project under way all this year, written straight to its rows (no cap, no ledger): one
    line of 居家照料护理 at 40 yuan an hour unless ``lines=[(catalogue code, quantity)]``, and its
    provider under the project's name and region, as ``project_create`` makes it. Pass ``region``
    (a county) and ``agency``; the service area is empty (the buying region) unless given."""

    class Meta:
        model = "procurement.Project"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"居家照料服务{n}")
    region = None  # required: pass the buying region
    agency = None  # required: pass the agency
    provider = factory.LazyAttribute(
        lambda o: Provider.objects.create(kind="project", name=o.name, region=o.region)
    )
    year = factory.LazyFunction(lambda: _today().year)
    starts_on = factory.LazyAttribute(lambda o: dt.date(o.year, 1, 1))
    ends_on = factory.LazyAttribute(lambda o: dt.date(o.year, 12, 31))
    procurement_method = NOTICE["procurement_method"]
    contract_number = factory.Sequence(lambda n: f"YJMZ-FW-2026-{n:03d}")
    complaint_channel = NOTICE["complaint_channel"]
    target_households = 2
    status = "in_progress"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if not create:
            return
        for code, quantity in extracted or [("home-care", 20)]:
            item = CatalogueItem.objects.get(code=code)
            line = self.lines.create(
                item=item,
                quantity=quantity,
                unit_price=item.reference_unit_price,
                funding_source="work_funds",
            )
            self.amount += line.amount
        self.save(update_fields=["amount"])

    @factory.post_generation
    def service_area(self, create, extracted, **kwargs):
        if create and extracted:
            self.service_area.set(extracted)


def charity_with_staff(
    region: Region, *, name: str = "元江县慈善总会", username: str = "charity_staff", approved=True
):
    """A charity registered with ``region``'s bureau (approved unless told otherwise) and one
    charity-staff log-in; returns (charity, user)."""
    from bangfu.offers.models import Charity

    organisation = OrganisationFactory(kind=Organisation.Kind.CHARITY, name=name, region=region)
    user = UserFactory(username=username)
    member_of(user, organisation, Membership.Role.CHARITY_STAFF)
    charity = Charity.objects.create(
        organisation=organisation,
        contact_name="李慈善",
        status=Charity.Status.APPROVED if approved else Charity.Status.PENDING,
    )
    return charity, user


class OfferFactory(factory.django.DjangoModelFactory):
    """A published goods offer valid from today for 90 days; pass ``status`` for another."""

    class Meta:
        model = "offers.Offer"

    charity = None  # required: pass the charity
    title = factory.Sequence(lambda n: f"爱心大米{n}")
    description = "每户一袋 25 公斤大米，由乡镇统一发放。"
    kind = "goods"
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(code="hardship-help"))
    quantity = 10
    unit = "袋"
    units_per_household = 1
    amount_per_household = Decimal("150.00")
    valid_from = factory.LazyFunction(lambda: _today() - dt.timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: _today() + dt.timedelta(days=90))
    delivery_method = "township_handout"
    status = "approved"
    created_by = factory.LazyAttribute(lambda o: o.charity.organisation.memberships.first().user)
