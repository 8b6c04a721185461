"""The demo's steps, in build order. A later feature appends its own step after the ones it
needs (e.g. procurement after organisations, referrals after priorities)."""

from bangfu.demo.steps.households import HouseholdsStep
from bangfu.demo.steps.needs import AssessmentsStep
from bangfu.demo.steps.organisations import OrganisationsStep
from bangfu.demo.steps.policy import PolicyStep
from bangfu.demo.steps.priorities import PrioritiesStep
from bangfu.demo.steps.providers import ProvidersStep
from bangfu.demo.steps.regions import RegionsStep

STEPS = [
    RegionsStep(),
    PolicyStep(),
    OrganisationsStep(),
    ProvidersStep(),
    HouseholdsStep(),
    AssessmentsStep(),
    PrioritiesStep(),
]
