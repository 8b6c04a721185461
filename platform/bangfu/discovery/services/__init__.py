"""The only code that writes warnings, tasks and candidate persons (besides the imports,
``importing``; the risk scores, ``scoring``; the warnings of refused numbers, ``cross_area``).

- ``flags_scan`` runs the rules over a region and turns each new finding into a warning and a
  task for the village's assistant. Safe to run twice: a warning's key is unique.
- ``tasks_schedule`` creates the periodic reviews and visits that fall due. Safe to run twice:
  one task per household, kind and period (a unique constraint).
- ``task_complete`` records the assistant's visit: a recommendation sent to the township
  (``registry.coverage.decision_recommend``: the status changes only once the township confirms
  it), referred for assessment (needs recorded through the registry, taken to the intake desk
  and routed to a provider), or dismissed with a reason. Registry writes go through
  ``bangfu.registry.services`` and ``bangfu.registry.coverage``, referrals through
  ``bangfu.referrals.services``.
- ``review_after_decision`` (a handler of ``registry.hooks.on_decision_applied``) sets the next
  review of a household whose status a confirmed decision changed.

One module a subject: ``assistants`` (who works where), ``flags`` (warnings), ``reviews``
(periodic reviews and visits), ``visits`` (the assistant's visit).
"""

from bangfu.discovery.services.assistants import Assistants
from bangfu.discovery.services.flags import counties, flags_scan, warning_emit
from bangfu.discovery.services.reviews import review_after_decision, tasks_schedule
from bangfu.discovery.services.visits import OUTCOMES, Recommendation, Registration, task_complete

__all__ = [
    "OUTCOMES",
    "Assistants",
    "Recommendation",
    "Registration",
    "counties",
    "flags_scan",
    "review_after_decision",
    "task_complete",
    "tasks_schedule",
    "warning_emit",
]
