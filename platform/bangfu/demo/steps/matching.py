"""The referral success model trained on the demo's closed referrals, then one allocation run
of the county through the matching services, finished, for the staff to look at."""

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step
from bangfu.matching_runs.engine import SUCCESS_MODELS
from bangfu.matching_runs.models import MatchingRun
from bangfu.matching_runs.services import run_allocation, run_request
from bangfu.matching_runs.training import train_success_model
from bangfu.regions.models import Region, within

JOB_KEY = "demo:allocate"
# The default demo closes ~75 referrals (a small one far fewer): below this many outcomes the
# model is the prior, and its metadata says so.
MIN_OUTCOMES = 50


class MatchingStep(Step):
    name = "matching"

    def build(self, ctx: DemoContext) -> None:
        metrics = train_success_model(region=ctx.county, min_outcomes=MIN_OUTCOMES)
        # The run names the model version it was made with: the reset removes that version
        # again, so a rebuilt demo routes its referrals without a model, as the first build did.
        run = run_request(
            kind=MatchingRun.Kind.ALLOCATE,
            region=ctx.county,
            by=ctx.users["bureau"],
            job_key=JOB_KEY,
            parameters={"top_k": 10, "success_model": metrics["version"]},
        )
        # Run here rather than by the task queued on commit (which then finds the run done):
        # the demo shows a finished run as soon as it is loaded.
        allocated = run_allocation(run_id=run.pk)
        ctx.count("success model outcomes", metrics["outcomes"])
        ctx.count("engine allocations", allocated)

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is None:
            return
        runs = MatchingRun.objects.filter(within(county, "region"))
        saved = set(SUCCESS_MODELS.versions())
        for parameters in runs.filter(job_key=JOB_KEY).values_list("parameters", flat=True):
            if parameters.get("success_model") in saved:
                SUCCESS_MODELS.delete(parameters["success_model"])
        # Ranked candidates and allocations go with their run.
        runs.delete()
