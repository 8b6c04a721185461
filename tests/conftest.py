import fcntl

import pytest
from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from bangfu.accounts.models import Membership, Organisation
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)


def pytest_configure(config):
    """One fast password hasher for every test, set before any database or fixture exists.

    pytest-django has loaded the settings by now, and nothing has hashed a password yet, so
    users made by session and module fixtures (the demo's logins) get it too. Users by the
    dozen per test with the production hasher would take most of the suite's time.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The tests marked ``long`` go first, those in a rolled-back transaction before those that
    commit, each group in pytest-django's order: the short ones then fill in around them, and
    no worker is left running the long ones alone at the end while the other waits (in Django's
    order the migration tests and races, which commit, came last). With ``--maxschedchunk 1``
    (CI's PostgreSQL stage) pytest-xdist hands them out one by one, so the workers share them.
    Any order is safe: ``pytest_runtest_setup`` puts back the migrations' data a committing test
    flushed."""

    def place(item) -> int:
        if item.get_closest_marker("long") is None:
            return 2
        return 1 if _commits(item) else 0

    items.sort(key=place)


def _commits(item) -> bool:
    """Whether a test commits its rows: the database is flushed after it."""
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    return bool(marked) or not {"transactional_db", "live_server"}.isdisjoint(item.fixturenames)


_FLUSHED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that follows a committing one on the same worker finds the migrations' data
    (service categories, policy defaults, content types) as the migrations left them.

    Django flushes the database after a committing test, and a test in a rolled-back
    transaction after it would find those tables empty: Django's own order (rolled back, then
    committing, then none) avoids that, the ``long`` tests' order does not. So the first test
    to use the database after a flush gets the serialized copy back, committed, unless it
    restores it itself (``pristine_db``)."""
    stash = item.config.stash
    fixtures = set(item.fixturenames)
    uses_db = item.get_closest_marker("django_db") or not fixtures.isdisjoint(
        {"db", "transactional_db", "live_server"}
    )
    if stash.get(_FLUSHED, False) and uses_db and "pristine_db" not in fixtures:
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            with item.config.stash[blocking_manager_key].unblock():
                _flush_inhibiting_post_migrate()
                with disable_auditlog():  # the copy's rows were not written by anyone
                    connection.creation.deserialize_db_from_string(contents)
                _sequences_past_restored_rows()
        stash[_FLUSHED] = False
    if _commits(item):
        stash[_FLUSHED] = True


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable():
    """Django empties the tables between transactional tests with one TRUNCATE, which the audit
    tables' trigger refuses (core.0002_audit_chain): the flush's transaction lifts the guard, as
    ``audit_prune`` does, for itself alone."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_lifting_the_guard(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        lift = "SELECT set_config('bangfu.audit_prune', 'on', true)"
        return [lift, *statements] if statements else statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", flush_lifting_the_guard)
        yield


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts and ends in the site's language: a request activates its own language
    in the thread and leaves it active, which would make one test depend on the one before."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_public_page_kept():
    """Every test starts with no public page in the cache (bangfu.core.public_cache): the cache
    outlives a test, its rolled-back rows never commit the change that would make a page stale."""
    from bangfu.core import public_cache

    public_cache.bump()


@pytest.fixture
def in_english():
    """For tests that check messages in English (the msgids): pages default to Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_client(client, in_english):
    """The test client with the language switch set to English (pages default to Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Job files and trained models of a test stay in its own folders: a model some earlier run
    trained into the checkout's var/ would change every score a test reads."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture(autouse=True)
def _celery_in_process(request, settings):
    """Tasks run in-process unless a test asks for the real worker."""
    from bangfu.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def county_a(db):
    """Yuanjiang-like county A with one township and one village."""
    *_above, county, town, village = region_chain("530428", "101", "201")
    return county, town, village


@pytest.fixture
def county_b(db):
    """A second county in another city: outside county A's staff's scope."""
    *_above, county, town, village = region_chain("350502", "001", "001")
    return county, town, village


@pytest.fixture
def bureau_staff(county_a):
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    user = UserFactory(username="bureau_a")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


@pytest.fixture
def outsider_staff(county_b):
    county, _town, _village = county_b
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="鲤城区民政局", region=county)
    user = UserFactory(username="bureau_b")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


@pytest.fixture
def household_a(county_a):
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-0001")
    MemberFactory(household=household, name="欧阳晓明")
    return household


@pytest.fixture
def broker_url(settings):
    """The configured broker, or a skip: the embedded mode runs tasks in-process."""
    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs CELERY_BROKER_URL (CI's PostgreSQL stage runs it with Redis)")
    return settings.CELERY_BROKER_URL


@pytest.fixture
def celery_worker(broker_url, committed, worker_id, settings):
    """A real Celery worker on the configured broker (Redis in CI), in a thread of this process.

    Tests that use it are marked ``worker`` and list it first among their fixtures. The worker
    reads the test database through its own connection, so the test's rows must be committed:
    hence ``transactional_db``, with the migrations' seed data (service categories, policy
    defaults) restored by serialized rollback into a ``pristine_db``. Each pytest-xdist process
    has queues of its own (``TASK_QUEUE_PREFIX``), so no worker runs a task against another
    process's database; the worker consumes every class's queue, as a plain worker does.
    """
    from celery.contrib.testing.worker import start_worker

    from bangfu.celery import app

    settings.TASK_QUEUE_PREFIX = prefix = f"bangfu-test-{worker_id}."
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = f"{prefix}celery"
    queues = [app.conf.task_default_queue, *(prefix + name for name in settings.TASK_CLASSES)]
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=queues
        ) as worker:
            yield worker
    finally:
        app.conf.task_default_queue = previous


@pytest.fixture
def pristine_db(django_db_setup, django_db_blocker):
    """An empty database for a serialized-rollback test to restore the migrations' data into.

    A transactional test without serialized rollback flushes with post_migrate, which
    recreates content types and permissions under new ids;
    restoring the serialized copy over them then fails on unique keys. List this fixture
    before ``transactional_db`` and ``django_db_serialized_rollback`` instead of the
    ``django_db(transaction=True, serialized_rollback=True)`` mark (a mark opens the database
    first); ``browser`` already does.
    """
    with django_db_blocker.unblock():
        _flush_inhibiting_post_migrate()


def _flush_inhibiting_post_migrate():
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)


@pytest.fixture
def committed(pristine_db, transactional_db, django_db_serialized_rollback):
    """A database whose rows are committed (for threads, a worker or a live server), with the
    migrations' data restored. The restore writes explicit ids, which PostgreSQL's sequences do
    not see: they are moved past the restored rows, or the first new wagtail page (a project
    published on approval) would take the root page's id."""
    _sequences_past_restored_rows()


@pytest.fixture
def crowd(committed, tmp_path_factory):
    """Committed rows for a race of dozens of threads, each on its own connection, and one such
    race at a time across the pytest-xdist workers: the cap race's fifty beside the capacity
    race's on the other worker passed PostgreSQL's hundred connections (CI at a1bb436). List it
    first among a test's fixtures, as ``committed``."""
    with open(tmp_path_factory.getbasetemp().parent / "crowd.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sequences_past_restored_rows():
    if connection.vendor == "postgresql":
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@pytest.fixture
def browser(committed, settings, tmp_path, request):
    """Headless Debian Chromium driven by Selenium against pytest-django's ``live_server``.

    Selenium Manager downloads nothing: the driver is /usr/bin/chromedriver. The live server
    commits its rows, so the database is flushed afterwards; the serialized rollback puts the
    migrations' seed data (policy defaults, categories, catalogue) back at the start of the
    test. ``live_server`` is requested inside, not as an argument: as an argument it would
    open the database (through pytest-django's autouse helper) before ``pristine_db`` ran.
    Put ``browser`` first among a test's fixtures, before any that touch the database.
    ``browser.log_in(username, password)`` posts the login form like a user;
    ``browser.url(path)`` is the live server's address of a path.
    """
    from pathlib import Path

    chromium, chromedriver = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
    if not (chromium.exists() and chromedriver.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver in /usr/bin")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(argument)
    # The people using Bangfu read Chinese: the default language is what the tests see.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    live_server = request.getfixturevalue("live_server")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, live_server.thread.host]
    driver = webdriver.Chrome(service=Service(str(chromedriver)), options=options)
    driver.set_page_load_timeout(60)

    def url(path: str) -> str:
        return live_server.url + path

    def log_in(username: str, password: str = "correct-horse-battery") -> None:
        driver.delete_all_cookies()
        driver.get(url("/accounts/login/"))
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form[action$='/accounts/login/'] button").click()
        WebDriverWait(driver, 20).until(
            lambda d: "/accounts/login/" not in d.current_url,
            message=f"log-in as {username} failed",
        )

    driver.url, driver.log_in = url, log_in
    try:
        yield driver
    finally:
        driver.quit()
