"""A mini-program's day over the API only: a station's staff member, with a token made at
/staff/api/, lists the inbox, accepts a new referral, logs two sessions and completes it.

    BANGFU_URL=http://127.0.0.1:8000 BANGFU_TOKEN=bfk_… python -m bench.mini_program_day

It talks HTTP with the standard library only, as a mini-program's backend would, and prints
each step with its server round trip. ``tests/api/test_mini_program_day.py`` runs the same day
against the test server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable

INBOX = "/api/v1/portal/referrals/"
# call(method, path, body) -> (status, parsed JSON body)
Call = Callable[[str, str, dict | None], tuple[int, dict]]


class DayFailed(Exception):
    """A step answered otherwise than a working day expects."""


def _expect(step: str, status: int, body: dict, wanted: int) -> dict:
    if status != wanted:
        raise DayFailed(f"{step}: HTTP {status}, expected {wanted}: {body}")
    return body


def mini_program_day(call: Call, *, today: dt.date, log=print) -> dict:
    """The day's steps through ``call``; returns the completed case as the API shows it."""

    def step(name: str, method: str, path: str, body: dict | None, wanted: int) -> dict:
        start = time.perf_counter()
        status, answer = call(method, path, body)
        took = 1000 * (time.perf_counter() - start)
        log(f"{name:<28} {method:<4} {path:<44} {status}  {took:.0f} ms")
        return _expect(name, status, answer, wanted)

    inbox = step("inbox, new referrals", "GET", f"{INBOX}?status=sent", None, 200)
    if not inbox["results"]:
        raise DayFailed("the inbox holds no new referral: send one to this station first")
    case = inbox["results"][0]
    url = f"{INBOX}{case['id']}/"
    step("accept", "POST", f"{url}accept/", {}, 200)
    detail = step("read the case", "GET", url, None, 200)
    category = detail["session_categories"][0]["id"]
    for notes in ("上门照料：打扫、做饭", "陪同到乡镇卫生院复诊"):
        session = {
            "held_on": today.isoformat(),
            "duration_minutes": 90,
            "category": category,
            "notes": notes,
        }
        step("log a session", "POST", f"{url}sessions/", session, 201)
    return step("complete", "POST", f"{url}complete/", {"outcome": "老人生活能自理，家属满意"}, 200)


def http_call(base_url: str, token: str) -> Call:
    """``Call`` over HTTP with the token, standard library only."""

    def call(method: str, path: str, body: dict | None) -> tuple[int, dict]:
        request = urllib.request.Request(
            base_url.rstrip("/") + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    return call


if __name__ == "__main__":
    done = mini_program_day(
        http_call(
            os.environ.get("BANGFU_URL", "http://127.0.0.1:8000"), os.environ["BANGFU_TOKEN"]
        ),
        today=dt.date.today(),
    )
    print(f"referral {done['id']}: {done['status']}, {len(done['sessions'])} sessions")
