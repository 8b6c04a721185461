"""People search for staff: one box that finds a household by a member's name (whole or part),
its pinyin (``yangguixian``) or initials (``ygx``), a phone number, an ID number (whole, or its
last 4 to 6 characters), the registry number or words of the address.

ID and phone numbers are compared through keyed hashes (``search_keys``), never in clear. Every
read is scoped by ``for_user``; hits show what lists show (masked names and numbers). Each kind of
match is its own small indexed query, asked in rank order until enough households are found:
exact ID, phone and registry numbers first, then names, then pinyin, then addresses. On
PostgreSQL, trigram indexes (migration 0007) serve the "part of" queries.
"""

import contextlib
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate, Length
from django.utils.translation import pgettext

from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.links import row_url
from bangfu.core.masking import mask_id_number, mask_name, mask_phone
from bangfu.core.phones import phone_lookup_hash
from bangfu.core.validators import normalise_phone
from bangfu.registry import search_keys, selectors
from bangfu.registry.models import Household, Member

MAX_QUERY = 64
_SEPARATORS = re.compile(r"[\s\-()]")
_ID_TAIL = re.compile(r"\d{3,5}[\dX]")
_NUMBER_PART = re.compile(r"[\d\-]{3,}")
_PINYIN = re.compile(r"[a-z' ]+")


@dataclass(frozen=True)
class HouseholdHit:
    """A household found, as a list shows it: names and numbers masked."""

    household_id: int
    url: str  # of the household's page
    registry_number: str
    head_name: str
    matched_member: str  # the member whose name or ID number matched, or ""
    masked_id_number: str  # of the member matched, else of the head
    village: str
    township: str
    tier: str
    tier_label: str
    status: str
    status_label: str
    masked_phone: str
    matched_on: str  # translated: name, pinyin, phone, ID number, registry number, address


@dataclass(frozen=True)
class _Criterion:
    """One kind of match: a filter on members (``on_member``) or on households."""

    matched_on: str
    q: Q
    on_member: bool
    # Closest first: the shortest value of this field. No index gives that order, so the
    # database finds the rows through the filter's index and sorts them all …
    key: str
    # … except when ``q`` asks for this prefix of ``key``: then the value itself first and the
    # longer ones in byte order, the order of the prefix's range in an index on ``key`` in the
    # "C" collation (registry migration 0015). The index stops at the rows wanted, where a sort
    # would take every match: a common surname (杨) begins one name in ten.
    prefix: str = ""

    def found(self, rows: QuerySet) -> QuerySet:
        """The rows this criterion finds, closest first."""
        if not self.prefix:
            return rows.filter(self.q).order_by(Length(self.key), self.key, "pk")
        if connections[rows.db].vendor != "postgresql":  # SQLite compares bytes already
            return rows.filter(self.q).order_by(self.key, "pk")
        return (
            rows.alias(in_byte_order=Collate(self.key, "C"))
            .filter(in_byte_order__startswith=self.prefix)
            .order_by("in_byte_order", "pk")
        )


def normalised(query: str) -> str:
    """The query as compared: full-width characters folded (１２３ → 123), spaces trimmed."""
    return unicodedata.normalize("NFKC", query or "").strip()[:MAX_QUERY]


def _keyed(q: Q) -> bool:
    """Whether the filter compares with something: a key left empty by the query ("'" has no
    pinyin letters) would find every member by ``startswith`` or ``contains``, and every row
    without that key by ``=``."""
    return all(str(value).strip() for _lookup, value in q.children)


def _criteria(text: str) -> list[_Criterion]:
    """The matches a query can mean, in rank order."""
    name, pinyin = pgettext("found by", "name"), pgettext("found by", "pinyin")
    id_label, phone_label = pgettext("found by", "ID number"), pgettext("found by", "phone")
    registry_label = pgettext("found by", "registry number")
    address_label = pgettext("found by", "address")
    compact = _SEPARATORS.sub("", text).upper()
    criteria = []

    def member(label, q, key="name", prefix=""):
        if _keyed(q):
            criteria.append(_Criterion(label, q, True, key, prefix))

    def household(label, q, key="registry_number"):
        if _keyed(q):
            criteria.append(_Criterion(label, q, False, key))

    try:
        whole_id = parse_id_number(compact).number
    except InvalidIdNumber:
        whole_id = ""
    if whole_id:
        member(id_label, Q(id_number_hash=crypto.lookup_hash(whole_id)))
    household(registry_label, Q(registry_number=text.upper()))
    with contextlib.suppress(ValidationError):
        household(phone_label, Q(phone_hash=phone_lookup_hash(normalise_phone(text))))
    if _ID_TAIL.fullmatch(compact):
        field = f"id_tail{len(compact)}_hash"
        member(id_label, Q(**{field: search_keys.id_tail_hash(compact)}))
    if _NUMBER_PART.fullmatch(text) and not whole_id:
        household(registry_label, Q(registry_number__contains=text))
    if not text.isascii():
        member(name, Q(name=text))
        member(name, Q(name__startswith=text), prefix=text)
        if len(text) <= 2:
            member(name, Q(name_grams__contains=f" {text} "))
        else:
            member(name, Q(name__contains=text))
    elif _PINYIN.fullmatch(text.lower()):
        key = re.sub(r"[^a-z]", "", text.lower())
        member(pinyin, Q(name_pinyin=key), "name_pinyin")
        member(pinyin, Q(name_initials=key), "name_pinyin")
        member(pinyin, Q(name_pinyin__startswith=key), "name_pinyin", key)
        member(pinyin, Q(name_initials__startswith=key), "name_initials", key)
        if len(key) >= 3:
            member(pinyin, Q(name_pinyin__contains=key), "name_pinyin")
    if len(text) >= 2 and not compact.isdigit():
        household(address_label, Q(address__contains=text), "address")
    return criteria


def search_households(user, query: str, *, limit: int = 20) -> list[HouseholdHit]:
    """The households in ``user``'s scope that ``query`` finds, best matches first."""
    text = normalised(query)
    if not text:
        return []
    # household id -> (the member matched or None, the criterion that found it)
    found: dict[int, tuple[int | None, _Criterion | None]] = {}
    # A county bureau's people are read by county, each row saying whether it is in the area
    # (``selectors.area_rows``): a common surname's first names in the county, from an index
    # that begins with it, not the province's names walked for the county's few.
    members, shown = selectors.area_rows(Member, user)
    for criterion in _criteria(text):
        wanted = limit - len(found)
        if wanted <= 0:
            break
        if criterion.on_member:
            rows = (
                criterion.found(members)
                .exclude(household_id__in=list(found))
                .values_list("household_id", "pk", *filter(None, [shown]))
            )
        else:
            rows = (
                criterion.found(Household.objects.for_user(user))
                .exclude(pk__in=list(found))
                .values_list("pk", "pk")
            )
        # A household may come more than once (a parent and children called 杨*): the first
        # is kept, and enough rows are read for the households wanted.
        for household_id, member_id, *in_area in rows[: wanted * 4]:
            if household_id not in found and len(found) < limit and all(in_area):
                found[household_id] = (member_id if criterion.on_member else None, criterion)
    return _hits(user, found)


def household_hit(user, household_id) -> HouseholdHit | None:
    """One household in ``user``'s scope as search shows it (the household a picker holds)."""
    try:
        household_id = int(household_id)
    except (TypeError, ValueError):
        return None
    hits = _hits(user, {household_id: (None, None)})
    return hits[0] if hits else None


def households_matching(user, query: str) -> QuerySet[Household]:
    """Every household in scope that ``query`` finds, unranked: for a list with its own sort."""
    text = normalised(query)
    matches = Q(pk__in=[])
    for criterion in _criteria(text) if text else []:
        if criterion.on_member:
            # Each kind of match is found once through its index, not asked of every household.
            matches |= Q(pk__in=Member.objects.filter(criterion.q).values("household_id"))
        else:
            matches |= criterion.q
    return Household.objects.for_user(user).filter(matches)


# The columns a hit shows of its household, read as plain rows: model rows of the households,
# their villages and every member cost more to build than the queries.
HIT_COLUMNS = (
    "pk",
    "registry_number",
    "region__name",
    "region__parent__name",
    "tier",
    "status",
    "phone",
)
# What a hit shows of a person: the member matched, else the head.
PERSON_FIELDS = ("name", "id_number")


def _hits(user, found: dict) -> list[HouseholdHit]:
    rows = (
        selectors.households_for(user)
        .filter(pk__in=list(found))
        .order_by()
        .values_list(*HIT_COLUMNS, named=True)
    )
    by_id = {row.pk: row for row in rows}
    matched_ids = {member_id for member_id, _criterion in found.values() if member_id}
    members, heads = selectors.members_and_heads(matched_ids, by_id, PERSON_FIELDS)
    url = row_url("registry:household-detail")
    tiers = selectors.choice_labels(Household, "tier")
    statuses = selectors.choice_labels(Household, "status")
    hits = []
    for household_id, (member_id, criterion) in found.items():
        household = by_id.get(household_id)
        if household is None:
            continue
        matched, head = members.get(member_id), heads.get(household_id)
        shown = matched or head
        hits.append(
            HouseholdHit(
                household_id=household.pk,
                url=url(household.pk),
                registry_number=household.registry_number,
                head_name=mask_name(head["name"]) if head else "",
                matched_member=mask_name(matched["name"]) if matched else "",
                masked_id_number=mask_id_number(shown["id_number"]) if shown else "",
                village=household.region__name,
                township=household.region__parent__name or "",
                tier=household.tier,
                tier_label=tiers.get(household.tier, household.tier),
                status=household.status,
                status_label=statuses.get(household.status, household.status),
                masked_phone=mask_phone(household.phone) if household.phone else "",
                matched_on=criterion.matched_on if criterion else "",
            )
        )
    return hits
