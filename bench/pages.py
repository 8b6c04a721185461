"""Benchmark of the staff and public pages at province scale (issue 17), run by hand.

    .venv/bin/python -m bench.pages --size 3k|100k|1m [--requests 30] [--seconds 60]
        [--clients 50] [--database-url URL] [--checkout PATH] [--port PORT] [--json]
        [--build-only]

1. **Registry**: builds the province of ``--size`` (``bench/pages_data.py``) in a PostgreSQL
   database of its own, ``bench_pages_<size>`` unless ``--database-url`` says otherwise: created
   and migrated when absent, reused (and completed) when present, then analysed (``ANALYZE``:
   this VM's PostgreSQL runs without autovacuum). The build time is printed.
2. **Server**: gunicorn as in production (``gunicorn.conf.py``, 3 workers, ``BANGFU_MODE=
   production``, cache and broker on Redis db 9, collected static files) on 127.0.0.1. With
   ``--checkout PATH`` the server runs another checkout's code (e.g. a ``git worktree`` of an
   older commit) against the same database: compare commits with the same migrations, or migrate
   the database to the older commit's state first. The registry is always built by this
   checkout's code.
3. **Measure**: each role logs in (village-scoped assistant, county bureau, province bureau,
   station); every page of the daily mix is requested ``--requests`` times by one client
   (round-robin over the pages, so load drifts hit all alike), then ``--clients`` threads cycle
   the mix for ``--seconds``. The floor page, a 404 through the whole middleware stack, is
   measured alongside; each page's p50 is also given as a multiple of the anonymous visitor's
   floor. Each staff role's own 404 is measured too: the staff layout, session, user and
   memberships alone, which every page of that role pays.

Times are wall-clock at the client on the same machine, so they include the client's own work
(small beside the server's). Load averages at start and end are printed: the machine is shared.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from bs4 import BeautifulSoup

from bench.pages_data import PROVINCE_LOGIN, build_registry, database_url_of

HERE = Path(__file__).resolve().parents[1]
REDIS_DB = "redis://127.0.0.1:6379/9"
FLOOR_PATH = "/bench-floor/no-such-page/"
LOGIN_PATH = "/accounts/login/"
SEARCH_QUERY = "杨"
# The roles' log-ins: the demo's (a four-village assistant, county bureau, station) and the
# province bureau's that ``pages_data`` adds.
ROLES = dict(
    [
        ("assistant", "Yinyuan-assistant-2026"),
        ("bureau", "Yuanjiang-bureau-2026"),
        PROVINCE_LOGIN,
        ("station", "Yinyuan-station-2026"),
    ]
)


@dataclass(frozen=True)
class Page:
    """One page of a role's daily mix; ``path`` may be resolved from another page's links."""

    name: str
    role: str  # "" for an anonymous visitor
    path: str
    method: str = "GET"
    form: dict = field(default_factory=dict)  # posted with the page's CSRF token


@dataclass
class Sample:
    page: Page
    seconds: list = field(default_factory=list)
    size: int = 0
    statuses: set = field(default_factory=set)


def staff_mix() -> list[Page]:
    """The pages each role opens in a day; ``{…}`` paths are resolved by ``resolve_pages``."""
    pages = []
    for role in ("assistant", "bureau", "province"):
        pages += [
            Page("household list", role, "/staff/"),
            Page("household list p7", role, "{page7}"),
            Page("household detail", role, "{detail}"),
            Page("household search", role, "/staff/search/", "POST", {"q": SEARCH_QUERY}),
            Page("warnings", role, "/staff/discovery/warnings/"),
            Page("start page", role, "/staff/start/"),
            Page("floor (404)", role, FLOOR_PATH),
        ]
    for role in ("bureau", "province"):
        pages += [
            Page("intake desk form", role, "/staff/referrals/intake/new/"),
            Page("referral desk", role, "/staff/referrals/"),
            Page("referral dashboard", role, "/staff/referrals/dashboard/"),
            Page("discovery dashboard", role, "/staff/discovery/"),
        ]
    pages += [
        Page("portal inbox", "station", "/portal/"),
        Page("start page", "station", "/staff/start/"),
        Page("floor (404)", "station", FLOOR_PATH),
        Page("public home", "", "/"),
        Page("project notice", "", "{project}"),
        Page("HSDS services", "", "/api/v1/hsds/services"),
        Page("floor (404)", "", FLOOR_PATH),
    ]
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("3k", "100k", "1m"), default="3k")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--checkout", type=Path, default=HERE)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build the registry, no server")
    args = parser.parse_args()
    database_url = args.database_url or database_url_of(args.size)
    figures = {
        "size": args.size,
        "checkout": str(args.checkout),
        "commit": _commit(args.checkout),
        "loadavg_start": os.getloadavg(),
    }
    figures.update(build_registry(args.size, database_url))
    analyze()
    refresh_tallies()
    if args.build_only:
        return
    env = server_env(database_url)
    server = start_server(args.checkout, env, args.port or _free_port())
    try:
        base = f"http://127.0.0.1:{server.port}"
        sessions = login_roles(base)
        pages = resolve_pages(base, sessions, staff_mix())
        single = measure_single(base, sessions, pages, args.requests)
        concurrent = measure_concurrent(base, sessions, pages, args.clients, args.seconds)
    finally:
        server.stop()
    figures["loadavg_end"] = os.getloadavg()
    figures["pages"] = report(single, concurrent)
    figures["concurrent"] = {k: v for k, v in concurrent.items() if k != "p95_ms_by_page"}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))


def analyze() -> None:
    """Planner statistics for the whole database, as autovacuum keeps them in production. A
    server with autovacuum off (this VM's) plans a freshly built or copied registry from default
    estimates, and its plans can be a hundred times slower: the household list's open-need
    counts read every open need's index entry once per row shown (190 ms, 0.6 ms analysed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def refresh_tallies() -> None:
    """The region tallies' refresh, as beat runs it every ten minutes in production: the
    dashboards read them while they are under an hour old, and count live otherwise (a
    registry built more than an hour ago would be measured counting live)."""
    from django.core.management import call_command

    call_command("refresh_tallies")


# --- the server ----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        """The whole process group: the arbiter and its workers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def server_env(database_url: str) -> dict:
    """Production's variables (as tests/test_settings.py sets them), with the field cipher's key
    and lookup-hash key the registry was built with, and no second factor (the bench logs in
    with passwords)."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        BANGFU_MODE="production",
        SECRET_KEY="bench-pages-" + "s" * 50,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=REDIS_DB,
        CACHE_URL=REDIS_DB,
        FIELD_CIPHER=settings.FIELD_CIPHER,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        LOOKUP_HASH_KEY=settings.LOOKUP_HASH_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SMS_BACKEND="bangfu.core.sms.ConsoleBackend",
        SECURE_SSL_REDIRECT="false",
        TWO_FACTOR_ENFORCED="false",
        DJANGO_SETTINGS_MODULE="bangfu.settings",
    )
    return env


def start_server(checkout: Path, env: dict, port: int) -> Server:
    checkout = checkout.resolve()
    python_path = f"{checkout / 'platform'},{checkout}"
    env = {**env, "PYTHONPATH": python_path.replace(",", os.pathsep)}
    venv = HERE / ".venv" / "bin"
    subprocess.run(
        [venv / "python", "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=checkout,
        env=env,
        check=True,
    )
    log = Path(f"/tmp/bench-pages-gunicorn-{port}.log")
    command = [
        venv / "gunicorn", "--config", "gunicorn.conf.py", "--workers", "3",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--pythonpath", python_path,
        "bangfu.wsgi:application",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=checkout, env=env, stdout=output, stderr=output, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_up(server: Server) -> None:
    """Workers import the whole project: on a busy machine that takes a minute."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: see {server.log}")
        try:
            requests.get(f"http://127.0.0.1:{server.port}{FLOOR_PATH}", timeout=60)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(1)
    raise RuntimeError(f"gunicorn did not answer in 300 s: see {server.log}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the clients ---------------------------------------------------------------------------------


class _PlainHttpCookies(http.cookiejar.DefaultCookiePolicy):
    """Production marks its cookies Secure; the bench talks plain HTTP to 127.0.0.1."""

    def set_ok(self, cookie, request) -> bool:
        cookie.secure = False  # requests copies the jar per request: stored plain, sent plain
        return super().set_ok(cookie, request)


def _session(cookies=None) -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(_PlainHttpCookies())
    if cookies is not None:
        session.cookies.update(cookies)
    return session


def _request(session: requests.Session, base: str, page: Page, token: str):
    """The page, and the pages it redirects to (followed here: see ``_PlainHttpCookies``)."""
    if page.method == "POST":
        data = {**page.form, "csrfmiddlewaretoken": token}
        response = session.post(base + page.path, data=data, allow_redirects=False)
    else:
        response = session.get(base + page.path, allow_redirects=False)
    while response.is_redirect:
        location = requests.compat.urljoin(response.url, response.headers["Location"])
        response = session.get(location, allow_redirects=False)
    return response


def _csrf(html: str, form_with: str) -> str:
    """The CSRF token of the first form with a field named ``form_with``."""
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        if form.find(attrs={"name": form_with}):
            return form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    raise LookupError(f"no form with a field {form_with!r}")


def login_roles(base: str) -> dict[str, requests.Session]:
    sessions = {"": _session()}
    for role, password in ROLES.items():
        session = _session()
        page = session.get(base + LOGIN_PATH)
        # The login page's first form is the language switch: take the one with a password.
        token = _csrf(page.text, "password")
        login = Page("login", role, LOGIN_PATH, "POST", {"username": role, "password": password})
        response = _request(session, base, login, token)
        if LOGIN_PATH in response.url:
            raise RuntimeError(f"{role} could not log in ({response.status_code})")
        sessions[role] = session
    return sessions


def resolve_pages(base: str, sessions: dict, pages: list[Page]) -> list[Page]:
    """Concrete paths: page 7 by following the list's own "next" links, the first household
    of the list, the newest project notice. Pages a role cannot reach are left out (said so)."""
    links: dict[tuple[str, str], str] = {}
    for role in {page.role for page in pages if page.role}:
        session = sessions[role]
        html = session.get(base + "/staff/").text
        detail = re.search(r'href="(/staff/households/\d+/)"', html)
        if detail:
            links[role, "{detail}"] = detail.group(1)
        for _page in range(6):
            soup = BeautifulSoup(html, "html.parser")
            following = soup.find("a", rel="next")
            if following is None:
                break
            url = requests.compat.urljoin(base + "/staff/", following["href"])
            html = session.get(url).text
        else:
            links[role, "{page7}"] = url.removeprefix(base)
    links["", "{project}"] = _project_notice()
    resolved = []
    for page in pages:
        if page.path.startswith("{"):
            path = links.get((page.role, page.path))
            if path is None:
                print(f"skipped: {page.name} for {page.role or 'public'} (not reachable)")
                continue
            page = Page(page.name, page.role, path, page.method, page.form)
        resolved.append(page)
    return resolved


def _project_notice() -> str | None:
    from cms.models import ProjectPage

    notice = ProjectPage.objects.live().order_by("-first_published_at").first()
    return notice.url if notice else None


def _tokens(base: str, sessions: dict, pages: list[Page]) -> dict[str, str]:
    """A CSRF token for each role that posts a form (the search page's own)."""
    tokens = {}
    for page in pages:
        if page.method == "POST" and page.role not in tokens:
            html = sessions[page.role].get(base + page.path).text
            tokens[page.role] = _csrf(html, next(iter(page.form)))
    return tokens


def measure_single(base: str, sessions: dict, pages: list[Page], repeats: int) -> list[Sample]:
    """One client: every page in turn, ``repeats`` rounds after one warm-up round."""
    tokens = _tokens(base, sessions, pages)
    samples = [Sample(page) for page in pages]
    for round_ in range(repeats + 1):
        for sample in samples:
            page = sample.page
            started = time.perf_counter()
            response = _request(sessions[page.role], base, page, tokens.get(page.role, ""))
            elapsed = time.perf_counter() - started
            sample.statuses.add(response.status_code)
            sample.size = len(response.content)
            if round_:
                sample.seconds.append(elapsed)
    return samples


def measure_concurrent(base, sessions, pages, clients: int, seconds: int) -> dict:
    """``clients`` threads, each with its own cookies (copied from its role's log-in), cycle
    the whole mix in their own shuffled order for ``seconds``."""
    tokens = _tokens(base, sessions, pages)
    timings: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        own = {role: _session(session.cookies) for role, session in sessions.items()}
        order = list(pages)
        random.Random(number).shuffle(order)
        done = []
        while time.monotonic() < stop_at:
            for page in order:
                if time.monotonic() >= stop_at:
                    break
                started = time.perf_counter()
                try:
                    status = _request(
                        own[page.role], base, page, tokens.get(page.role, "")
                    ).status_code
                except requests.RequestException:
                    status = 0
                done.append((f"{page.role}:{page.name}", time.perf_counter() - started, status))
        with lock:
            timings.extend(done)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    by_page: dict[str, list[float]] = {}
    for key, seconds_taken, _status in timings:
        by_page.setdefault(key, []).append(seconds_taken)
    errors = sum(1 for _key, _s, status in timings if not 200 <= status < 400)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(timings),
        "errors": errors
        - sum(1 for key, _s, s in timings if key.endswith("floor (404)") and s == 404),
        "throughput_rps": round(len(timings) / elapsed, 2),
        "p50_ms": _ms(_quantile([t for _k, t, _s in timings], 0.5)),
        "p95_ms": _ms(_quantile([t for _k, t, _s in timings], 0.95)),
        "p95_ms_by_page": {key: _ms(_quantile(v, 0.95)) for key, v in by_page.items()},
    }


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- the report ----------------------------------------------------------------------------------


def report(single: list[Sample], concurrent: dict) -> list[dict]:
    floor = next(s for s in single if s.page.path == FLOOR_PATH and not s.page.role)
    floor_p50 = statistics.median(floor.seconds)
    rows = []
    print(f"\n{'role':<10} {'page':<22} {'status':<8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'× floor':>8} {'KB':>7} {'p95 ms @' + str(concurrent['clients']):>10}")  # fmt: skip
    for sample in single:
        page = sample.page
        key = f"{page.role}:{page.name}"
        row = {
            "role": page.role or "public",
            "page": page.name,
            "path": page.path,
            "status": sorted(sample.statuses),
            "p50_ms": _ms(statistics.median(sample.seconds)),
            "p95_ms": _ms(_quantile(sample.seconds, 0.95)),
            "floor_ratio": round(statistics.median(sample.seconds) / floor_p50, 1),
            "kb": round(sample.size / 1024, 1),
            "concurrent_p95_ms": concurrent["p95_ms_by_page"].get(key),
        }
        rows.append(row)
        status = ",".join(map(str, row["status"]))
        print(f"{row['role']:<10} {page.name:<22} {status:<8} {row['p50_ms']:>8} "
              f"{row['p95_ms']:>8} {row['floor_ratio']:>8} {row['kb']:>7} "
              f"{row['concurrent_p95_ms'] or '':>10}")  # fmt: skip
    print(
        f"\n{concurrent['clients']} clients for {concurrent['seconds']} s: "
        f"{concurrent['requests']} requests, {concurrent['throughput_rps']} requests/s, "
        f"p50 {concurrent['p50_ms']} ms, p95 {concurrent['p95_ms']} ms, "
        f"{concurrent['errors']} errors"
    )
    return rows


def _commit(checkout: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=checkout, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("log", "-1", "--format=%h")
    if not commit:
        return "not a git checkout"
    return commit + (" (uncommitted changes)" if git("status", "--short") else "")


if __name__ == "__main__":
    sys.exit(main())
