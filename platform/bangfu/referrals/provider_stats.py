"""A provider's record of work for the directory, counted from its referrals in one query and
registered with ``bangfu.providers.selectors`` (which cannot import this app)."""

from decimal import Decimal

from django.db.models import Avg, Count, Q

from bangfu.providers.selectors import ProviderStats
from bangfu.referrals.models import Referral


def provider_stats(provider_pks: list[int]) -> dict[int, ProviderStats]:
    """Provider pk -> open cases, answers, outcomes and the households' mean satisfaction.

    Open cases are sent, accepted or in service (a referral waiting for an answer takes a place
    too, as the engine counts it). Answered are those accepted, declined or let expire: a
    referral staff revoked before the provider answered says nothing of the provider.
    """
    rows = (
        Referral.objects.filter(provider_id__in=provider_pks)
        .order_by()
        .values("provider_id")
        .annotate(
            open_cases=Count("pk", filter=Q(status__in=Referral.LIVE)),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            # Accepted and then let expire is one answer, not two.
            answered=Count(
                "pk", filter=Q(accepted_at__isnull=False) | Q(status__in=Referral.REFUSED)
            ),
            completed=Count("pk", filter=Q(status=Referral.Status.COMPLETED)),
            closed=Count("pk", filter=Q(status=Referral.Status.CLOSED)),
            rated=Count("feedback"),
            satisfaction=Avg("feedback__satisfaction"),
        )
    )
    return {
        row["provider_id"]: ProviderStats(
            open_cases=row["open_cases"],
            accepted=row["accepted"],
            answered=row["answered"],
            completed=row["completed"],
            closed=row["closed"],
            rated=row["rated"],
            satisfaction=(
                None
                if row["satisfaction"] is None
                else Decimal(str(row["satisfaction"])).quantize(Decimal("0.1"))
            ),
        )
        for row in rows
    }
