"""Doorways from the registry to the apps above it.

An app above the registry appends its handler to a list here in its ``AppConfig.ready``; the
registry calls every handler of the list and never names the app (see README, floors).
"""

from collections.abc import Callable

# Called with a list of ``identity.Refusal``, once they are audited: ID numbers or registry
# numbers refused because something outside the user's area holds them.
on_cross_area_identity: list[Callable[[list], None]] = []
# Called with an ``identity.Probing`` whenever one user's refusals of the day stand at or above
# the policy's ``identity_refusals_alert_per_day``.
on_identity_probing: list[Callable[[object], None]] = []
