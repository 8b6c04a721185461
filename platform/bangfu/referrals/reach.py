"""How providers' people reach personal data through referrals, registered with the scoping in
``ReferralsConfig.ready``: a referral to a provider they act for opens the referral and its need
while it is live or done."""

from django.db.models import Q

from bangfu.accounts.scoping import ProviderReach, Scope
from bangfu.providers.kinds import acted_for
from bangfu.providers.models import Provider

# Referral statuses that open the household to its provider: sent, being served, or served.
READABLE_STATUSES = ("sent", "accepted", "in_service", "completed", "closed")


def readable_referrals(scope: Scope, lookup: str) -> Q:
    prefix = f"{lookup}__" if lookup else ""
    mine = Provider.objects.filter(acted_for(scope)).values("pk")
    return Q(**{f"{prefix}provider__in": mine, f"{prefix}status__in": READABLE_STATUSES})


REACH = ProviderReach(
    paths={"referrals.Referral": "", "registry.Need": "referrals"}, rows_q=readable_referrals
)
