"""The referral success model trained on the demo's closed referrals, then one allocation run
of the county through the matching services, finished, for the staff to look at."""

import re
from pathlib import Path

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step
from bangfu.matching_runs.engine import success_model_dir
from bangfu.matching_runs.models import MatchingRun
from bangfu.matching_runs.services import run_allocation, run_request
from bangfu.matching_runs.training import train_success_model
from bangfu.regions.models import Region

JOB_KEY = "demo:allocate"
# The default demo closes ~75 referrals (a small one far fewer): below this many outcomes the
# model is the prior, and its metadata says so.
MIN_OUTCOMES = 50
ARTIFACT = re.compile(r"success-v\d+\.joblib")


class MatchingStep(Step):
    name = "matching"

    def build(self, ctx: DemoContext) -> None:
        metrics = train_success_model(region=ctx.county, min_outcomes=MIN_OUTCOMES)
        # The run names the artifact it was made with: the reset removes that file again, so a
        # rebuilt demo routes its referrals without a model, as the first build did.
        run = run_request(
            kind=MatchingRun.Kind.ALLOCATE,
            region=ctx.county,
            by=ctx.users["bureau"],
            job_key=JOB_KEY,
            parameters={"top_k": 10, "success_model": Path(metrics["artifact"]).name},
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
        runs = MatchingRun.objects.filter(region__path__startswith=county.path)
        for parameters in runs.filter(job_key=JOB_KEY).values_list("parameters", flat=True):
            name = str(parameters.get("success_model", ""))
            if ARTIFACT.fullmatch(name):
                (success_model_dir() / name).unlink(missing_ok=True)
        # Ranked candidates and allocations go with their run.
        runs.delete()
