"""SMS to people without an account go through one pluggable backend: the console and a file
for development (the number masked), an HTTP gateway in production (JSON POST with a key, a
timeout), every failure an ``SmsError`` that names no number. Tested against a fake gateway on
loopback."""

import json
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from bangfu.core import sms
from tests import fake_sms_gateway

sms_gateway = fake_sms_gateway.sms_gateway  # the fixture
PHONE = "13912340001"
TEXT = "您的求助 K7QM-3XPA 已受理。"


def test_the_gateway_backend_posts_json_with_the_key_and_returns_its_reference(sms_gateway):
    assert sms.send(PHONE, TEXT) == "msg-1"
    (request,) = sms_gateway.received
    assert request["body"] == {"to": PHONE, "text": TEXT}
    assert request["headers"]["Authorization"] == "Bearer test-key"
    assert request["headers"]["Content-Type"].startswith("application/json")


def test_a_gateway_refusal_is_an_error_that_names_no_number(sms_gateway):
    sms_gateway.status = 503
    with pytest.raises(sms.SmsError) as refused:
        sms.send(PHONE, TEXT)
    assert "503" in str(refused.value) and PHONE not in str(refused.value)


def test_a_slow_gateway_times_out(sms_gateway, settings):
    sms_gateway.delay = 2.0
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    with pytest.raises(sms.SmsError, match="unreachable"):
        sms.send(PHONE, TEXT)


def test_an_unreachable_gateway_is_an_error(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_BACKEND = "bangfu.core.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/send"
    with pytest.raises(sms.SmsError, match="unreachable") as refused:
        sms.send(PHONE, TEXT)
    assert PHONE not in str(refused.value)


def test_the_gateway_backend_needs_its_url(settings):
    settings.SMS_BACKEND = "bangfu.core.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(ImproperlyConfigured):
        sms.send(PHONE, TEXT)


def test_the_file_backend_writes_one_line_per_message_with_the_number_masked(settings, tmp_path):
    settings.SMS_BACKEND = "bangfu.core.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms" / "sent.jsonl"
    sms.send(PHONE, TEXT)
    sms.send(PHONE, "第二条")
    lines = [json.loads(line) for line in settings.SMS_FILE_PATH.read_text().splitlines()]
    assert [line["text"] for line in lines] == [TEXT, "第二条"]
    assert lines[0]["to"] != PHONE and lines[0]["to"].endswith("0001")


def test_the_console_backend_prints_with_the_number_masked(settings, capsys):
    settings.SMS_BACKEND = "bangfu.core.sms.ConsoleBackend"
    sms.send(PHONE, TEXT)
    printed = capsys.readouterr().out
    assert TEXT in printed and PHONE not in printed
