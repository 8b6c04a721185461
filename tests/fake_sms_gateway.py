"""A fake SMS gateway on loopback: a tiny HTTP server in a thread that records what it is sent
and answers as the test tells it (a status, a reply, a delay)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that gave up (the timeout test) is expected: no traceback on stderr."""


class FakeGateway:
    def __init__(self):
        self.received: list[dict] = []  # {"headers": …, "body": …} per request
        self.status, self.reply, self.delay = 200, {"id": "msg-1"}, 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.received.append({"headers": dict(self.headers), "body": json.loads(body)})
                if gateway.delay:
                    threading.Event().wait(gateway.delay)
                answer = json.dumps(gateway.reply).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet: the numbers are test data, still
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def texts(self) -> list[str]:
        return [request["body"]["text"] for request in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_gateway(settings):
    """The HTTP gateway backend pointed at a fake gateway on loopback."""
    gateway = FakeGateway()
    settings.SMS_BACKEND = "bangfu.core.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_KEY = "test-key"
    settings.SMS_GATEWAY_TIMEOUT = 1
    yield gateway
    gateway.close()
