"""A year of the county's assistance funds and a dozen procured projects, from draft to closed
(``bangfu.demo.procurement``): the cap, filings, ledger, deliveries and evaluations."""

from django.utils import timezone

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.procurement import load_procurement_demo
from bangfu.procurement.models import (
    DeliveryRecord,
    Evaluation,
    EvaluationScore,
    Filing,
    FilingDocument,
    FilingEvent,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
    ProjectLine,
    ProjectTransition,
)
from bangfu.providers.models import Provider
from bangfu.referrals.models import Notification
from bangfu.regions.models import Region, within


class ProcurementStep(Step):
    name = "procurement"

    def build(self, ctx: DemoContext) -> None:
        projects = load_procurement_demo(
            ctx.county,
            ctx.rng(self.name),
            agency=ctx.organisations["agency"],
            staff=ctx.users["bureau"],
            manager=ctx.users["manager"],
            city=ctx.users["city"],
            as_of=ctx.options.as_of,
        )
        # The filings told both bureaus. The demo's users are invented: like the referrals
        # step's, these notifications stay in the app and none is e-mailed.
        Notification.objects.filter(
            kind__in=[
                Notification.Kind.FILING_SENT,
                Notification.Kind.FILING_RETURNED,
                Notification.Kind.FILING_ACKNOWLEDGED,
            ],
            recipient__in=list(ctx.users.values()),
            emailed_at__isnull=True,
        ).update(emailed_at=timezone.now())
        ctx.count("procured projects", len(projects))
        ctx.count("project deliveries", DeliveryRecord.objects.filter(project__in=projects).count())

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            return
        inside = within(county, "region")
        projects = Project.objects.filter(inside)
        funds, caps = Fund.objects.filter(inside), ProcurementCap.objects.filter(inside)
        evaluations = Evaluation.objects.filter(project__in=projects)
        documents = FilingDocument.objects.filter(filing__project__in=projects)
        # Listed before the projects go: a project's provider goes with it.
        providers = Provider.objects.filter(
            pk__in=list(projects.values_list("provider", flat=True))
        )
        forget_audit(
            EvaluationScore.objects.filter(evaluation__in=evaluations),
            evaluations,
            FilingEvent.objects.filter(filing__project__in=projects),
            documents,
            *(
                model.objects.filter(project__in=projects)
                for model in (ProjectLine, ProjectTransition, Filing, LedgerEntry, DeliveryRecord)
            ),
            projects,
            providers,
            caps,
            funds,
        )
        # Rows go with their filing; the files in the private storage are removed here.
        for document in documents:
            document.file.delete(save=False)
        # The ledger and the deliveries hold their project, cap and household (PROTECT); lines,
        # status events, filings and evaluations go with their project.
        LedgerEntry.objects.filter(project__in=projects).delete()
        DeliveryRecord.objects.filter(project__in=projects).delete()
        projects.delete()
        providers.delete()
        caps.delete()
        funds.delete()
