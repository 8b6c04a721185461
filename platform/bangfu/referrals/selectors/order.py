"""The order of every list: the most urgent first, then the deadline."""

from django.db.models import Case, F, IntegerField, QuerySet, When

from bangfu.referrals.models import Referral
from bangfu.registry.models import Need

# An emergency (特急, today) leads, then an urgent need (紧急, 48 hours), then the rest; a case
# with no need recorded yet comes after them.
URGENCY_ORDER = (
    Need.Urgency.EMERGENCY,
    Need.Urgency.URGENT,
    Need.Urgency.SOON,
    Need.Urgency.ROUTINE,
)


def urgency_rank(lookup: str = "urgency", *, after: int = 0) -> Case:
    """0 for an emergency, 1 for an urgent need and so on, plus ``after``: an expression to
    order by, the need's urgency read through ``lookup``. The desk's indexes of open needs
    (migrations ``referrals.0012_desk_indexes`` and ``0014_need_county_desk_order``) repeat
    it, and the cases keep its value
    (``referrals.desk_order``, filled by migration ``0013_desk_order``): change them together."""
    return Case(
        *(
            When(**{lookup: urgency}, then=after + rank)
            for rank, urgency in enumerate(URGENCY_ORDER)
        ),
        default=after + len(URGENCY_ORDER),
        output_field=IntegerField(),
    )


def current_due() -> Case:
    """The deadline a live referral is waiting on: its answer while sent, its first service
    while accepted; none once it is in service or over."""
    return Case(
        When(status=Referral.Status.SENT, then=F("accept_due_at")),
        When(status=Referral.Status.ACCEPTED, then=F("service_due_at")),
        default=None,
    )


def urgent_first(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Live referrals first, the most urgent need first, then the deadline passed longest ago
    (or nearest); the finished ones after them, the newest first."""
    return referrals.annotate(
        urgency_order=Case(
            When(status__in=Referral.LIVE, then=urgency_rank("need__urgency")),
            default=urgency_rank("need__urgency", after=len(URGENCY_ORDER) + 1),
        ),
        due_order=current_due(),
    ).order_by("urgency_order", F("due_order").asc(nulls_last=True), "-sent_at", "-pk")
