"""The demo's public site: home, news and policy pages in Chinese, the county's procured
projects (公示), and offers of the demo charity — posted, moderated, allocated and partly
delivered through the services, so every figure on the site is real.

Called by the demo builder once the county's bureau (staff and manager), the charity with a
charity-staff log-in, households with open needs and (optionally) procurement projects exist::

    from bangfu.demo.public_site import load_public_site_demo
    load_public_site_demo(county, random.Random(seed), as_of=options.as_of)

Safe to run twice: pages and offers that are there already are left as they are.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from wagtail.rich_text import RichText

from bangfu.accounts.models import Membership, Organisation
from bangfu.offers import selectors as offer_selectors
from bangfu.offers import services as offers
from bangfu.offers.models import Charity, Offer
from bangfu.regions.models import Region, within
from bangfu.registry.models import ServiceCategory, Tier
from cms.models import ContactPoint, NewsIndexPage, NewsPage, PolicyIndexPage, PolicyPage
from cms.services import offer_page_sync, project_pages_sync, section, site_ensure

NEWS = (
    (
        "county-dibao-standard",
        "县民政局提高城乡低保标准",
        "自本年度起，城乡低保标准按当地最低工资标准的45%确定，保障水平稳步提高。",
        [
            ("paragraph", "<p>县民政局根据省里要求，按照最低工资标准的一定比例调整低保标准。</p>"),
            (
                "facts",
                {
                    "title": "主要标准",
                    "facts": [
                        {"label": "低保标准占最低工资", "value": "不低于45%"},
                        {"label": "特困基本生活标准", "value": "低保标准的130%"},
                    ],
                },
            ),
        ],
    ),
    (
        "minors-until-18",
        "未成年特困人员保障年龄延长至18周岁",
        "特困供养中的未成年人保障年龄由16周岁延长至18周岁。",
        [("paragraph", "<p>已满16周岁、不满18周岁的未成年人继续纳入特困人员救助供养范围。</p>")],
    ),
    (
        "active-discovery",
        "“政策找人”：多部门数据比对主动发现困难群众",
        "民政、医保、残联等部门数据定期比对，村（社区）协理员入户核实，防止漏保漏救。",
        [("paragraph", "<p>对年度医疗自付费用较高、新增重度残疾等情况，由协理员逐户核实。</p>")],
    ),
    (
        "social-work-stations",
        "乡镇社工站全面运行",
        "各乡镇（街道）社工站为困难群众提供照料护理、心理疏导、资源链接等服务。",
        [("help_call", {"text": "有困难，可以在网上求助，也可以拨打12349。"})],
    ),
)

POLICIES = (
    (
        "dibao-guide",
        "最低生活保障怎么申请",
        "家庭人均收入低于当地低保标准、财产符合规定的，可以向户籍所在地乡镇（街道）申请低保。",
        "县民政局",
        [
            (
                "steps",
                {
                    "title": "申请步骤",
                    "steps": [
                        "向乡镇（街道）社会救助窗口提出申请，或在网上“一键求助”。",
                        "工作人员入户调查，核对家庭经济状况。",
                        "乡镇审核，县民政局确认，结果公示。",
                    ],
                },
            ),
            (
                "notice",
                {"text": "<p>不需要重复提交材料：一次申请，多部门共享。</p>", "tone": "info"},
            ),
        ],
    ),
    (
        "tekun-support",
        "特困人员救助供养",
        "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或者其义务人无履行能力的老年人、残疾人和未成年人，纳入特困人员救助供养。",
        "县民政局",
        [
            (
                "paragraph",
                "<p>基本生活标准不低于当地低保标准的1.3倍，照料护理标准按生活自理能力分档。</p>",
            )
        ],
    ),
    (
        "temporary-assistance",
        "临时救助（急难救助）",
        "因突发事件、意外伤害、重大疾病等导致基本生活陷入困境的家庭，可以申请临时救助。",
        "县民政局",
        [("paragraph", "<p>急难情形可先行救助，事后补齐手续。</p>")],
    ),
    (
        "buying-services",
        "政府购买社会救助服务",
        "县乡两级可以用社会救助工作经费购买服务，县级和乡镇级支出不超过规定比例，项目全部公示。",
        "县民政局、县财政局",
        [("paragraph", "<p>项目的承接机构、金额、服务期限和绩效评价结果都在本网站公示。</p>")],
    ),
)

# title, kind, category code, quantity, unit, units per household, yuan per household,
# tiers, min age, max age, disability grade, delivery method, days valid, description
OFFERS = (
    (
        "春节慰问金",
        Offer.Kind.CASH,
        "hardship-help",
        60,
        "户",
        1,
        "500.00",
        [Tier.EXPENDITURE, Tier.MARGINAL],
        None,
        None,
        None,
        Offer.Delivery.BANK_TRANSFER,
        75,
        "为支出型困难家庭和低保边缘家庭每户发放春节慰问金500元，通过“一卡通”发放。",
    ),
    (
        "冬季棉被",
        Offer.Kind.GOODS,
        "hardship-help",
        200,
        "床",
        2,
        "260.00",
        [],
        None,
        None,
        None,
        Offer.Delivery.TOWNSHIP_HANDOUT,
        60,
        "每户两床新棉被，由乡镇民政办统一发放。",
    ),
    (
        "老年人白内障免费复明手术",
        Offer.Kind.SERVICE,
        "medical-help",
        20,
        "人次",
        1,
        "3000.00",
        [Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL],
        60,
        None,
        None,
        Offer.Delivery.HOME_SERVICE,
        120,
        "合作医院为60岁以上困难老人免费实施白内障手术，含往返接送。",
    ),
    (
        "困境儿童助学礼包",
        Offer.Kind.GOODS,
        "schooling-help",
        100,
        "份",
        1,
        "200.00",
        [],
        6,
        15,
        None,
        Offer.Delivery.STATION_PICKUP,
        90,
        "书包、文具和冬衣，到乡镇社工站领取。",
    ),
    (
        "重度残疾人康复辅具",
        Offer.Kind.GOODS,
        "rehabilitation",
        30,
        "套",
        1,
        "800.00",
        [],
        None,
        None,
        2,
        Offer.Delivery.HOME_DELIVERY,
        90,
        "轮椅、助行器等康复辅具，按评估结果配送到家。",
    ),
)
PUBLISHED = 4  # the first four are published; the last one waits for the bureau's review


def _bureau_user(county: Region, *roles: str):
    membership = (
        Membership.objects.filter(
            role__in=roles,
            is_active=True,
            organisation__kind=Organisation.Kind.BUREAU,
            organisation__region=county,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise LookupError(f"The public site demo needs bureau staff of {county} first.")
    return membership.user


def _charity(county: Region, bureau_user) -> tuple[Charity, object]:
    organisation = (
        Organisation.objects.filter(
            within(county, "region"), kind=Organisation.Kind.CHARITY, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if organisation is None:
        raise LookupError(f"The public site demo needs a charity in {county} first.")
    staff = (
        Membership.objects.filter(
            organisation=organisation, role=Membership.Role.CHARITY_STAFF, is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if staff is None:
        raise LookupError(f"The public site demo needs a charity-staff log-in of {organisation}.")
    charity, _created = Charity.objects.get_or_create(
        organisation=organisation,
        defaults={
            "contact_name": str(staff.user),
            "introduction": "本会依法登记，长期开展扶贫济困、助学助医和助老助残活动。",
        },
    )
    if charity.status != Charity.Status.APPROVED:
        charity = offers.charity_approve(charity=charity, by=bureau_user)
    return charity, staff.user


def _pages(as_of: dt.date) -> int:
    made = 0
    news_index = section(NewsIndexPage)
    for number, (slug, title, intro, body) in enumerate(NEWS):
        if NewsPage.objects.filter(slug=slug).exists():
            continue
        page = NewsPage(
            title=title,
            slug=slug,
            intro=intro,
            date=as_of - dt.timedelta(days=9 * number + 2),
            body=_body(body),
        )
        news_index.add_child(instance=page)
        made += 1
    policy_index = section(PolicyIndexPage)
    for number, (slug, title, summary, issued_by, body) in enumerate(POLICIES):
        if PolicyPage.objects.filter(slug=slug).exists():
            continue
        page = PolicyPage(
            title=title,
            slug=slug,
            summary=summary,
            issued_by=issued_by,
            issued_on=as_of - dt.timedelta(days=40 * number + 30),
            body=_body(body),
        )
        policy_index.add_child(instance=page)
        made += 1
    return made


def _body(blocks):
    return [
        (kind, RichText(value) if kind == "paragraph" else _rich(value)) for kind, value in blocks
    ]


def _rich(value: dict) -> dict:
    return {
        key: RichText(v) if key == "text" and v.startswith("<") else v for key, v in value.items()
    }


def _contacts(county: Region) -> None:
    if ContactPoint.objects.exists():
        return
    bureau = Organisation.objects.filter(kind=Organisation.Kind.BUREAU, region=county).first()
    ContactPoint.objects.create(
        name="社会救助服务热线", phone="12349", hours="工作日 8:30–17:30", sort_order=0
    )
    if bureau is not None and bureau.contact_phone:
        ContactPoint.objects.create(
            name=bureau.name,
            phone=bureau.contact_phone,
            address=bureau.address,
            hours="工作日 8:30–17:30",
            sort_order=1,
        )


def _offers(charity, charity_user, bureau_user, as_of: dt.date, rng: random.Random) -> list:
    made = []
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    for number, row in enumerate(OFFERS):
        (title, kind, code, quantity, unit, per_household, amount, tiers) = row[:8]
        (min_age, max_age, grade, delivery, days, description) = row[8:]
        if Offer.objects.filter(charity=charity, title=title).exists():
            continue
        offer = offers.offer_create(
            charity=charity,
            by=charity_user,
            title=title,
            description=description,
            kind=kind,
            category=categories[code],
            quantity=quantity,
            unit=unit,
            units_per_household=per_household,
            amount_per_household=Decimal(amount),
            tiers=tiers,
            min_age=min_age,
            max_age=max_age,
            disability_max_grade=grade,
            valid_from=as_of - dt.timedelta(days=rng.randint(3, 20)),
            valid_until=as_of + dt.timedelta(days=days),
            delivery_method=delivery,
        )
        offers.offer_submit(offer=offer, by=charity_user)
        if number < PUBLISHED:
            offers.offer_approve(offer=offer, by=bureau_user)
        made.append(offer)
    return made


def _allocations(offer_list, bureau_user, charity_user, as_of, rng) -> tuple[int, int]:
    """Allocate a share of each published offer to the highest-priority eligible needs and
    record delivery of about half of them (all through the services)."""
    allocated = delivered = 0
    at = timezone.make_aware(dt.datetime.combine(as_of, dt.time(10, 0)))
    for offer in offer_list:
        offer.refresh_from_db()
        if offer.status != Offer.Status.APPROVED:
            continue
        share = rng.randint(2, max(2, offer.households_total // 3))
        needs = list(offer_selectors.eligible_needs(offer, bureau_user, today=as_of)[: share * 2])
        taken_households = set()
        for need in needs:
            if len(taken_households) >= share or need.household_id in taken_households:
                continue
            allocation = offers.allocation_confirm(offer=offer, need=need, by=bureau_user, at=at)
            taken_households.add(need.household_id)
            allocated += 1
            if rng.random() < 0.5:
                offers.delivery_record(allocation=allocation, by=charity_user, delivered_on=as_of)
                delivered += 1
    return allocated, delivered


@transaction.atomic
def load_public_site_demo(
    county: Region, rng: random.Random, *, as_of: dt.date | None = None
) -> dict[str, int]:
    """Build the demo's public site; returns what it made, for the demo's summary."""
    as_of = as_of or timezone.localdate()
    site_ensure()
    pages = _pages(as_of)
    _contacts(county)
    projects = project_pages_sync(region=county)
    bureau_user = _bureau_user(county, Membership.Role.BUREAU_STAFF)
    moderator = _bureau_user(county, Membership.Role.BUREAU_MANAGER, Membership.Role.BUREAU_STAFF)
    charity, charity_user = _charity(county, moderator)
    offer_list = _offers(charity, charity_user, moderator, as_of, rng)
    allocated, delivered = _allocations(offer_list, bureau_user, charity_user, as_of, rng)
    for offer in Offer.objects.filter(charity=charity).exclude(status=Offer.Status.DRAFT):
        offer_page_sync(offer_id=offer.pk)
    return {
        "public pages": pages,
        "project pages": projects["published"] + projects["refreshed"],
        "offers": len(offer_list),
        "offer allocations": allocated,
        "offer deliveries": delivered,
    }
