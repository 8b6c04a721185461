"""Social-work stations (one per township) and ~80 volunteers spread over the villages."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from bangfu.accounts.models import Membership, User
from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, demo_email, place_data
from bangfu.demo.names import NameMaker, weighted
from bangfu.demo.steps.organisations import ASSISTANT_VILLAGES
from bangfu.demo.steps.regions import jitter
from bangfu.providers.models import Certificate, Provider, Station, Volunteer
from bangfu.regions.models import Region, within
from bangfu.registry.models import ServiceCategory

SEAT_TOWNSHIPS = {"530428001", "530428002"}
STATION_CORE = (
    "care",
    "elder-help",
    "meal-help",
    "care-visits",
    "counselling",
    "household-survey",
    "resource-linking",
    "hardship-help",
)
STATION_OPTIONAL = {
    "rehabilitation": 0.5,
    "hospital-escort": 0.6,
    "medical-help": 0.5,
    "schooling-help": 0.7,
    "childcare": 0.4,
    "cleaning-help": 0.5,
    "social-integration": 0.6,
    "job-support": 0.4,
}
SEAT_EXTRA = ("rehabilitation", "legal-aid", "job-support", "social-integration")


@dataclass(frozen=True)
class Profile:
    """Who volunteers in a county like this, and what they can do."""

    weight: int
    skills: tuple[str, ...]
    certificates: tuple[str, ...] = ()
    ages: tuple[int, int] = (30, 60)
    radius_km: tuple[int, int] = (2, 10)


PROFILES = {
    "neighbour": Profile(
        30,
        ("elder-help", "meal-help", "cleaning-help", "care-visits"),
        ages=(35, 68),
        radius_km=(1, 5),
    ),
    "retired teacher": Profile(
        10, ("schooling-help", "care-visits", "childcare"), (Certificate.TEACHER,), (55, 72)
    ),
    "student": Profile(
        12, ("schooling-help", "social-integration", "childcare"), ages=(18, 23), radius_km=(2, 8)
    ),
    "nurse": Profile(
        6,
        ("rehabilitation", "care", "hospital-escort", "medical-help"),
        (Certificate.NURSE,),
        (25, 58),
        (3, 15),
    ),
    "rehabilitation therapist": Profile(
        3, ("rehabilitation", "care"), (Certificate.REHAB_THERAPIST,), (26, 50), (5, 20)
    ),
    "social worker": Profile(
        6,
        ("counselling", "social-integration", "resource-linking", "care-visits"),
        (Certificate.SOCIAL_WORKER,),
        (24, 45),
        (5, 25),
    ),
    "counsellor": Profile(
        3, ("counselling", "care-visits"), (Certificate.COUNSELLOR,), (28, 55), (5, 25)
    ),
    "care worker": Profile(
        6,
        ("care", "elder-help", "meal-help", "cleaning-help"),
        (Certificate.CARE_WORKER,),
        (30, 58),
    ),
    "lawyer": Profile(
        2, ("legal-aid", "resource-linking"), (Certificate.LAWYER,), (30, 60), (10, 40)
    ),
    "driver": Profile(
        6, ("hospital-escort", "hardship-help", "elder-help"), ages=(28, 60), radius_km=(10, 30)
    ),
    "village cadre": Profile(
        8,
        ("job-support", "resource-linking", "hardship-help", "household-survey"),
        ages=(30, 58),
        radius_km=(3, 12),
    ),
}
LANGUAGES = {"hani": "哈尼语", "yi": "彝语", "dai": "傣语"}
VOLUNTEER_COUNT = 80
AVAILABILITY = ("工作日晚上", "周六上午", "周末全天", "工作日下午", "街天上午", "随时可电话联系")


def _rating(rng) -> Decimal | None:
    if rng.random() < 0.2:
        return None  # new: no outcomes yet
    return Decimal(str(round(rng.uniform(3.4, 5.0), 2)))


class ProvidersStep(Step):
    name = "providers"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        categories = dict(
            ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE).values_list(
                "code", "pk"
            )
        )
        self._stations(ctx, rng, categories)
        self._volunteers(ctx, rng, categories)

    def _stations(self, ctx, rng, categories) -> None:
        weights = {item["code"]: item["weight"] for item in place_data()["townships"]}
        stations = []
        offered = []
        for township in ctx.townships:
            seat = township.code in SEAT_TOWNSHIPS
            codes = list(STATION_CORE) + [
                code for code, chance in STATION_OPTIONAL.items() if rng.random() < chance
            ]
            if seat:
                codes += SEAT_EXTRA
            organisation = ctx.organisations[f"station:{township.code}"]
            station = Station(
                organisation=organisation,
                capacity=int(18 + 14 * weights[township.code] + rng.randint(0, 10)),
                opening_hours="周一至周五 9:00-12:00，14:30-18:00"
                + ("；周六上午值班" if seat else "；街天上午入村服务"),
            )
            station.provider = Provider(
                kind=Provider.Kind.STATION,
                name=organisation.name,
                region=organisation.region,
                quality_rating=Decimal(str(round(rng.uniform(3.2, 4.8), 2))),
                rated_outcomes=rng.randint(25, 140),
            )
            stations.append(station)
            offered.append((station, township, sorted({categories[c] for c in codes})))
        Provider.objects.bulk_create([station.provider for station in stations])
        for station in stations:
            station.provider_id = station.provider.pk
        Station.objects.bulk_create(stations)
        Area = Station.service_area.through
        Area.objects.bulk_create(
            Area(station_id=station.pk, region_id=township.pk) for station, township, _ in offered
        )
        Offered = Station.categories.through
        Offered.objects.bulk_create(
            Offered(station_id=station.pk, servicecategory_id=pk)
            for station, _township, pks in offered
            for pk in pks
        )
        ctx.stations.update({township.code: station for station, township, _ in offered})
        ctx.count("stations", len(stations))

    def _volunteers(self, ctx, rng, categories) -> None:
        names = NameMaker(rng)
        mixes = {item["code"]: item["ethnic"] for item in place_data()["townships"]}
        # More volunteers where more people live: the two seat subdistricts and the communities.
        village_weights = {
            village: (3 if ctx.township_of[village.pk].code in SEAT_TOWNSHIPS else 1)
            * (2 if village.code[-3] == "0" else 1)
            for village in ctx.villages
        }
        as_of = ctx.options.as_of
        plans = []
        for number in range(VOLUNTEER_COUNT + 1):
            login = number == 0
            if login:
                village, profile = ctx.regions[ASSISTANT_VILLAGES[1]], "neighbour"
            else:
                village = weighted(rng, village_weights)
                profile = weighted(rng, {name: spec.weight for name, spec in PROFILES.items()})
            spec = PROFILES[profile]
            skills, certificates, ages, radius = (
                spec.skills,
                spec.certificates,
                spec.ages,
                spec.radius_km,
            )
            township = ctx.township_of[village.pk]
            people = names.people(mixes[township.code])
            sex = "F" if rng.random() < 0.6 else "M"  # most care volunteers are women
            birth_year = as_of.year - rng.randint(*ages)
            chosen = rng.sample(skills, k=rng.randint(min(2, len(skills)), len(skills)))
            languages = ["普通话"]
            if people in LANGUAGES and rng.random() < 0.8:
                languages.append(LANGUAGES[people])
            organisation = ctx.organisations[f"station:{township.code}"]
            if not login and rng.random() < 0.3:
                organisation = ctx.organisations[rng.choice(("charity", "agency"))]
            lat, lon = jitter(rng, village.latitude, village.longitude, 1.5)
            gender_pick = rng.random()
            serves = (
                Volunteer.GenderPreference.FEMALE
                if sex == "F" and gender_pick < 0.15
                else Volunteer.GenderPreference.ANY
            )
            volunteer = Volunteer(
                organisation=organisation,
                certificates=[str(c) for c in certificates],
                languages=languages,
                home_region=village,
                latitude=lat,
                longitude=lon,
                travel_radius_km=Decimal(rng.randint(*radius)),
                weekly_hours=rng.choice((2, 3, 4, 4, 6, 8, 10)),
                capacity=rng.choice((1, 2, 2, 3, 4)),
                serves_gender=serves,
            )
            volunteer.provider = Provider(
                kind=Provider.Kind.VOLUNTEER,
                region=village,
                is_paused=not (login or rng.random() < 0.92),
            )
            volunteer.availability = rng.choice(AVAILABILITY)
            volunteer.provider.quality_rating = _rating(rng)
            if volunteer.provider.quality_rating is not None:
                volunteer.provider.rated_outcomes = rng.randint(3, 45)
            name = names.full(sex=sex, birth_year=birth_year, people=people)
            plans.append((login, name, volunteer, sorted(categories[c] for c in chosen)))

        unusable = make_password(None)
        users = []
        for number, (login, name, _volunteer, _skills) in enumerate(plans):
            if login:
                user = ctx.users["volunteer"]
                user.display_name = name
                user.save(update_fields=["display_name"])
            else:
                username = f"volunteer-{number:03d}"
                user = User(
                    username=username,
                    email=demo_email(username),
                    display_name=name,
                    password=unusable,
                )
                users.append(user)
            plans[number][2].user = user
        User.objects.bulk_create(users)
        for _login, _name, volunteer, _skills in plans:
            volunteer.user_id = volunteer.user.pk
            volunteer.provider.name = str(volunteer.user)
        Provider.objects.bulk_create([volunteer.provider for _l, _n, volunteer, _s in plans])
        for _login, _name, volunteer, _skills in plans:
            volunteer.provider_id = volunteer.provider.pk
        Volunteer.objects.bulk_create([volunteer for _l, _n, volunteer, _s in plans])
        Skills = Volunteer.categories.through
        Skills.objects.bulk_create(
            Skills(volunteer_id=volunteer.pk, servicecategory_id=pk)
            for _l, _n, volunteer, pks in plans
            for pk in pks
        )
        # Every volunteer is a member of the organisation they serve with (the log-in already is).
        Membership.objects.bulk_create(
            Membership(
                user_id=volunteer.user_id,
                organisation=volunteer.organisation,
                role=Membership.Role.VOLUNTEER,
            )
            for login, _n, volunteer, _s in plans
            if not login
        )
        ctx.count("volunteers", len(plans))
        ctx.count("users", len(users))

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            return
        Volunteer.objects.filter(within(county, "home_region")).delete()
        Station.objects.filter(within(county, "organisation__region")).delete()
        # Their providers (a project's goes with the project).
        Provider.objects.filter(
            within(county, "region"),
            kind__in=[Provider.Kind.STATION, Provider.Kind.VOLUNTEER],
        ).delete()
