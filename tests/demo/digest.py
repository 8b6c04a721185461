"""Loading the small demo and summing up what its users see, for the demo's tests."""

import datetime as dt
import hashlib
import json
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from bangfu.discovery.models import Flag
from bangfu.matching_runs.models import Allocation as EngineAllocation
from bangfu.matching_runs.models import MatchingRun
from bangfu.offers.models import Offer
from bangfu.procurement.models import Project
from bangfu.providers.models import Volunteer
from bangfu.referrals.models import Referral
from bangfu.registry.grants import TemporaryGrant
from bangfu.registry.models import Household, StatusDecision

AS_OF = dt.date(2026, 11, 20)
SMALL = 60
# The services the demo calls date what they record by the clock; every load starts at the same
# instant, so a load that runs across midnight builds the same demo as one that does not.
CLOCK = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def load(*, seed: int = 2026, reset: bool = False) -> str:
    out = StringIO()
    args = [f"--households={SMALL}", f"--seed={seed}", f"--as-of={AS_OF.isoformat()}"]
    with time_machine.travel(CLOCK):
        call_command("demo_load", *args, *(["--reset"] if reset else []), stdout=out)
    return out.getvalue()


def _need(need) -> list:
    return [need.household.registry_number, need.category.code]


def registry_rows() -> list:
    households = (
        Household.objects.select_related("region")
        .prefetch_related("members", "needs__category", "assessments__assessor")
        .order_by("registry_number")
    )
    rows = []
    for household in households:
        rows.append(
            [
                household.registry_number,
                household.region.code,
                household.tier,
                household.household_tier,
                household.residence,
                str(household.financial_assets),
                household.status,
                str(household.gradual_exit_until),
                household.address,
                household.phone,
                str(household.enrolled_on),
                str(household.next_review_due),
                sorted(
                    [
                        m.name,
                        m.id_number,
                        m.relation,
                        str(m.monthly_income),
                        m.disability,
                        m.personal_status,
                        m.is_employed,
                    ]
                    for m in household.members.all()
                ),
                sorted(
                    [str(a.assessed_on), a.assessor.username, a.summary]
                    for a in household.assessments.all()
                ),
                sorted(
                    [n.category.code, n.severity, n.urgency, n.status, str(n.priority)]
                    for n in household.needs.all()
                ),
            ]
        )
    volunteers = sorted(
        [v.user.display_name, v.home_region.code, str(v.latitude), str(v.travel_radius_km)]
        for v in Volunteer.objects.select_related("user", "home_region")
    )
    return [rows, volunteers]


def feature_rows() -> dict[str, list]:
    """Projects, referrals, the engine's allocation, offers, warnings, the registry's decisions
    and 临时救助 grants, without database ids."""
    referrals = Referral.objects.select_related("need__household", "need__category", "provider")
    run = MatchingRun.objects.filter(job_key="demo:allocate").first()
    allocations = EngineAllocation.objects.filter(run=run).select_related(
        "need__household", "need__category"
    )
    return {
        "projects": sorted(
            [p.name, str(p.amount), p.status, sorted(p.amount_by_source())]
            for p in Project.objects.prefetch_related("lines")
        ),
        "referrals": sorted([*_need(r.need), r.status, str(r.provider)] for r in referrals),
        "engine": [
            run and (run.status, run.assigned_count, run.objective),
            sorted([*_need(a.need), a.provider_kind, a.score] for a in allocations),
        ],
        "offers": sorted([o.title, o.status, o.allocations.count()] for o in Offer.objects.all()),
        "decisions": sorted(
            [
                d.household.registry_number,
                d.kind,
                d.state,
                d.from_status,
                d.to_status,
                d.reference,
                str(d.effective_on),
                str(d.decided_at and d.decided_at.date()),
            ]
            for d in StatusDecision.objects.select_related("household")
        ),
        "grants": sorted(
            [g.household.registry_number, g.kind, g.state, str(g.amount), str(g.granted_on)]
            for g in TemporaryGrant.objects.select_related("household")
        ),
        "warnings": sorted(
            [f.rule, f.region.code, str(f.fired_on), _evidence(f)]
            for f in Flag.objects.filter(fired_on=AS_OF).select_related("region", "member")
        ),
    }


def _evidence(flag) -> str:
    """The warning's evidence, the member it names by name rather than by database id."""
    evidence = dict(flag.evidence)
    if "member" in evidence:
        evidence["member"] = flag.member.name if flag.member else None
    return json.dumps(evidence, sort_keys=True, ensure_ascii=False)


def demo_digest() -> str:
    """Everything the demo's users see, without database ids or ciphertext."""
    blob = json.dumps([registry_rows(), feature_rows()], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
