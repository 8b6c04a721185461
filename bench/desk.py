"""Benchmark of the intake desk's ranking of one need on the demo county: cold vs warm.

    .venv/bin/python -m bench.desk [--households 3000] [--needs 50] [--database /tmp/desk.sqlite3]

Builds the demo county (元江县: its townships, stations, volunteers, households and their needs,
procured projects and past referrals; the demo builder's steps up to the referrals, a few
minutes) into a fresh SQLite file, then ranks ``--needs`` open needs one at a time, as the desk
does (the providers left out for the need first, then the ranking):

- **cold**: the county's whole instance loaded for the need, then the engine (what
  ``rank_need`` did before the warm index: ``adapter.load_instance`` + ``engine.solve``);
- **warm**: ``rank_need`` on the county's warm index (``matching_runs.desk_index``), built once
  before the timings (its build time is printed too).

Each need is timed once per path; the figures are medians and maxima in milliseconds, in wall
time and in this process's CPU time (SQLite runs in the process, so its work is in the CPU time
too). Every need's warm ranking is checked against its cold one. ``--json`` prints the figures
as one JSON object on the last line.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--needs", type=int, default=50)
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    database = args.database or Path(tempfile.mkdtemp(prefix="bench-desk-")) / "desk.sqlite3"
    database.unlink(missing_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bangfu.settings",
        DATABASE_URL=f"sqlite:///{database}",
        BANGFU_SCHEDULER="0",
    )
    os.environ.pop("BANGFU_MODE", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _build(args.households)
    print(f"demo county built in {time.perf_counter() - started:.0f} s ({database})")
    figures = _measure(args.needs)
    figures["loadavg"] = os.getloadavg()
    for key, value in figures.items():
        print(f"{key:<28} {value}")
    if args.json:
        print(json.dumps(figures))


def _build(households: int) -> None:
    import logging

    from bangfu.demo.builder import DemoOptions, demo_build
    from bangfu.demo.steps import (
        AssessmentsStep,
        HouseholdsStep,
        OrganisationsStep,
        PolicyStep,
        PrioritiesStep,
        ProcurementStep,
        ProvidersStep,
        ReferralsStep,
        RegionsStep,
    )

    logging.disable(logging.INFO)  # the services log each step they take
    steps = [
        RegionsStep(),
        PolicyStep(),
        OrganisationsStep(),
        ProvidersStep(),
        HouseholdsStep(),
        AssessmentsStep(),
        PrioritiesStep(),
        ProcurementStep(),
        ReferralsStep(),
    ]
    demo_build(options=DemoOptions(households=households), steps=steps)


def _cold(need, exclude, today):
    """The ranking as the desk made it before the warm index: the county loaded for one need."""
    from bangfu.matching_runs import adapter, engine

    county = need.household.region.county()
    instance = adapter.load_instance(county, need_ids=[need.pk], exclude=exclude, today=today)
    result = engine.solve(instance, top_k=10)
    return [(row.kind, row.provider_id, row.score) for row in result.ranked]


def _warm(need, exclude, today):
    from bangfu.matching_runs.ranking import rank_need

    return [
        (p.kind, p.provider_id, p.score) for p in rank_need(need=need, exclude=exclude, today=today)
    ]


def _timed(function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, 1000 * (time.perf_counter() - wall), 1000 * (time.process_time() - cpu)


def _summary(name: str, samples: list[tuple[float, float]]) -> dict:
    wall = [w for w, _c in samples]
    cpu = [c for _w, c in samples]
    return {
        f"{name}_wall_ms_median": round(statistics.median(wall), 1),
        f"{name}_wall_ms_max": round(max(wall), 1),
        f"{name}_cpu_ms_median": round(statistics.median(cpu), 1),
        f"{name}_cpu_ms_max": round(max(cpu), 1),
    }


def _measure(n_needs: int) -> dict:
    from django.utils import timezone

    from bangfu.matching_runs import desk_index
    from bangfu.providers.models import Provider
    from bangfu.referrals.selectors import not_proposed
    from bangfu.registry.models import Need, ServiceCategory

    today = timezone.localdate()
    needs = list(
        Need.objects.open()
        .filter(category__kind=ServiceCategory.Kind.SERVICE)
        .select_related("household__region")
        .order_by("pk")
    )
    step = max(len(needs) // n_needs, 1)
    needs = needs[::step][:n_needs]
    county = needs[0].household.region.county()
    desk_index.forget()
    _entry, build_wall, build_cpu = _timed(desk_index.warm_index, county)
    cold, warm, same = [], [], 0
    for need in needs:
        exclude, exclusions_wall, exclusions_cpu = _timed(not_proposed, need)
        cold_ranked, wall, cpu = _timed(_cold, need, exclude, today)
        cold.append((wall + exclusions_wall, cpu + exclusions_cpu))
        warm_ranked, wall, cpu = _timed(_warm, need, exclude, today)
        warm.append((wall + exclusions_wall, cpu + exclusions_cpu))
        same += cold_ranked == warm_ranked
    return {
        "needs_ranked": len(needs),
        "open_needs": Need.objects.open().count(),
        "providers": Provider.objects.count(),
        "warm_same_as_cold": f"{same} of {len(needs)}",
        "index_build_wall_ms": round(build_wall, 1),
        "index_build_cpu_ms": round(build_cpu, 1),
        **_summary("cold", cold),
        **_summary("warm", warm),
    }


if __name__ == "__main__":
    main()
