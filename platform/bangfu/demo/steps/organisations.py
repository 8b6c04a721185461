"""The bureau, one social-work station and one township government (the township reviewer's
bureau) per township, village committees, a service agency, a charity; the log-ins of every role;
a station worker and a reviewer per township and an assistant per village."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.demo.builder import (
    COUNTY_CODE,
    DEMO_EMAIL_DOMAIN,
    DemoConflict,
    DemoContext,
    Step,
    demo_email,
    place_data,
)
from bangfu.demo.logins import BY_USERNAME
from bangfu.demo.names import NameMaker
from bangfu.regions.models import Region, within

Kind = Organisation.Kind
Role = Membership.Role

BUREAU = "元江县民政局"
CITY_BUREAU = "玉溪市民政局"
AGENCY = "元江县益康社会工作服务中心"
CHARITY = "元江县慈善总会"
# The station and assistant log-ins work in Yinyuan town (因远镇); the bureau's and the agency's
# across the county.
COUNTY_LOGINS = ("bureau", "agency", "city", "sysadmin", "secadmin", "auditadmin")
LOGIN_TOWNSHIP = "530428102"
ASSISTANT_VILLAGES = ("530428102001", "530428102201", "530428102202", "530428102203")
VILLAGE_COMMITTEES = (
    ("530428102201", "因远镇安定村民委员会"),
    ("530428002001", "澧江街道大水平社区居民委员会"),
)

# Unified social credit code (GB 32100-2015) and the organisation code inside it (GB 11714).
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(rng, prefix: str, area: str = COUNTY_CODE) -> str:
    """A well-formed, made-up code: prefix 11 = state organ, 51 = association, 52 = non-profit."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    body += {10: "X", 11: "0"}.get(org_check, str(org_check))
    first17 = prefix + area + body
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARSET[(31 - total % 31) % 31]


def station_name(township) -> str:
    return f"元江县{township.name}社会工作服务站"


def township_bureau_name(township) -> str:
    """The township's government, which confirms statuses (003: 「审核确认权下放至乡镇（街道）」):
    a town's or township's people's government, a subdistrict's office."""
    office = "办事处" if township.name.endswith("街道") else "人民政府"
    return f"元江县{township.name}{office}"


class OrganisationsStep(Step):
    name = "organisations"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        names = NameMaker(rng)
        county = ctx.county
        mixes = {item["code"]: item["ethnic"] for item in place_data()["townships"]}

        def phone() -> str:
            return f"0877-{rng.choice('6')}{rng.randint(100000, 999999)}"

        orgs = {
            "bureau": Organisation(
                kind=Kind.BUREAU,
                name=BUREAU,
                region=county,
                unified_credit_code=credit_code(rng, "11"),
                contact_phone=phone(),
                address="元江县澧江街道县行政中心",
            ),
            # The bureau one level up, which receives the county's filings (备案).
            "city": Organisation(
                kind=Kind.BUREAU,
                name=CITY_BUREAU,
                region=county.parent,
                unified_credit_code=credit_code(rng, "11", county.parent.code + "00"),
                contact_phone=f"0877-{rng.randint(2000000, 2999999)}",
                address="玉溪市红塔区玉兴路",
            ),
            "agency": Organisation(
                kind=Kind.AGENCY,
                name=AGENCY,
                region=county,
                unified_credit_code=credit_code(rng, "52"),
                contact_phone=phone(),
                address="元江县红河街道东门社区",
            ),
            "charity": Organisation(
                kind=Kind.CHARITY,
                name=CHARITY,
                region=county,
                unified_credit_code=credit_code(rng, "51"),
                contact_phone=phone(),
                address="元江县澧江街道县民政局院内",
            ),
        }
        for township in ctx.townships:
            orgs[f"station:{township.code}"] = Organisation(
                kind=Kind.STATION,
                name=station_name(township),
                region=township,
                contact_phone=phone(),
                address=f"元江县{township.name}便民服务中心",
            )
            orgs[f"township:{township.code}"] = Organisation(
                kind=Kind.BUREAU,
                name=township_bureau_name(township),
                region=township,
                unified_credit_code=credit_code(rng, "11"),
                contact_phone=phone(),
                address=f"元江县{township.name}便民服务中心",
            )
        for code, name in VILLAGE_COMMITTEES:
            village = ctx.regions[code]
            orgs[f"village:{code}"] = Organisation(
                kind=Kind.VILLAGE_COMMITTEE,
                name=name,
                region=village,
                contact_phone=phone(),
                address=f"元江县{ctx.township_of[village.pk].name}{village.name}",
            )
        for org in orgs.values():
            org.full_clean()
        Organisation.objects.bulk_create(orgs.values())
        ctx.organisations.update(orgs)

        def person(township_code: str = COUNTY_CODE) -> str:
            people = names.people(mixes.get(township_code, {"han": 60, "hani": 20, "yi": 10}))
            return names.full(
                sex=rng.choice("MF"), birth_year=rng.randint(1972, 2000), people=people
            )

        # The log-ins: passwords hashed one by one (the slow part of this step).
        for username, login in BY_USERNAME.items():
            if User.objects.filter(username=username).exists():
                raise DemoConflict(f"A user {username!r} exists and is not a demo user.")
            user = User(
                username=username,
                email=demo_email(username),
                display_name=person(COUNTY_CODE if username in COUNTY_LOGINS else LOGIN_TOWNSHIP),
                is_staff=username == "admin",
                is_superuser=username == "admin",
            )
            validate_password(login.password, user)
            user.set_password(login.password)
            user.save()
            ctx.users[username] = user

        station_org = orgs[f"station:{LOGIN_TOWNSHIP}"]
        memberships = [
            Membership(
                user=ctx.users["bureau"], organisation=orgs["bureau"], role=Role.BUREAU_STAFF
            ),
            Membership(
                user=ctx.users["manager"], organisation=orgs["bureau"], role=Role.BUREAU_MANAGER
            ),
            Membership(user=ctx.users["auditor"], organisation=orgs["bureau"], role=Role.AUDITOR),
            Membership(user=ctx.users["city"], organisation=orgs["city"], role=Role.BUREAU_MANAGER),
            Membership(
                user=ctx.users["station"], organisation=station_org, role=Role.STATION_STAFF
            ),
            Membership(user=ctx.users["assistant"], organisation=station_org, role=Role.ASSISTANT),
            Membership(
                user=ctx.users["agency"], organisation=orgs["agency"], role=Role.AGENCY_STAFF
            ),
            Membership(user=ctx.users["volunteer"], organisation=station_org, role=Role.VOLUNTEER),
            Membership(
                user=ctx.users["reviewer"],
                organisation=orgs[f"township:{LOGIN_TOWNSHIP}"],
                role=Role.TOWNSHIP_REVIEWER,
            ),
            Membership(
                user=ctx.users["charity"], organisation=orgs["charity"], role=Role.CHARITY_STAFF
            ),
            *(
                Membership(user=ctx.users[username], organisation=orgs["bureau"], role=role)
                for username, role in (
                    ("sysadmin", Role.SYSTEM_ADMIN),
                    ("secadmin", Role.SECURITY_ADMIN),
                    ("auditadmin", Role.AUDIT_ADMIN),
                )
            ),
        ]
        assistant_villages = {code: ctx.users["assistant"] for code in ASSISTANT_VILLAGES}

        # Staff without a log-in: one worker per station and one reviewer per township
        # government, one assistant (协理员) per village.
        unusable = make_password(None)
        staff = []
        for township in ctx.townships:
            if township.code == LOGIN_TOWNSHIP:
                ctx.station_staff[township.code] = ctx.users["station"]
                ctx.township_reviewer[township.code] = ctx.users["reviewer"]
                continue
            for kind in ("station", "reviewer"):
                username = f"{kind}-{township.code}"
                user = User(
                    username=username,
                    email=demo_email(username),
                    display_name=person(township.code),
                    password=unusable,
                )
                staff.append((kind, township, user))
        for village in ctx.villages:
            if village.code in assistant_villages:
                continue
            username = f"assistant-{village.code}"
            township = ctx.township_of[village.pk]
            user = User(
                username=username,
                email=demo_email(username),
                display_name=person(township.code),
                password=unusable,
            )
            staff.append(("assistant", village, user))
        User.objects.bulk_create([user for _kind, _region, user in staff])
        for kind, region, user in staff:
            if kind == "station":
                ctx.station_staff[region.code] = user
                org = orgs[f"station:{region.code}"]
                memberships.append(Membership(user=user, organisation=org, role=Role.STATION_STAFF))
            elif kind == "reviewer":
                ctx.township_reviewer[region.code] = user
                org = orgs[f"township:{region.code}"]
                memberships.append(
                    Membership(user=user, organisation=org, role=Role.TOWNSHIP_REVIEWER)
                )
            else:
                ctx.village_assistant[region.pk] = user
                org = orgs[f"station:{ctx.township_of[region.pk].code}"]
                memberships.append(Membership(user=user, organisation=org, role=Role.ASSISTANT))
        for code, user in assistant_villages.items():
            ctx.village_assistant[ctx.regions[code].pk] = user
        Membership.objects.bulk_create(memberships)

        # Each assistant membership covers its villages.
        by_user = {m.user_id: m for m in memberships if m.role == Role.ASSISTANT}
        Through = Membership.villages.through
        Through.objects.bulk_create(
            Through(membership_id=by_user[user.pk].pk, region_id=village_pk)
            for village_pk, user in ctx.village_assistant.items()
        )
        ctx.count("organisations", len(orgs))
        ctx.count("users", len(ctx.users) + len(staff))
        ctx.count("memberships", len(memberships))

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        Membership.objects.filter(user__in=users).delete()
        users.delete()
        if county is not None:
            names = {BUREAU, AGENCY, CHARITY, *(name for _code, name in VILLAGE_COMMITTEES)}
            for township in county.children.all():
                names |= {station_name(township), township_bureau_name(township)}
            Organisation.objects.filter(within(county, "region"), name__in=names).delete()
            Organisation.objects.filter(region=county.parent_id, name=CITY_BUREAU).delete()
