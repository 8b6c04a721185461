"""The restore drill: back up a populated database with ``ops/backup.sh``, restore it with
``ops/restore.sh`` into a new database, and find every household, member, referral and audit
row there, the ID numbers still decrypting and the audit chain still verifying.

``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_x pytest -m postgres tests/privacy``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection
from psycopg import sql

from bangfu.core import crypto
from bangfu.core.audit_chain import seal_pending
from bangfu.referrals.models import Referral
from bangfu.registry.models import Household, Member
from tests.privacy.conftest import help_request, household_story, make_place

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "registry_household": Household,
    "registry_member": Member,
    "referrals_referral": Referral,
    "auditlog_logentry": LogEntry,
}


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture
def scratch_database():
    """An empty database beside the test database, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the restore drill backs up and restores PostgreSQL")
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "ops" / script), *args],
        env={**os.environ, "PG_DUMP": "/usr/bin/pg_dump", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_backup_restores_every_row_and_the_chain_still_verifies(
    committed, scratch_database, tmp_path
):
    place = make_place("530428", "101", "201", label="a")
    stories = [
        household_story(
            place, number=f"530428-{seq:04d}", seq=seq, by=place.staff, station=place.station
        )
        for seq in (1, 3, 5)
    ]
    help_request(place, by=place.staff, at=stories[0].referral.sent_at)
    seal_pending()  # the entries' seals, if the task that seals on commit left any
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "政策.pdf").write_bytes(b"%PDF-1.4 bangfu")
    # The private volume: job uploads and results, kept out of the public storage.
    private = tmp_path / "private"
    (private / "jobs" / "out").mkdir(parents=True)
    (private / "jobs" / "out" / "households.xlsx").write_bytes(b"PK ledger")
    expected = {table: model.objects.count() for table, model in TABLES.items()}
    assert all(expected.values()), expected

    backup = run(
        "backup.sh",
        DATABASE_URL=database_url(settings.DATABASES["default"]["NAME"]),
        BACKUP_DIR=str(tmp_path / "backups"),
        MEDIA_ROOT=str(media),
        PRIVATE_ROOT=str(private),
    )
    assert backup.returncode == 0, backup.stderr
    backup_dir = backup.stdout.strip().splitlines()[-1]
    assert sorted(os.listdir(backup_dir)) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
        "private.tar.gz",
    ]

    restored_url = database_url(scratch_database)
    restored_media = tmp_path / "restored-media"
    restored_private = tmp_path / "restored-private"
    restore = run(
        "restore.sh",
        backup_dir,
        DATABASE_URL=restored_url,
        MEDIA_ROOT=str(restored_media),
        PRIVATE_ROOT=str(restored_private),
    )
    assert restore.returncode == 0, restore.stderr

    with psycopg.connect(restored_url) as restored:
        found = {
            table: restored.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in TABLES
        }
        ciphertexts = dict(restored.execute("SELECT id, id_number FROM registry_member"))
    assert found == expected
    for story in stories:
        for member in (story.head, story.child):
            assert crypto.decrypt(ciphertexts[member.pk]) == member.id_number
    assert (restored_media / "documents" / "政策.pdf").read_bytes() == b"%PDF-1.4 bangfu"
    assert (restored_private / "jobs" / "out" / "households.xlsx").read_bytes() == b"PK ledger"
    verified = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "audit_verify"],
        env={**os.environ, "DATABASE_URL": restored_url, "BANGFU_SCHEDULER": "0"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    checked = re.search(r"\d+", verified.stdout)  # "Checked N seals", in either language
    assert checked and int(checked.group()) > 0, verified.stdout
    # A restore never writes over a database in use.
    again = run("restore.sh", backup_dir, DATABASE_URL=restored_url, MEDIA_ROOT=str(restored_media))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_a_damaged_backup_is_not_restored(committed, scratch_database, tmp_path):
    backup = run(
        "backup.sh",
        DATABASE_URL=database_url(settings.DATABASES["default"]["NAME"]),
        BACKUP_DIR=str(tmp_path / "backups"),
        MEDIA_ROOT=str(tmp_path / "no-media"),
    )
    assert backup.returncode == 0, backup.stderr
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    with (backup_dir / "database.dump").open("ab") as dump:
        dump.write(b"\0")

    restore = run("restore.sh", str(backup_dir), DATABASE_URL=database_url(scratch_database))

    assert restore.returncode != 0
    with psycopg.connect(database_url(scratch_database)) as restored:
        tables = restored.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    assert tables == 0


def test_an_encrypted_backup_restores_only_with_the_key(committed, scratch_database, tmp_path):
    place = make_place("530428", "101", "201", label="a")
    household_story(place, number="530428-0001", seq=1, by=place.staff, station=place.station)
    keyring, stranger = tmp_path / "gnupg", tmp_path / "stranger"
    for home in (keyring, stranger):
        home.mkdir(mode=0o700)
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "backup@bangfu.test"],
        env={**os.environ, "GNUPGHOME": str(keyring)},
        capture_output=True,
        check=True,
        timeout=120,
    )
    private = tmp_path / "private"
    private.mkdir()
    (private / "job.bin").write_bytes(b"uploaded ledger")

    backup = run(
        "backup.sh",
        DATABASE_URL=database_url(settings.DATABASES["default"]["NAME"]),
        BACKUP_DIR=str(tmp_path / "backups"),
        MEDIA_ROOT=str(tmp_path / "no-media"),
        PRIVATE_ROOT=str(private),
        BACKUP_GPG_RECIPIENT="backup@bangfu.test",
        GNUPGHOME=str(keyring),
    )
    assert backup.returncode == 0, backup.stderr
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    assert sorted(os.listdir(backup_dir)) == [
        "SHA256SUMS",
        "database.dump.gpg",
        "private.tar.gz.gpg",
    ]
    assert not (backup_dir / "database.dump.gpg").read_bytes().startswith(b"PGDMP")

    url = database_url(scratch_database)
    without_key = run("restore.sh", str(backup_dir), DATABASE_URL=url, GNUPGHOME=str(stranger))
    assert without_key.returncode != 0
    restored_private = tmp_path / "restored-private"
    restore = run(
        "restore.sh",
        str(backup_dir),
        DATABASE_URL=url,
        PRIVATE_ROOT=str(restored_private),
        GNUPGHOME=str(keyring),
    )
    assert restore.returncode == 0, restore.stderr
    with psycopg.connect(url) as restored:
        households = restored.execute("SELECT count(*) FROM registry_household").fetchone()[0]
    assert households == Household.objects.count() == 1
    assert (restored_private / "job.bin").read_bytes() == b"uploaded ledger"
