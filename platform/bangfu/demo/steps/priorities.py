"""Priorities of the open needs, computed by the registry's own service as of the demo date."""

from bangfu.demo.builder import DemoContext, Step
from bangfu.regions.models import within
from bangfu.registry.models import Need
from bangfu.registry.services import needs_reprioritise


class PrioritiesStep(Step):
    name = "priorities"

    def build(self, ctx: DemoContext) -> None:
        needs = Need.objects.filter(within(ctx.county, "household__region")).open()
        ctx.count("prioritised needs", needs_reprioritise(needs=needs, today=ctx.options.as_of))
