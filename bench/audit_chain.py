"""Benchmark of the audit chain's cost: ``log_created`` of ``--rows`` entries (an import's audit
trail) committed without sealing, then with the sealing its commit triggers, alternately
``--repeat`` times after one untimed warm-up; then ``verify`` of the whole chain.

    .venv/bin/python bench/audit_chain.py [--rows 10000] [--repeat 3]
    .venv/bin/python bench/audit_chain.py --database-url postgres://postgres@127.0.0.1/bangfu_bench

A fresh SQLite database in a temporary folder by default (its CPU time is the process's); with
``--database-url`` an empty PostgreSQL database (the server's CPU is not counted in the
process's CPU seconds: compare wall clocks there). Only the tables involved are created
(content types, users, auditlog's entries, the seals and prunings), not the whole schema.
Figures are medians.
"""

import argparse
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bangfu.settings",
            BANGFU_VAR_DIR=workdir,
            DATABASE_URL=args.database_url or f"sqlite:///{workdir}/bench.sqlite3",
        )
        os.environ.pop("BANGFU_MODE", None)
        import django

        django.setup()
        _tables()
        figures = _measure(args.rows, args.repeat)
    print(f"rows: {args.rows:,}; load average {load_start[0]:.1f} → {os.getloadavg()[0]:.1f}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:<32} {wall:7.3f} s wall  {cpu:7.3f} s CPU")


def _measure(rows: int, repeat: int) -> dict[str, tuple[float, float]]:
    from unittest import mock

    from django.db import transaction

    from bangfu.core import audit
    from bangfu.core.audit_chain import seal_pending, verify

    objects = _objects(rows)
    times: dict[str, list[tuple[float, float]]] = {"without sealing": [], "with sealing": []}

    def run(sealing: bool) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        hook = audit.seal_on_commit if sealing else _no
        with mock.patch.object(audit, "seal_on_commit", hook), transaction.atomic():
            audit.log_created(objects, actor=None, additional_data={"bench": True})
        return time.perf_counter() - wall, time.process_time() - cpu

    run(sealing=True)  # warm-up: content types, statement caches
    for _ in range(repeat):
        times["without sealing"].append(run(sealing=False))
        seal_pending()  # what the periodic task would do; not timed
        times["with sealing"].append(run(sealing=True))
    figures = {name: _median(pairs) for name, pairs in times.items()}
    figures["extra for sealing"] = tuple(
        a - b for a, b in zip(figures["with sealing"], figures["without sealing"], strict=True)
    )
    wall, cpu = time.perf_counter(), time.process_time()
    report = verify()
    assert report.ok and not report.unsealed, report
    figures[f"verify ({report.checked:,} seals)"] = (
        time.perf_counter() - wall,
        time.process_time() - cpu,
    )
    return figures


def _tables() -> None:
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from bangfu.core.models import AuditChainHead, AuditPruning, AuditSeal

    tables = (ContentType, Permission, Group, get_user_model(), LogEntry, AuditPruning, AuditSeal)
    tables += (AuditChainHead,)
    with connection.schema_editor() as editor:
        for model in tables:
            editor.create_model(model)


def _objects(rows: int) -> list:
    """Rows to audit: users in memory only (``log_created`` reads their pk and str)."""
    from django.contrib.auth import get_user_model

    user = get_user_model()
    return [user(pk=pk, username=f"bench{pk}") for pk in range(1, rows + 1)]


def _no(entries) -> None:
    return None


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


if __name__ == "__main__":
    main()
