"""Referrals of the county's open needs in every state, through the referral services and the
matching engine (``bangfu.demo.referrals``): sessions, feedback and notifications included."""

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.referrals import load_referrals_demo, reset_referrals_demo
from bangfu.referrals.models import Feedback, IntakeCase, Referral, ServiceSession
from bangfu.regions.models import Region, within

# At most this many cases. Each is routed by the engine (about 0.1 s of CPU per case, the
# demo's main cost); 150 close the ~75 outcomes the matching step's success model learns from.
REFERRAL_LIMIT = 150


class ReferralsStep(Step):
    name = "referrals"

    def build(self, ctx: DemoContext) -> None:
        counts = load_referrals_demo(
            ctx.county, ctx.rng(self.name), as_of=ctx.options.as_of, limit=REFERRAL_LIMIT
        )
        ctx.count("referrals", sum(n for k, n in counts.items() if k.startswith("referrals ")))
        ctx.count("service sessions", counts.get("service sessions", 0))
        ctx.count("feedback", counts.get("feedback", 0))
        ctx.count("project deliveries", counts.get("project deliveries", 0))

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            return
        referrals = Referral.objects.filter(within(county, "need__household__region"))
        forget_audit(
            ServiceSession.objects.filter(referral__in=referrals),
            Feedback.objects.filter(referral__in=referrals),
            referrals,
            IntakeCase.objects.filter(within(county, "region")),
        )
        reset_referrals_demo(county)
