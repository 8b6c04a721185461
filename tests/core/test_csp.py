"""Every response carries a Content-Security-Policy of our own origin only, and no page relies
on what that policy forbids: inline scripts, inline styles, event-handler attributes."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from bangfu.accounts.models import Membership
from cms.services import site_ensure
from tests.factories import StationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [
    ROOT / "templates",
    ROOT / "cms" / "templates",
    *ROOT.glob("platform/bangfu/*/templates"),
]
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts and styles, style
    attributes, on* handlers and javascript: URLs (a nonce lets a script or style through)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        executable = named.get("type") not in DATA_SCRIPT_TYPES
        if tag == "script" and executable and not {"src", "nonce"} & named.keys():
            self.found.append(self.get_starttag_text())
        if tag == "style" and "nonce" not in named:
            self.found.append(self.get_starttag_text())
        for name, value in attrs:
            inline = name == "style" or name.startswith("on")
            if inline or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def station_staff(county_a):
    user = UserFactory(username="station_a")
    member_of(
        user,
        StationFactory(organisation__region=county_a[1]).organisation,
        Membership.Role.STATION_STAFF,
    )
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def get_as(client, user, url):
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.fixture
def pages(client, bureau_staff, household_a, station_staff):
    """Our own pages of every kind, as their users see them."""
    site_ensure()
    return {
        "public home": get_as(client, None, "/"),
        "public help form": get_as(client, None, "/help/"),
        "login": get_as(client, None, reverse("accounts:login")),
        "staff household list": get_as(client, bureau_staff, reverse("registry:household-list")),
        "staff household": get_as(
            client, bureau_staff, reverse("registry:household-detail", args=[household_a.pk])
        ),
        "station portal": get_as(client, station_staff, reverse("portal:inbox")),
    }


def test_every_page_of_ours_allows_only_our_own_origin(pages):
    for name, response in pages.items():
        directives = policy(response)
        assert directives["default-src"] == ["'self'"], name
        assert directives["object-src"] == ["'none'"], name
        assert directives["frame-ancestors"] == ["'none'"], name
        # nothing widens the default for scripts or styles
        assert "script-src" not in directives and "style-src" not in directives, name


def test_no_page_of_ours_has_inline_script_style_or_handler(pages):
    for name, response in pages.items():
        assert inline_code(response.content.decode()) == [], name


def test_no_template_of_ours_has_inline_script_style_or_handler():
    # the pages above render only some templates: every template's source is read as well
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50
    offending = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := inline_code(re.sub(r"{[{%#].*?[%}#]}", "x", path.read_text())))
    }
    assert offending == {}


def test_the_probe_sees_inline_code():
    # the positive control: the parser does catch each kind it is looking for
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{}</script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:x()">a</a>'
    )
    assert len(inline_code(html)) == 5


def test_htmx_is_served_from_our_static_files(pages):
    html = pages["staff household list"].content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith(settings.STATIC_URL) for src in scripts)


def test_django_admin_keeps_the_strict_policy(client, admin_user):
    directives = policy(get_as(client, admin_user, "/admin/"))

    assert directives["default-src"] == ["'self'"]
    assert "script-src" not in directives and "style-src" not in directives


def test_wagtails_editor_gets_the_policy_with_its_inline_allowances(client, admin_user):
    site_ensure()
    directives = policy(get_as(client, admin_user, "/cms-admin/"))

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
