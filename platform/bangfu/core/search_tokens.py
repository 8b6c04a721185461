"""Searches that may carry an ID number or a phone number never put it in a URL.

Access logs (gunicorn's, a proxy's) and browser histories keep URLs. The search box posts its
query; the query is kept in the user's session, encrypted, under a random token that expires
after a few idle minutes, and the result page's URL (with its pagination, sorting and export
links) carries only the token.
"""

import secrets
import time

from bangfu.core import crypto

SESSION_KEY = "bangfu.search_tokens"
IDLE_SECONDS = 15 * 60
MAX_KEPT = 20  # a session keeps this many recent searches (several tabs), the oldest go first


def stash(request, query: str) -> str:
    """Keep ``query`` for this user and return the token that stands for it."""
    now = time.time()
    kept = {
        token: entry
        for token, entry in request.session.get(SESSION_KEY, {}).items()
        if entry["until"] > now
    }
    token = secrets.token_urlsafe(12)
    kept[token] = {
        "query": crypto.encrypt(query),
        "user": request.user.pk,
        "until": now + IDLE_SECONDS,
    }
    newest = sorted(kept.items(), key=lambda item: item[1]["until"])[-MAX_KEPT:]
    request.session[SESSION_KEY] = dict(newest)
    return token


def recall(request, token: str) -> str | None:
    """The query behind ``token``, or None if it expired or belongs to another user's session.

    Each use keeps the search alive for another ``IDLE_SECONDS``.
    """
    entry = request.session.get(SESSION_KEY, {}).get(token)
    now = time.time()
    if entry is None or entry["until"] <= now or entry["user"] != request.user.pk:
        return None
    entry["until"] = now + IDLE_SECONDS
    request.session.modified = True
    return crypto.decrypt(entry["query"])
