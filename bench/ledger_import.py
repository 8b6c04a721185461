"""Benchmark of the ledger (台账) import and export.

    .venv/bin/python bench/ledger_import.py [--households 10000 | --rows 100000]
                                            [--database-url URL]

Builds a small county (元江县: 10 townships, 120 villages) in a fresh database, generates a
deterministic ledger of 10,000 households (about 29,400 members with valid ID numbers; with
``--rows``, exactly that many member rows), and measures, each phase in its own process so that
peak memory is the phase's own:

- validation only (dry run) of the .xlsx, and of the same ledger as GB18030 .csv;
- the same file with 1% bad rows: every bad row must be reported and nothing written;
- the refusal of the file by the staff page's path (``ledger_import_submit``) when the county's
  ``import_max_rows`` is half its rows: refused before a row is read;
- the full import of the .csv, then through the staff page's path (a background job above
  ``background_rows``, its task run in-process as without a broker), each one removed again
  (not timed) so that the next import finds the same empty registry;
- the full import of the .xlsx (it must create every household and member);
- the export of all households back to .xlsx;
- the import of that export, masked, as a clerk sends an edited export back: every household
  and person is found and nothing changes (the cost of checking an update file).

Without ``--database-url`` the database is SQLite in a temporary directory. With
``--database-url postgres://user@host:5432/anydb`` a fresh database ``bangfu_bench_<pid>`` is
created on that server and dropped at the end.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger_data import COUNTY, SEED, make_county, make_ledger, spoil, write_csv, write_xlsx

PHASES = ["validate", "validate-csv", "refuse", "cap", "import-csv", "background", "import"]
PHASES += ["export", "reimport"]
FILES = {
    "validate-csv": "ledger.csv",
    "import-csv": "ledger.csv",
    "refuse": "ledger-bad.xlsx",
    "reimport": "export.xlsx",
}


# --- the parent: a fresh database, the phases in child processes, the table -------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--rows", type=int, help="member rows (default: all the households')")
    parser.add_argument("--database-url", help="PostgreSQL server to benchmark on (optional)")
    parser.add_argument("--phase", choices=["setup", *PHASES], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _child(args.phase, Path(args.workdir), args.households, args.rows)
        return

    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bangfu.settings", BANGFU_VAR_DIR=workdir)
        env.pop("BANGFU_MODE", None)
        dropdb = None
        if args.database_url:
            env["DATABASE_URL"], dropdb = _fresh_postgres(args.database_url)
        else:
            env["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
        try:
            results = [_run("setup", workdir, env, args)]
            results += [_run(phase, workdir, env, args) for phase in PHASES]
        finally:
            if dropdb:
                dropdb()
    engine = "PostgreSQL" if args.database_url else "SQLite"
    _print(results, engine=engine, load=(load_start, os.getloadavg()))


def _run(phase: str, workdir: str, env: dict, args) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--workdir", workdir]
    command += ["--households", str(args.households)]
    if args.rows:
        command += ["--rows", str(args.rows)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {phase} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fresh_postgres(url: str):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = f"bangfu_bench_{os.getpid()}"
    connect = dict(
        dbname=config["NAME"] or "postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"],
        port=config["PORT"] or 5432,
        autocommit=True,
    )
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def dropdb() -> None:
        with psycopg.connect(**connect) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}", dropdb


def _print(results: list[dict], *, engine: str, load: tuple) -> None:
    setup = results[0]
    print(
        f"Ledger benchmark on {engine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}: "
        f"{setup['households']:,} households, {setup['rows']:,} member rows "
        f"(.xlsx {setup['xlsx_mb']:.1f} MB), {setup['bad_rows']} bad rows in the 1% file."
    )
    header = (
        f"{'phase':<34}{'rows':>8}{'seconds':>9}{'CPU s':>7}{'rows/s':>8}{'peak MB':>9}{'+MB':>6}"
        "  result"
    )
    print(header)
    print("-" * len(header))
    for result in results[1:]:
        print(
            f"{result['label']:<34}{result['rows']:>8,}{result['seconds']:>9.2f}"
            f"{result['cpu']:>7.2f}{result['rows'] / result['seconds']:>8,.0f}"
            f"{result['peak_mb']:>9.0f}{result['peak_mb'] - result['base_mb']:>6.0f}"
            f"  {result['result']}"
        )
    print(
        "seconds: wall clock of the phase alone; CPU s: its process time (what the phase costs "
        "when the machine is shared); peak MB: the phase's process at its peak; +MB: above the "
        "process just before the phase."
    )
    start, end = (" ".join(f"{figure:.2f}" for figure in figures) for figures in load)
    print(f"load average (1, 5, 15 min): {start} at the start, {end} at the end.")


# --- the children: one phase each -------------------------------------------------------------


def _child(phase: str, workdir: Path, households: int, rows: int | None) -> None:
    import django

    django.setup()
    if phase == "setup":
        print(json.dumps(_setup(workdir, households, rows)))
        return
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench_bureau")
    setup = json.loads((workdir / "setup.json").read_text())
    if phase == "cap":
        _set_policy("import_max_rows", setup["rows"] // 2)
    base_mb = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = _perform(phase, workdir, user)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label, rows, result = _check(phase, outcome, workdir, setup)
    if phase == "cap":
        _set_policy("import_max_rows", None)
    if phase in ("import-csv", "background"):
        _empty_registry()
    print(
        json.dumps(
            {
                "label": label,
                "rows": rows,
                "seconds": seconds,
                "cpu": cpu,
                "base_mb": base_mb,
                "peak_mb": peak_mb,
                "result": result,
            }
        )
    )


def _perform(phase: str, workdir: Path, user):
    """The phase's work: what is timed."""
    from django.core.exceptions import ValidationError
    from django.core.files import File

    from bangfu.registry.ledger import export_households, import_ledger
    from bangfu.registry.ledger.jobs import ledger_import_submit
    from bangfu.registry.models import Household

    if phase == "export":
        content = export_households(Household.objects.for_user(user), reveal_identity=True)
        # The masked export (not timed) is what the next phase sends back.
        (workdir / FILES["reimport"]).write_bytes(export_households(Household.objects.all()))
        return content
    name = FILES.get(phase, "ledger.xlsx")
    with (workdir / name).open("rb") as fileobj:
        if phase in ("cap", "background"):  # as the staff page sends it
            try:
                return ledger_import_submit(upload=File(fileobj, name=name), by=user, dry_run=False)
            except ValidationError as refused:  # on the form's file field
                return refused
        return import_ledger(fileobj, filename=name, by=user, dry_run=phase.startswith("v"))


def _check(phase, outcome, workdir, setup) -> tuple[str, int, str]:
    """Fail loudly if a phase did not do what it must; its label, rows and result."""
    from bangfu.core.models import BackgroundJob
    from bangfu.registry.ledger.jobs import ledger_job_report
    from bangfu.registry.models import Household, Member

    stored = (Household.objects.count(), Member.objects.count())
    if phase == "export":
        return "export .xlsx (revealed)", stored[1], f"{len(outcome) / 1e6:.1f} MB .xlsx"
    if phase == "reimport":
        assert outcome.ok, outcome.errors[:5]
        assert not outcome.changes and not outcome.status_changes, outcome.changes[:5]
        assert stored == (setup["households"], setup["rows"]), stored
        return "re-import the masked export", outcome.rows, "every row found, nothing changed"
    if phase == "cap":
        assert f"{setup['rows'] // 2:,}" in str(outcome), outcome  # the message names the cap
        assert stored == (0, 0) and not BackgroundJob.objects.exists(), stored
        return "refuse above import_max_rows", setup["rows"], "refused, nothing read or stored"
    label = "full import via the staff page"
    if isinstance(outcome, BackgroundJob):
        outcome.refresh_from_db()
        assert outcome.status == BackgroundJob.Status.DONE, (outcome.status, outcome.error)
        label, outcome = "full import, background job", ledger_job_report(outcome)
    report = outcome
    if phase == "refuse":
        bad_rows = set(json.loads((workdir / "bad-rows.json").read_text()))
        reported = {error.row for error in report.errors}
        assert reported == bad_rows, (len(reported), len(bad_rows), sorted(reported ^ bad_rows)[:5])
        assert stored == (0, 0), stored
        errors = f"{len(report.errors)} errors, nothing written"
        return "refuse 1% bad rows .xlsx", report.rows, errors
    assert report.ok, report.errors[:5]
    if not phase.startswith("v"):
        assert stored == (report.households_created, report.members_created), stored
        labels = {"import": "full import .xlsx", "import-csv": "full import .csv GB18030"}
        written = f"{stored[0]:,} households, {stored[1]:,} members written"
        return labels.get(phase, label), report.rows, written
    label = "validate .xlsx (dry run)" if phase == "validate" else "validate .csv GB18030 (dry run)"
    return label, report.rows, f"ok, {report.households_created:,} households would be added"


def _set_policy(key: str, value: int | None) -> None:
    """Set the county's own value of a policy parameter this year, or remove it (None)."""
    from django.utils import timezone

    from bangfu.regions.models import PolicyValue, Region

    county, year = Region.objects.get(code=COUNTY[0]), timezone.localdate().year
    values = PolicyValue.objects.filter(key=key, region=county, year=year)
    if value is None:
        values.delete()
    else:
        PolicyValue.objects.create(key=key, region=county, year=year, value=value, source="bench")


def _empty_registry() -> None:
    """Remove what an import wrote (not timed): the next import finds the same empty registry."""
    from auditlog.context import disable_auditlog

    from bangfu.registry.models import Household

    with disable_auditlog():
        Household.objects.all().delete()


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- the county and the ledger ----------------------------------------------------------------


def _setup(workdir: Path, households: int, max_rows: int | None) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    villages = make_county()
    rows = make_ledger(random.Random(SEED), villages, max_rows or households, max_rows=max_rows)
    bad, bad_rows = spoil(random.Random(SEED + 1), rows, villages)
    write_xlsx(workdir / "ledger.xlsx", rows)
    write_xlsx(workdir / "ledger-bad.xlsx", bad)
    write_csv(workdir / "ledger.csv", rows)
    (workdir / "bad-rows.json").write_text(json.dumps(sorted(bad_rows)))
    setup = {
        "households": len({row["户编号"] for row in rows}),
        "rows": len(rows),
        "bad_rows": len(bad_rows),
        "xlsx_mb": (workdir / "ledger.xlsx").stat().st_size / 1e6,
    }
    (workdir / "setup.json").write_text(json.dumps(setup))
    return setup


if __name__ == "__main__":
    main()
