"""Searching the registry by ID number or phone number leaves neither in the server's logs.

A real gunicorn, started with the project's gunicorn.conf.py, serves the test database; a
clerk logs in and searches through the household list's own search form (whatever its method),
and everything gunicorn and Django wrote to stdout and stderr is read afterwards.
"""

import io
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection

from tests.factories import HouseholdFactory, make_id_number

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13912345678"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def committed_db(committed):
    """Rows another process can read; the migrations' data restored first, flushed after."""


class _Forms(HTMLParser):
    """The forms of a page: method, action and the values of their inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({**attrs, "inputs": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""


class Browser:
    """A cookie-keeping client that submits a page's forms the way the page says to."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def submit(self, page_path: str, form_attr: tuple[str, str], **values) -> tuple[str, str]:
        _url, page = self.get(page_path)
        parser = _Forms()
        parser.feed(page)
        matching = [f for f in parser.forms if f.get(form_attr[0]) == form_attr[1]]
        assert matching, f"no form with {form_attr} at {_url}:\n{page[:3000]}"
        form = matching[0]
        data = urllib.parse.urlencode({**form["inputs"], **values})
        action = self.base + (form.get("action") or page_path)
        if form.get("method", "get").lower() == "post":
            request = urllib.request.Request(action, data=data.encode(), method="POST")
        else:
            request = urllib.request.Request(f"{action}?{data}")
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    """A URL of the test database that another process can open."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user, password = settings["USER"], settings["PASSWORD"]
        credentials = f"{user}:{password}@" if password else f"{user}@"
        return f"postgres://{credentials}{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    # pytest-django's SQLite database lives in this process's memory: copy it into a file.
    path = tmp_path / "served.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    return f"sqlite:///{path}"


class Server:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    def stop(self) -> str:
        """Stop the server (which flushes its logs) and return everything it wrote."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        return self.log.read_text()


@pytest.fixture
def gunicorn(committed_db, tmp_path, searched_household, bureau_staff):
    """gunicorn on a free loopback port, configured as the web container runs it."""
    # The server runs with the project's hashers, not the suite's fast one.
    hasher = PBKDF2PasswordHasher()
    bureau_staff.password = hasher.encode(PASSWORD, hasher.salt())
    bureau_staff.save(update_fields=["password"])
    port, log = _free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": _database_url(tmp_path)}
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "bangfu.wsgi:application"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{server.stop()}")
                time.sleep(0.2)
        yield server
    finally:
        server.stop()


@pytest.fixture
def searched_household(committed_db, county_a, bureau_staff, household_a):
    """Household 530428-0001 with a phone number, and a neighbour the searches must not find.

    Everything the server needs is made before it starts (it reads a copy of an SQLite db)."""
    _county, _town, village = county_a
    household_a.phone = PHONE
    household_a.save()
    HouseholdFactory(region=village, registry_number="530428-0002", phone="13700000000")
    return household_a


def test_searches_by_id_number_or_phone_leave_no_trace_in_the_server_logs(
    gunicorn, bureau_staff, searched_household
):
    id_number = searched_household.members.get().id_number
    browser = Browser(gunicorn.url)
    login = {"username": bureau_staff.username, "password": PASSWORD}
    logged_in, _page = browser.submit("/accounts/login/", ("action", "/accounts/login/"), **login)
    assert "/accounts/login/" not in logged_in

    typed = [id_number, PHONE, "139 1234-5678", "+86 139 1234 5678"]
    pages = [browser.submit("/staff/", ("role", "search"), q=query) for query in typed]
    # a link someone typed with the number in it: the log format leaves query strings out
    browser.get(f"/staff/households/export/?q={id_number}&phone={PHONE}")
    written = gunicorn.stop()

    # the probe reached the search: each query found the household, and only it
    for final_url, body in pages:
        assert final_url.startswith(gunicorn.url + "/staff/")
        assert "530428-0001" in body and "530428-0002" not in body
    # the log does record the requests, by their paths
    searched = urllib.parse.urlsplit(pages[0][0]).path  # the search form's own page
    assert f'"POST {searched} HTTP/1.1" 302' in written
    assert f'"GET {searched} HTTP/1.1" 200' in written
    assert '"GET /accounts/login/ HTTP/1.1" 200' in written
    # and no identifier, however it was written, is in the log or in a URL the search visited
    for secret in [*typed, "1234-5678", "1234 5678", id_number[6:14]]:
        for form in {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}:
            assert form not in written
            assert all(form not in final_url for final_url, _body in pages)
    assert '"GET /staff/households/export/ HTTP/1.1" 200' in written  # the typed link, bare


def test_runserver_logs_its_request_lines_without_the_query_string():
    """``manage.py runserver`` (``make demo``) logs through Django's django.server logger."""
    number = make_id_number(seq=7)
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # what runserver logs with
    handler.request, handler.requestline = None, f"GET /staff/?q={number}&tier=dibao HTTP/1.1"
    # the handler settings.LOGGING gives it (pytest adds its own capturing ones beside it)
    (output,) = [h for h in logging.getLogger("django.server").handlers if h.filters]
    written = io.StringIO()
    previous = output.setStream(written)
    try:
        handler.log_request(200, 5120)
    finally:
        output.setStream(previous)

    assert '"GET /staff/ HTTP/1.1" 200 5120' in written.getvalue()
    assert number not in written.getvalue() and "tier=" not in written.getvalue()
