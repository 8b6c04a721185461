"""Benchmark of cross-area identity refusals: a ledger dry run whose every row is a person
registered in another county, against the same kind of file with no such row.

    .venv/bin/python bench/identity_refusals.py [--rows 2000] [--repeat 3]

In a fresh SQLite database: 元江县 as ``ledger_import.py`` builds it, and 新平县 of the same city,
where the first ``--rows`` people of the synthetic ledger are registered (imported by its own
bureau). 元江县's bureau then dry-runs two .xlsx files of ``--rows`` member rows in its own
villages: "clash", those same people, each refused with the one neutral message (and audited,
warned to the city as a duplicate registration, counted for the day's probing alert), and
"fresh", the next people of the ledger, registered nowhere. The two alternate ``--repeat``
times after one untimed warm-up; the figures are medians, wall clock and CPU seconds.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from ledger_data import COUNTY, SEED, make_county, make_ledger, write_csv, write_xlsx

OTHER_COUNTY = ("530427", "新平彝族傣族自治县")
HEAD = "户主"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bangfu.settings",
            BANGFU_VAR_DIR=workdir,
            DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        )
        os.environ.pop("BANGFU_MODE", None)
        import django

        django.setup()
        user = _setup(Path(workdir), args.rows)
        times = _measure(Path(workdir), user, args.rows, args.repeat)
    _print(times, args.rows, load=(load_start, os.getloadavg()))


def _setup(workdir: Path, rows: int):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bangfu.registry.ledger import import_ledger

    call_command("migrate", verbosity=0)
    villages = make_county()
    people = make_ledger(random.Random(SEED), villages, rows)  # ~2.9 people per household
    # The second file starts at the first household the first one does not reach.
    start = next(i for i in range(rows, len(people)) if people[i]["与户主关系"] == HEAD)
    clash, fresh = people[:rows], people[start : start + rows]
    assert len(fresh) == rows, len(fresh)
    write_xlsx(workdir / "clash.xlsx", clash)
    write_xlsx(workdir / "fresh.xlsx", fresh)

    other_bureau, other_villages = _other_county()
    moved = {code: other_villages[i % len(other_villages)] for i, code in enumerate(villages)}
    registered = [
        {
            **row,
            "户编号": row["户编号"].replace(COUNTY[0], OTHER_COUNTY[0], 1),
            "村(社区)代码": moved[row["村(社区)代码"]],
        }
        for row in clash
    ]
    write_csv(workdir / "registered.csv", registered)
    with (workdir / "registered.csv").open("rb") as fileobj:
        report = import_ledger(fileobj, filename="registered.csv", by=other_bureau)
    assert report.ok and report.members_created == rows, report.errors[:3]
    return get_user_model().objects.get(username="bench_bureau")


def _other_county():
    """新平县 in 元江县's city: one township of 12 villages, and its bureau's user."""
    from bangfu.accounts.models import Membership, Organisation, User
    from bangfu.regions.models import Region

    level = Region.Level
    county = Region.objects.create(
        code=OTHER_COUNTY[0],
        name=OTHER_COUNTY[1],
        level=level.COUNTY,
        parent=Region.objects.get(code=COUNTY[0][:4]),
    )
    town = Region.objects.create(
        code=county.code + "101", name="戛洒镇", level=level.TOWNSHIP, parent=county
    )
    villages = [
        Region.objects.create(
            code=f"{town.code}{number:03d}", name=f"{number}村", level=level.VILLAGE, parent=town
        ).code
        for number in range(201, 213)
    ]
    bureau = Organisation.objects.create(
        kind=Organisation.Kind.BUREAU, name="新平县民政局", region=county
    )
    user = User.objects.create_user("bench_other_bureau", password=None)
    Membership.objects.create(user=user, organisation=bureau, role=Membership.Role.BUREAU_STAFF)
    return user, villages


def _measure(workdir: Path, user, rows: int, repeat: int) -> dict[str, list[tuple]]:
    from auditlog.models import LogEntry

    from bangfu.discovery.models import Flag, Rule
    from bangfu.registry import identity
    from bangfu.registry.ledger import import_ledger

    def dry_run(name: str):
        with (workdir / f"{name}.xlsx").open("rb") as fileobj:
            started, cpu_started = time.perf_counter(), time.process_time()
            report = import_ledger(fileobj, filename=f"{name}.xlsx", by=user, dry_run=True)
            return report, time.perf_counter() - started, time.process_time() - cpu_started

    dry_run("fresh")  # warm-up: imports, translations, the first queries
    times: dict[str, list[tuple]] = {"fresh": [], "clash": []}
    for _ in range(repeat):
        for name in times:
            report, seconds, cpu = dry_run(name)
            # Every row of "clash" refused with the neutral message, nothing of the other county.
            neutral = [] if name == "fresh" else [str(identity.ID_NUMBER_TO_VERIFY)] * rows
            assert [error.reason for error in report.errors] == neutral
            times[name].append((seconds, cpu))
    # Each refusal audited; one warning per person tried, however often.
    audited = LogEntry.objects.filter(actor=user, additional_data__has_key=identity.AUDIT_KEY)
    assert audited.count() == rows * repeat, audited.count()
    assert Flag.objects.filter(rule=Rule.DUPLICATE_REGISTRATION).count() == rows
    return times


def _print(times: dict[str, list[tuple]], rows: int, *, load: tuple) -> None:
    print(f"Cross-area refusals, SQLite: dry runs of {rows:,} member rows (.xlsx), medians.")
    print(f"{'file':<52}{'seconds':>9}{'CPU s':>7}")
    labels = {
        "fresh": "fresh: nobody registered anywhere",
        "clash": "clash: everyone registered in another county",
    }
    medians = {}
    for name, figures in times.items():
        seconds, cpu = (statistics.median(column) for column in zip(*figures, strict=True))
        medians[name] = cpu
        print(f"{labels[name]:<52}{seconds:>9.2f}{cpu:>7.2f}")
    extra = medians["clash"] - medians["fresh"]
    print(f"refusals cost {extra:.2f} CPU s more, {extra / rows * 1000:.2f} ms a row.")
    start, end = (" ".join(f"{figure:.2f}" for figure in figures) for figures in load)
    print(f"load average (1, 5, 15 min): {start} at the start, {end} at the end.")


if __name__ == "__main__":
    main()
