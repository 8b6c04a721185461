"""Doorways from the registry to the apps above it.

An app above the registry appends its handler to a list here in its ``AppConfig.ready``; the
registry calls every handler of the list and never names the app (see README, floors).
"""

from collections.abc import Callable
from typing import Any

# A panel of the household page: a template and its context, rendered after the members; the
# template reads its context as ``panel`` (and the page's own, e.g. ``household``, ``request``).
Panel = tuple[str, dict[str, Any]]

# Called with a list of ``identity.Refusal``, once they are audited: ID numbers or registry
# numbers refused because something outside the user's area holds them.
on_cross_area_identity: list[Callable[[list], None]] = []
# Called with an ``identity.Probing`` whenever one user's refusals of the day stand at or above
# the policy's ``identity_refusals_alert_per_day``.
on_identity_probing: list[Callable[[object], None]] = []
# Called with a confirmed ``StatusDecision`` once it is applied to the registry (inside its
# transaction): e.g. to schedule the review that ends a 渐退期 or set ``next_review_due``.
on_decision_applied: list[Callable[[object], None]] = []
# Called with (decision, user) on a decision's page: the lines of its evidence the app knows
# (a warning, a verification task), each ``(label, text, url)``, url "" when the user may not
# open that page. No personal data beyond what the user's lists show.
decision_evidence: list[Callable[[object, object], list[tuple[str, str, str]]]] = []
# Called with a decision's stored ``figures`` (the app's calculator wrote them): the figures as
# ``(label, value)`` rows, or None if the app does not know them.
decision_figures: list[Callable[[dict], list[tuple[str, str]] | None]] = []
# Called with the registered households a ledger file names; each returns {household pk:
# message} for those no import may change (e.g. anonymised under a retention schedule).
ledger_locked_households: list[Callable[[list], dict[int, str]]] = []
# Called with the primary keys of needs whose priority a write in bulk just recomputed
# (``needs_reprioritise``, which ``need_update`` runs after each save too), inside its
# transaction: what an app keeps from a need's priority or urgency on its own rows follows.
on_needs_reprioritised: list[Callable[[list[int]], None]] = []
# Called with (household, user) when the household page is shown; each returns a ``Panel`` or
# None (nothing to show to that user).
household_panels: list[Callable[[object, object], Panel | None]] = []
