"""A year of the county's assistance funds and a dozen procured projects, from draft to closed
(``bangfu.demo.procurement``): the cap, filings, ledger, deliveries and evaluations."""

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.procurement import load_procurement_demo
from bangfu.procurement.models import (
    DeliveryRecord,
    Evaluation,
    EvaluationScore,
    Filing,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
    ProjectLine,
    ProjectTransition,
)
from bangfu.providers.models import Provider
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
            as_of=ctx.options.as_of,
        )
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
        # Listed before the projects go: a project's provider goes with it.
        providers = Provider.objects.filter(
            pk__in=list(projects.values_list("provider", flat=True))
        )
        forget_audit(
            EvaluationScore.objects.filter(evaluation__in=evaluations),
            evaluations,
            *(
                model.objects.filter(project__in=projects)
                for model in (ProjectLine, ProjectTransition, Filing, LedgerEntry, DeliveryRecord)
            ),
            projects,
            providers,
            caps,
            funds,
        )
        # The ledger and the deliveries hold their project, cap and household (PROTECT); lines,
        # status events, filings and evaluations go with their project.
        LedgerEntry.objects.filter(project__in=projects).delete()
        DeliveryRecord.objects.filter(project__in=projects).delete()
        projects.delete()
        providers.delete()
        caps.delete()
        funds.delete()
