"""The demo's steps, in build order. A later feature appends its own step after the ones it
needs: the registry's decisions right after the households (they replay how part of it came to
be) and the 临时救助 grants, procurement after the organisations, referrals after the
priorities, the matching run once referrals have closed (its success model learns from them),
the public site once projects exist (it publishes them), finding people last (its
recommendations go to the townships)."""

from bangfu.demo.steps.decisions import DecisionsStep
from bangfu.demo.steps.discovery import DiscoveryStep
from bangfu.demo.steps.grants import GrantsStep
from bangfu.demo.steps.households import HouseholdsStep
from bangfu.demo.steps.matching import MatchingStep
from bangfu.demo.steps.needs import AssessmentsStep
from bangfu.demo.steps.organisations import OrganisationsStep
from bangfu.demo.steps.policy import PolicyStep
from bangfu.demo.steps.priorities import PrioritiesStep
from bangfu.demo.steps.procurement import ProcurementStep
from bangfu.demo.steps.providers import ProvidersStep
from bangfu.demo.steps.public_site import PublicSiteStep
from bangfu.demo.steps.referrals import ReferralsStep
from bangfu.demo.steps.regions import RegionsStep

STEPS = [
    RegionsStep(),
    PolicyStep(),
    OrganisationsStep(),
    ProvidersStep(),
    HouseholdsStep(),
    DecisionsStep(),
    GrantsStep(),
    AssessmentsStep(),
    PrioritiesStep(),
    ProcurementStep(),
    ReferralsStep(),
    MatchingStep(),
    PublicSiteStep(),
    DiscoveryStep(),
]
