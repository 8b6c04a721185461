"""Benchmark of staff people search on PostgreSQL at 3,000 and 100,000 households.

    .venv/bin/python bench/search.py [--database-url postgres://postgres@127.0.0.1:5432/bangfu_bench_search]
                                     [--sizes 3000 100000] [--repeat 15]

Drops and creates the database named in the URL, migrates it (trigram indexes included), and
fills one county (元江县 as ``ledger_import.py`` builds it: 10 townships, 120 villages) with the
synthetic ledger's households, about 2.9 members each, through the bulk path (``bulk_create``,
as the ledger import writes: the search keys are computed as rows are inserted). At each size it
times typical searches of the county's bureau staff, whose scope holds every household: the
function (``search_households``, limit 20) and the picker's endpoint (a posted request through
the whole middleware stack, rendering included). Figures are medians and maxima of ``--repeat``
runs after two untimed ones, in milliseconds; the function's time is also split into this
process's CPU time and the time waiting for the database, and "executed" sums PostgreSQL's own
execution time of the search's queries (EXPLAIN ANALYZE): a loaded machine inflates these less.
"""

import argparse
import json
import os
import random
import statistics
import time
from urllib.parse import urlsplit, urlunsplit

from ledger_data import SEED, make_county, make_ledger

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bangfu_bench_search"
BATCH = 2000
TIERS = {"低保": "dibao", "低保边缘": "marginal", "特困": "tekun", "支出型困难": "expenditure"}
RELATIONS = {"户主": "head", "配偶": "spouse", "子女": "child", "父母": "parent"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 100_000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    _fresh_database(args.database_url)
    os.environ.update(DJANGO_SETTINGS_MODULE="bangfu.settings", DATABASE_URL=args.database_url)
    os.environ.pop("BANGFU_MODE", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host name in
    call_command("migrate", verbosity=0)
    villages = make_county()
    rows = make_ledger(random.Random(SEED), villages, max(args.sizes))
    built = 0
    for size in sorted(args.sizes):
        started = time.perf_counter()
        built = _build(rows, villages, built, size)
        print(f"\n{size:,} households built in {time.perf_counter() - started:.1f} s")
        _measure(rows, size, args.repeat)


def _fresh_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _build(rows: list[dict], villages: list[str], done: int, size: int) -> int:
    """Households ``done + 1`` to ``size`` of the ledger, bulk-created."""
    from django.db import connection

    from bangfu.core import crypto
    from bangfu.core.id_numbers import parse_id_number
    from bangfu.regions.models import Region
    from bangfu.registry.models import Household, Member

    region_ids = dict(Region.objects.filter(code__in=villages).values_list("code", "pk"))
    by_number: dict[str, list[dict]] = {}
    for row in rows:
        by_number.setdefault(row["户编号"], []).append(row)
    numbers = [f"530428-{number:05d}" for number in range(done + 1, size + 1)]
    for start in range(0, len(numbers), BATCH):
        members = [row for number in numbers[start : start + BATCH] for row in by_number[number]]
        households, seen = [], {}
        for row in members:
            if row["户编号"] not in seen:
                seen[row["户编号"]] = Household(
                    registry_number=row["户编号"],
                    region_id=region_ids[row["村(社区)代码"]],
                    address=row["家庭住址"],
                    phone=row["联系电话"],
                    tier=TIERS.get(row["救助类别"], "none"),
                    enrolled_on=row["纳入日期"],
                    next_review_due=row["下次复核日期"],
                )
                households.append(seen[row["户编号"]])
        Household.objects.bulk_create(households)
        objects = []
        for row in members:
            facts = parse_id_number(row["身份证号"])
            objects.append(
                Member(
                    household=seen[row["户编号"]],
                    name=row["姓名"],
                    id_number=facts.number,
                    id_number_hash=crypto.lookup_hash(facts.number),
                    birth_date=facts.birth_date,
                    sex=facts.sex,
                    relation=RELATIONS[row["与户主关系"]],
                )
            )
        Member.objects.bulk_create(objects)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return size


def _queries(rows: list[dict], size: int) -> list[tuple[str, str]]:
    """Typical searches, for people of the households built (picked by seed)."""
    from bangfu.registry.search_keys import name_initials, name_pinyin

    rng = random.Random(SEED + size)
    built = [row for row in rows if int(row["户编号"].split("-")[1]) <= size]
    person = rng.choice([row for row in built if len(row["姓名"]) == 3])
    other = rng.choice(built)
    name = person["姓名"]
    return [
        ("surname only (1 character)", name[0]),
        ("part of a name (2 characters)", name[:2]),
        ("given name (end of a name)", name[1:]),
        ("whole name", name),
        ("pinyin initials", name_initials(name)),
        ("full pinyin", name_pinyin(name)),
        ("start of a pinyin", name_pinyin(name)[:5]),
        ("ID number, last 4", other["身份证号"][-4:]),
        ("ID number, last 6", other["身份证号"][-6:]),
        ("whole ID number", other["身份证号"]),
        ("phone", other["联系电话"]),
        ("registry number", other["户编号"]),
        ("address words", other["家庭住址"]),
        ("nothing found", "龘龘"),
    ]


def _measure(rows: list[dict], size: int, repeat: int) -> None:
    """Wall time, and its two parts that a loaded machine inflates less: this process's CPU
    time (Python: the search's own code, the request's middleware and rendering) and the time
    spent waiting for PostgreSQL's answers."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bangfu.registry.search import search_households

    user = get_user_model().objects.get(username="bench_bureau")
    client = Client()
    client.force_login(user)
    url = reverse("registry:search-suggest")
    waited = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    def once(call) -> tuple[float, float, float]:
        waited[0] = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall * 1000, cpu * 1000, waited[0] * 1000

    print(f"load average {os.getloadavg()[0]:.1f}; milliseconds, median (max) of {repeat} runs")
    print(
        f"{'query':30} {'hits':>4}  {'function: wall  python  database':>34}  endpoint: wall"
        "  executed"
    )
    for label, query in _queries(rows, size):
        function, endpoint, found = [], [], []

        def search(query=query, found=found):
            user._bangfu_scope = None  # each search computes its scope again, as a request does
            found[:] = search_households(user, query)

        def request(query=query):
            response = client.post(url, {"q": query, "field_name": "household"})
            assert response.status_code == 200, response.status_code

        for attempt in range(repeat + 2):
            figures, wall = once(search), once(request)[0]
            if attempt >= 2:
                function.append(figures)
                endpoint.append(wall)
        wall, cpu, database = (statistics.median(part) for part in zip(*function, strict=True))
        print(
            f"{label:30} {len(found):>4}  {wall:>12.1f} ({max(f[0] for f in function):>5.0f})"
            f" {cpu:>6.1f} {database:>9.1f}  {statistics.median(endpoint):>8.1f}"
            f" ({max(endpoint):>4.0f})  {_executed(search):>8.2f}"
        )


def _executed(search) -> float:
    """PostgreSQL's own execution time of the search's queries (EXPLAIN ANALYZE), summed: what
    the indexes cost, apart from round trips and a busy machine's waiting."""
    from django.db import connection

    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search()
    total = 0.0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += plan[0]["Execution Time"]
    return total


if __name__ == "__main__":
    main()
