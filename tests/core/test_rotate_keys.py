"""``manage.py rotate_keys``: every encrypted value rewritten under the newest key, in batches,
and a stopped run resumes without redoing what it did."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from bangfu.core import crypto
from bangfu.registry.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(table: str, column: str) -> dict[int, str]:
    """The column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> '' ORDER BY id")
        return dict(cursor.fetchall())


@pytest.fixture
def written_under_a(settings, county_a):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    _county, _town, village = county_a
    for number in range(5):
        household = HouseholdFactory(region=village, phone=f"1391234{number:04d}")
        MemberFactory(household=household)
    return {
        "members": stored("registry_member", "id_number"),
        "phones": stored("registry_household", "phone"),
        "clear": {m.pk: m.id_number for m in Member.objects.all()},
    }


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_keys", stdout=out, **options)
    return out.getvalue()


def test_every_value_is_rewritten_under_the_newest_key(settings, written_under_a):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    report = rotate(batch_size=2)

    members, phones = stored("registry_member", "id_number"), stored("registry_household", "phone")
    assert set(members) == set(written_under_a["members"])
    assert all(members[pk] != written_under_a["members"][pk] for pk in members)
    assert all(phones[pk] != written_under_a["phones"][pk] for pk in phones)
    assert "registry.Member.id_number: 5 re-encrypted, 0 already under the newest key" in report
    assert "registry.Household.phone: 5 re-encrypted" in report
    assert "rows up to pk" in report  # a checkpoint per batch
    # the old key can go: everything reads under the new one alone
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert {m.pk: m.id_number for m in Member.objects.all()} == written_under_a["clear"]
    assert sorted(h.phone for h in Household.objects.all()) == [
        f"1391234{number:04d}" for number in range(5)
    ]


def test_without_the_newest_key_first_the_values_stay_unreadable_under_it(
    settings, written_under_a
):
    # the control: before the run, the new key alone cannot read what key A wrote
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ValueError):
        list(Member.objects.all())


def stopped_run(monkeypatch, *, at: int, batch_size: int) -> None:
    """A run stopped (as by Ctrl-C) when it comes to re-encrypt its ``at``-th value."""
    rotate_one, calls = crypto.rotate, {"n": 0}

    def stops(token):
        calls["n"] += 1
        if calls["n"] == at:
            raise KeyboardInterrupt
        return rotate_one(token)

    monkeypatch.setattr(crypto, "rotate", stops)
    with pytest.raises(KeyboardInterrupt):
        rotate(batch_size=batch_size)
    monkeypatch.setattr(crypto, "rotate", rotate_one)


def test_a_stopped_run_resumes_where_it_stopped(settings, written_under_a, monkeypatch):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    stopped_run(monkeypatch, at=4, batch_size=2)

    # households' phones come first: their first batch was committed, the stopped one was not
    phones = stored("registry_household", "phone")
    done = [pk for pk in phones if phones[pk] != written_under_a["phones"][pk]]
    assert len(done) == 2

    report = rotate(batch_size=2)

    assert "registry.Household.phone: 3 re-encrypted, 2 already under the newest key" in report
    assert "registry.Member.id_number: 5 re-encrypted, 0 already under the newest key" in report
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert {m.pk: m.id_number for m in Member.objects.all()} == written_under_a["clear"]


def test_a_value_saved_while_the_run_reads_its_batch_is_not_overwritten(
    settings, written_under_a, monkeypatch
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    household = Household.objects.order_by("pk").first()
    rotate_one = crypto.rotate

    def a_clerk_saves_meanwhile(token):
        if household.phone != "13800000000":
            household.phone = "13800000000"
            household.save()
        return rotate_one(token)

    monkeypatch.setattr(crypto, "rotate", a_clerk_saves_meanwhile)
    rotate(batch_size=10)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert Household.objects.get(pk=household.pk).phone == "13800000000"


def test_a_value_no_key_reads_stops_the_run_naming_the_row(settings, written_under_a):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # key A is missing

    with pytest.raises(CommandError, match=r"registry\.\w+\.\w+ row \d+: no key"):
        rotate()
