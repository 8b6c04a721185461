"""Finding people (政策找人): the departments' cross-check files imported through the real
import, so every warning is raised by the rules; a history of verifications that trains the
risk model; this period's reviews and visits; a few verifications done
(``bangfu.demo.discovery``)."""

from django.utils import timezone

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.discovery import load_discovery_demo, reset_discovery_demo
from bangfu.discovery.models import CandidatePerson, Task
from bangfu.referrals.models import Notification
from bangfu.regions.models import Region, within


class DiscoveryStep(Step):
    name = "discovery"

    def build(self, ctx: DemoContext) -> None:
        summary = load_discovery_demo(
            ctx.county, ctx.rng(self.name), as_of=ctx.options.as_of, staff=ctx.users["bureau"]
        )
        # Verifications that end in a referral notify a station. The demo's users are invented:
        # like the referrals step's, these notifications stay in the app and none is e-mailed.
        Notification.objects.filter(
            within(ctx.county, "referral__need__household__region"),
            emailed_at__isnull=True,
        ).update(emailed_at=timezone.now())
        ctx.count("cross-check files", len(summary["imports"]))
        ctx.count("warnings", summary["warnings"])
        ctx.count("past verifications", summary["history"]["verifications"])
        ctx.count("scheduled reviews", summary["scheduled"]["reviews"])
        ctx.count("scheduled visits", summary["scheduled"]["visits"])

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            return
        inside = within(county, "region")
        forget_audit(Task.objects.filter(inside), CandidatePerson.objects.filter(inside))
        reset_discovery_demo(county)
