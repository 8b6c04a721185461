"""Benchmark of the ledger (台账) import and export.

    .venv/bin/python bench/ledger_import.py [--households 10000] [--database-url URL]

Builds a small county (元江县: 10 townships, 120 villages) in a fresh database, generates a
deterministic ledger of 10,000 households (about 29,500 members with valid ID numbers), and
measures, each phase in its own process so that peak memory is the phase's own:

- validation only (dry run) of the .xlsx, and of the same ledger as GB18030 .csv;
- the same file with 1% bad rows: every bad row must be reported and nothing written;
- the full import of the .xlsx (it must create every household and member);
- the export of all households back to .xlsx.

Without ``--database-url`` the database is SQLite in a temporary directory. With
``--database-url postgres://user@host:5432/anydb`` a fresh database ``bangfu_bench_<pid>`` is
created on that server and dropped at the end.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20240301
COUNTY = ("530428", "元江哈尼族彝族傣族自治县")
TOWNSHIPS = [
    ("001", "澧江街道"),
    ("002", "红河街道"),
    ("003", "甘庄街道"),
    ("101", "曼来镇"),
    ("102", "因远镇"),
    ("201", "羊街乡"),
    ("202", "那诺乡"),
    ("203", "洼垤乡"),
    ("204", "咪哩乡"),
    ("205", "龙潭乡"),
]
VILLAGE_SYLLABLES = "安宝昌大东丰福岗和红华江金康朗龙曼南平清仁三山石水太天田新阳沿因玉园"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
    "冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈白普"
)
GIVEN = "明华国建文军平志伟芳秀英兰玉珍桂凤丽红春海金成强德光福荣顺永祥贵忠学云霞娟梅琼"
TIERS = [("低保", 55), ("低保边缘", 20), ("特困", 8), ("支出型困难", 7), ("临时救助", 5), ("无", 5)]
DISABILITIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
PHASES = ["validate", "validate-csv", "refuse", "import", "export"]
BAD_SHARE = 0.01


# --- the parent: a fresh database, the phases in child processes, the table -------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL server to benchmark on (optional)")
    parser.add_argument("--phase", choices=["setup", *PHASES], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _child(args.phase, Path(args.workdir), args.households)
        return

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bangfu.settings", BANGFU_VAR_DIR=workdir)
        env.pop("BANGFU_MODE", None)
        dropdb = None
        if args.database_url:
            env["DATABASE_URL"], dropdb = _fresh_postgres(args.database_url)
        else:
            env["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
        try:
            results = [_run("setup", workdir, env, args.households)]
            results += [_run(phase, workdir, env, args.households) for phase in PHASES]
        finally:
            if dropdb:
                dropdb()
    _print(results, engine="PostgreSQL" if args.database_url else "SQLite")


def _run(phase: str, workdir: str, env: dict, households: int) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--workdir", workdir]
    command += ["--households", str(households)]
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


def _print(results: list[dict], *, engine: str) -> None:
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


# --- the children: one phase each -------------------------------------------------------------


def _child(phase: str, workdir: Path, households: int) -> None:
    import django

    django.setup()
    if phase == "setup":
        print(json.dumps(_setup(workdir, households)))
        return
    from django.contrib.auth import get_user_model

    from bangfu.registry.ledger import export_households, import_ledger
    from bangfu.registry.models import Household, Member

    user = get_user_model().objects.get(username="bench_bureau")
    base_mb = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    if phase == "export":
        content = export_households(Household.objects.for_user(user), reveal_identity=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rows = Member.objects.count()
        result = f"{len(content) / 1e6:.1f} MB .xlsx"
        label = "export .xlsx (revealed)"
    else:
        name = {"validate-csv": "ledger.csv", "refuse": "ledger-bad.xlsx"}.get(phase, "ledger.xlsx")
        with (workdir / name).open("rb") as fileobj:
            report = import_ledger(fileobj, filename=name, by=user, dry_run=phase.startswith("v"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rows = report.rows
        label, result = _check(phase, report, workdir, Household, Member)
    print(
        json.dumps(
            {
                "label": label,
                "rows": rows,
                "seconds": seconds,
                "cpu": cpu,
                "base_mb": base_mb,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "result": result,
            }
        )
    )


def _check(phase, report, workdir, Household, Member) -> tuple[str, str]:
    """Fail loudly if a phase did not do what it must."""
    stored = (Household.objects.count(), Member.objects.count())
    if phase == "refuse":
        bad_rows = set(json.loads((workdir / "bad-rows.json").read_text()))
        reported = {error.row for error in report.errors}
        assert reported == bad_rows, (len(reported), len(bad_rows), sorted(reported ^ bad_rows)[:5])
        assert stored == (0, 0), stored
        return "refuse 1% bad rows .xlsx", f"{len(report.errors)} errors, nothing written"
    assert report.ok, report.errors[:5]
    if phase == "import":
        assert stored == (report.households_created, report.members_created), stored
        return "full import .xlsx", f"{stored[0]:,} households, {stored[1]:,} members written"
    label = "validate .xlsx (dry run)" if phase == "validate" else "validate .csv GB18030 (dry run)"
    return label, f"ok, {report.households_created:,} households would be added"


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- the county and the ledger ----------------------------------------------------------------


def _setup(workdir: Path, households: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    villages = _county()
    rows = _ledger(random.Random(SEED), villages, households)
    bad, bad_rows = _spoil(random.Random(SEED + 1), rows, villages)
    _write_xlsx(workdir / "ledger.xlsx", rows)
    _write_xlsx(workdir / "ledger-bad.xlsx", bad)
    _write_csv(workdir / "ledger.csv", rows)
    (workdir / "bad-rows.json").write_text(json.dumps(sorted(bad_rows)))
    return {
        "households": households,
        "rows": len(rows),
        "bad_rows": len(bad_rows),
        "xlsx_mb": (workdir / "ledger.xlsx").stat().st_size / 1e6,
    }


def _county() -> list[str]:
    from bangfu.accounts.models import Membership, Organisation, User
    from bangfu.regions.models import Region

    level = Region.Level
    province = Region.objects.create(code="53", name="云南省", level=level.PROVINCE)
    city = Region.objects.create(code="5304", name="玉溪市", level=level.CITY, parent=province)
    county = Region.objects.create(code=COUNTY[0], name=COUNTY[1], level=level.COUNTY, parent=city)
    names = random.Random(SEED)
    villages = []
    for code, name in TOWNSHIPS:
        town = Region.objects.create(
            code=county.code + code, name=name, level=level.TOWNSHIP, parent=county
        )
        for number in range(12):
            urban = code.startswith("0") and number < 4
            suffix = f"{number + 1:03d}" if urban else f"{number + 201:03d}"
            village = Region.objects.create(
                code=town.code + suffix,
                name="".join(names.sample(VILLAGE_SYLLABLES, 2)) + ("社区" if urban else "村"),
                level=level.VILLAGE,
                parent=town,
            )
            villages.append(village.code)
    bureau = Organisation.objects.create(
        kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county
    )
    user = User.objects.create_user("bench_bureau", password=None)
    Membership.objects.create(user=user, organisation=bureau, role=Membership.Role.BUREAU_STAFF)
    return villages


def _ledger(rng: random.Random, villages: list[str], households: int) -> list[dict]:
    from bangfu.core.id_numbers import check_character

    used: set[str] = set()

    def id_number(age: int, male: bool) -> str:
        while True:
            birth = dt.date(2024 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            sequence = rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{COUNTY[0]}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in used:
                used.add(first17)
                return first17 + check_character(first17)

    def name(surname: str | None = None) -> str:
        given = "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        return (surname or rng.choice(SURNAMES)) + given

    rows = []
    tiers, weights = zip(*TIERS, strict=True)
    for number in range(1, households + 1):
        village = rng.choice(villages)
        household = {
            "户编号": f"{village[:9]}-{number:05d}",
            "村(社区)代码": village,
            "家庭住址": f"{rng.randrange(1, 12)}组{rng.randrange(1, 80)}号",
            "联系电话": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            "救助类别": rng.choices(tiers, weights)[0],
            "纳入日期": dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            "下次复核日期": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)),
        }
        size = rng.choices((1, 2, 3, 4, 5), (15, 25, 25, 20, 15))[0]
        head_male = rng.random() < 0.7
        head_age = rng.randrange(28, 88)
        surname = rng.choice(SURNAMES)
        people = [("户主", head_age, head_male, surname)]
        if size >= 2:
            people.append(("配偶", head_age + rng.randrange(-5, 6), not head_male, None))
        for _ in range(max(0, size - len(people) - (1 if size == 5 else 0))):
            people.append(
                ("子女", max(0, head_age - rng.randrange(20, 35)), rng.random() < 0.5, surname)
            )
        if size == 5:
            people.append(("父母", min(99, head_age + rng.randrange(22, 30)), False, None))
        for relation, age, male, family_name in people:
            disabled = rng.random() < 0.08
            income = (
                "0"
                if age < 18 or age > 70
                else f"{rng.randrange(0, 2500)}.{rng.randrange(100):02d}"
            )
            rows.append(
                {
                    **household,
                    "姓名": name(family_name),
                    "身份证号": id_number(age, male),
                    "与户主关系": relation,
                    "残疾类别": rng.choice(DISABILITIES) if disabled else "无",
                    "残疾等级": f"{'一二三四'[rng.randrange(4)]}级" if disabled else None,
                    "疾病情况": rng.choices(("无", "慢性病", "重病"), (80, 15, 5))[0],
                    "疾病说明": "",
                    "照料等级": rng.choices(("自理", "半护理", "全护理"), (85, 10, 5))[0],
                    "劳动能力": rng.choice(("有劳动能力", "部分丧失劳动能力", "无劳动能力")),
                    "月收入(元)": income,
                    "收入不稳定": rng.choice("是否"),
                    "孤儿": "否",
                    "事实无人抚养儿童": "否",
                    "革命五老": "是" if age > 90 and rng.random() < 0.2 else "否",
                }
            )
    return rows


def _spoil(rng: random.Random, rows: list[dict], villages: list[str]):
    """A copy with 1% of rows made wrong in ways that each give exactly one error on that row."""
    bad = [dict(row) for row in rows]
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["户编号"]] = sizes.get(row["户编号"], 0) + 1
    spoiled: set[int] = set()
    indexes = sorted(rng.sample(range(1, len(rows)), int(len(rows) * BAD_SHARE)))
    for kind, index in enumerate(indexes):
        row = bad[index]
        head = row["与户主关系"] == "户主"
        match kind % 10:
            case 0:
                digit = row["身份证号"][-1]
                row["身份证号"] = row["身份证号"][:-1] + ("0" if digit != "0" else "1")
            case 1:
                row["月收入(元)"] = "-100"
            case 2:
                row["月收入(元)"] = "一千"
            case 3:
                row["救助类别"] = "五保"
            case 4:
                row["残疾类别"], row["残疾等级"] = "无", "二级"
            case 5:
                row["纳入日期"] = "去年"
            case 6 if sizes[row["户编号"]] == 1:
                row["村(社区)代码"] = villages[0][:-3] + "999"
            case 7 if not head:
                row["与户主关系"] = "邻居"
            case 8:
                row["姓名"] = ""
            case _ if index - 1 not in spoiled:
                row["身份证号"] = bad[index - 1]["身份证号"]  # the person of the row above
            case _:
                row["月收入(元)"] = "-1"
        spoiled.add(index)
    return bad, {index + 2 for index in spoiled}  # as Excel numbers rows: the header is row 1
    return bad, spoiled


def _write_xlsx(path: Path, rows: list[dict]) -> None:
    from openpyxl import Workbook

    from bangfu.registry.ledger import LEDGER_COLUMNS

    headers = [column.header for column in LEDGER_COLUMNS]
    # A workbook as Excel or WPS saves it: shared strings and the sheet's size up front (a
    # streamed write-only workbook has neither, and reads about 30% slower).
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    workbook.save(path)


def _write_csv(path: Path, rows: list[dict]) -> None:
    from bangfu.registry.ledger import LEDGER_COLUMNS

    headers = [column.header for column in LEDGER_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else str(row[h]) for h in headers])
    path.write_bytes(buffer.getvalue().encode("gb18030"))


if __name__ == "__main__":
    main()
