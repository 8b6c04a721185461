"""The settings module in production: loud without its variables, clean under check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "BANGFU_MODE": "production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "DATABASE_URL": "postgres://bangfu:secret@db.example:5432/bangfu",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "LOOKUP_HASH_KEY": "a-production-hmac-key",
    "ALLOWED_HOSTS": "bangfu.example.gov.cn",
    "SMS_GATEWAY_URL": "https://sms.example.gov.cn/send",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "SMS_BACKEND"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_an_sms_gateway():
    # A console backend in production would mark messages sent that nobody received.
    env = {k: v for k, v in PRODUCTION.items() if k != "SMS_GATEWAY_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Set SMS_GATEWAY_URL (or SMS_BACKEND) to send SMS." in result.stderr
    # A backend chosen on purpose is accepted.
    result = manage("check", env={**env, "SMS_BACKEND": "bangfu.core.sms.FileBackend"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_mode_writes_sms_to_the_console_without_a_gateway():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SMS_BACKEND)",
        env={},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "bangfu.core.sms.ConsoleBackend"


def test_a_bad_boolean_names_the_variable():
    result = manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_with_a_bucket_keeps_uploads_in_object_storage():
    env = {
        **PRODUCTION,
        "AWS_STORAGE_BUCKET_NAME": "bangfu",
        "DATABASE_REPLICA_URL": "postgres://bangfu:secret@replica.example:5432/bangfu",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    show = "from django.core.files.storage import storages as s; print(s['default'], s['private'])"
    result = manage("shell", "--no-imports", "-c", show, env=env)
    assert "MediaObjectStorage" in result.stdout and "PrivateObjectStorage" in result.stdout
    result = manage("check", env={**env, "AWS_S3_SERVER_SIDE_ENCRYPTION": "yes"})
    assert result.returncode != 0
    assert "AWS_S3_SERVER_SIDE_ENCRYPTION='yes': use 'AES256' or 'aws:kms'." in result.stderr


def test_prepared_statements_are_on_for_postgresql_and_can_be_turned_off():
    """Behind pgbouncer in transaction mode (before 1.21) prepared statements must be off."""
    env = {
        **PRODUCTION,
        "DATABASE_REPLICA_URL": "postgres://bangfu:secret@replica.example:5432/bangfu?sslmode=require",
    }
    show = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS'], s.DATABASES['replica']['OPTIONS'])"
    )
    on = manage("shell", "--no-imports", "-c", show, env=env)
    assert on.stdout.count("'server_side_binding': True, 'prepare_threshold': 5") == 2, on.stderr
    assert "'sslmode': 'require'" in on.stdout  # the URL's own options are kept
    off_env = {**env, "DATABASE_PREPARE_THRESHOLD": "0"}
    off = manage("shell", "--no-imports", "-c", show, env=off_env)
    assert "prepare_threshold" not in off.stdout and "server_side_binding" not in off.stdout
    assert "'sslmode': 'require'" in off.stdout, off.stderr
