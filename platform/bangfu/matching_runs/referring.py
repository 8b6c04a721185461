"""Acting on a run: its suggestions become referrals, sent through the intake desk's own
services (``bangfu.referrals.services``: locks, deadlines, notifications, audit), with what was
refused and why.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.errors import Refused
from bangfu.matching_runs import selectors
from bangfu.matching_runs.models import Allocation, MatchingRun, ProviderKind
from bangfu.matching_runs.selectors import can_read_runs
from bangfu.referrals import services as referral_services
from bangfu.referrals.errors import ReferralError
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region, within
from bangfu.registry.models import Need

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """A suggestion that was not sent, and why (in the words of the rule that refused it)."""

    allocation: Allocation | None
    reason: str


@dataclass(frozen=True)
class Referred:
    """What sending a run's suggestions did: the referrals sent and the suggestions refused."""

    sent: list
    refused: list[Refusal]


def can_refer(user) -> bool:
    """The roles that refer at the intake desk (registry writers) may send a run's suggestions."""
    return can_read_runs(user) and scope_for(user).can_write


def require_refer_permission(*, by) -> None:
    if not can_refer(by):
        raise PermissionDenied(_("Your role cannot refer cases."))


def _refusal_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def run_refer(
    *,
    run: MatchingRun,
    by,
    need_ids: Iterable[int] = (),
    township: Region | None = None,
    at: dt.datetime | None = None,
) -> Referred:
    """Send the run's suggestions for the needs named, or for every need of ``township``, as
    referrals, each as the intake desk sends one: the need's open intake case (opened, as a home
    visit's, when it has none) is referred with ``referral_send``, under its locks, with its
    deadline, notifications and audit, and the engine's score and reasons kept on the referral.

    Each suggestion is sent in a savepoint of its own: one refused (the need already referred,
    the provider paused or full, a charity offer, which is claimed in its own app, a need
    outside the user's area, a database error) leaves nothing behind and the others go on.
    Suggestions outside the user's area are not read. The need's intake case, when opened here,
    records the count of the run's candidates for it: the need is not ranked again.

    Refused as a whole unless the run is a finished allocation: a ranking proposes no one
    provider per need, and an unfinished run's suggestions are not yet all written.
    """
    require_refer_permission(by=by)
    if run.kind == MatchingRun.Kind.RANK:
        raise Refused(_("A ranking run proposes no provider to send: start an allocation run."))
    if run.status != MatchingRun.Status.DONE:
        raise Refused(_("The run has not finished: its suggestions can be sent once it has."))
    at = at or timezone.now()
    need_ids = {int(pk) for pk in need_ids}
    allocations = selectors.run_allocations(by, run).select_related("need__household")
    if township is not None:
        allocations = allocations.filter(within(township, "need__household__region"))
    else:
        allocations = allocations.filter(need_id__in=need_ids)
    allocations = list(allocations)
    ranks = selectors.candidate_ranks(by, run, allocations)
    counts = selectors.candidate_counts(by, run, allocations)
    sent, refused = [], []
    missing = need_ids - {allocation.need_id for allocation in allocations}
    if missing and township is None:
        refused.extend(
            Refusal(None, _("Not a suggestion of this run in your area.")) for _pk in missing
        )
    for allocation in allocations:
        if allocation.provider_kind == ProviderKind.OFFER:
            refused.append(
                Refusal(
                    allocation,
                    _("A charity offer is not referred: staff confirm it on the offer's page."),
                )
            )
            continue
        try:
            # Leaving the block by an exception rolls this suggestion's savepoint back.
            with transaction.atomic():
                referral = _refer(
                    allocation,
                    by=by,
                    at=at,
                    rank=ranks.get(allocation.pk),
                    candidate_count=counts.get(allocation.need_id, 0),
                )
            sent.append(referral)
        except (ValidationError, Refused, PermissionDenied) as error:
            refused.append(Refusal(allocation, _refusal_message(error)))
        except DatabaseError:
            logger.exception(
                "Matching run %s: suggestion %s was not sent (database error).",
                run.pk,
                allocation.pk,
            )
            refused.append(
                Refusal(
                    allocation,
                    _("The database refused this referral; nothing was saved for it. Try again."),
                )
            )
    return Referred(sent=sent, refused=refused)


def _refer(allocation: Allocation, *, by, at: dt.datetime, rank: int | None, candidate_count: int):
    need = allocation.need
    if need.status not in Need.OPEN_STATUSES:
        raise ReferralError(
            _("This need is no longer open: it is %(status)s.")
            % {"status": need.get_status_display()}
        )
    intake = IntakeCase.objects.filter(need=need, status=IntakeCase.Status.OPEN).first()
    if intake is None:
        intake = referral_services.intake_open(
            by=by,
            source=IntakeCase.Source.VISIT,
            need=need,
            at=at,
            candidate_count=candidate_count,
        )
    return referral_services.referral_send(
        intake=intake,
        provider_id=allocation.provider_id,
        by=by,
        candidate=allocation,
        rank=rank,
        at=at,
    )
