"""Who is not proposed for a need again, and why: the hard constraints the intake desk and the
matching runs share, each named so that staff can be told why a provider is absent.

- **Declined** (or let the referral lapse): the provider turned the need down; it is never
  proposed for that need again.
- **Failed**: the provider closed the need's referral because the household could not be reached
  (无法联系到家庭) or because it cannot provide the service, within the region's policy window
  ``referral_failed_retry_days`` (30 days by default): from that many days after the closing it
  may be proposed again (a household that was away may be back; a station may have found the
  skills). Zero days switches the rule off.

Both read them from ``exclusions_for``: the runs' adapter turns them into the engine's exclusion
arrays and the run keeps them to list on its page; the desk excludes the same providers and lists
them with the reason (``need_exclusions``). Providers are named by their ``Provider`` pk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.providers.models import Provider
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region
from bangfu.regions.policy import UNITS, Policy
from bangfu.registry.models import Need

FAILED_CLOSE_REASONS = (Referral.CloseReason.UNREACHABLE, Referral.CloseReason.CANNOT_SERVE)
WINDOW_POLICY = "referral_failed_retry_days"
# No region may set a longer window than a "days" parameter allows: older rows never count.
LONGEST_WINDOW_DAYS = UNITS["days"][2]


@dataclass(frozen=True)
class Exclusion:
    """Why a provider is not proposed for a need: ``rule`` is "declined", "expired" or
    "failed"; ``reason`` the decline or close reason's code."""

    need_id: int
    provider_id: int
    rule: str
    reason: str = ""
    ended_on: dt.date | None = None
    window_days: int | None = None

    def as_dict(self) -> dict:
        """The exclusion as a run stores it (``MatchingRun.exclusions``)."""
        return {
            "need": self.need_id,
            "provider": self.provider_id,
            "rule": self.rule,
            "reason": self.reason,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "window_days": self.window_days,
        }

    @classmethod
    def from_dict(cls, entry: dict) -> Exclusion:
        ended_on = entry["ended_on"]
        return cls(
            entry["need"],
            entry["provider"],
            entry["rule"],
            entry["reason"],
            dt.date.fromisoformat(ended_on) if ended_on else None,
            entry["window_days"],
        )

    @property
    def reason_label(self) -> str:
        for choices in (Referral.DeclineReason, Referral.CloseReason):
            if self.reason in choices.values:
                return str(choices(self.reason).label)
        return self.reason

    def message(self) -> str:
        """The reason in the reader's language."""
        if self.rule == "failed":
            return _(
                "Left out: this provider ended this need as “%(reason)s” within the last "
                "%(days)s days (on %(date)s)."
            ) % {
                "reason": self.reason_label,
                "days": self.window_days,
                "date": self.ended_on.isoformat() if self.ended_on else "—",
            }
        if self.rule == "expired":
            return _("Left out: this provider let its referral of this need lapse.")
        if self.reason:
            return _("Left out: this provider declined this need (%(reason)s).") % {
                "reason": self.reason_label
            }
        return _("Left out: this provider declined this need.")


def _window_days(regions: dict[int, Region], today: dt.date) -> dict[int, int]:
    """The policy window of each region (one query per region: the failed rows are few)."""
    return {pk: int(Policy(region, today.year)[WINDOW_POLICY]) for pk, region in regions.items()}


def recently_failed(need_ids: Iterable[int], *, today: dt.date) -> dict[tuple, Exclusion]:
    """(need, provider) -> the exclusion, for each provider that closed the need's referral as
    unreachable or failed within the window of the household's region on ``today``; the latest
    closing counts. One query, plus one per region with such a closing."""
    need_ids = list(need_ids)
    if not need_ids:
        return {}
    oldest = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=LONGEST_WINDOW_DAYS), dt.time.min)
    )
    rows = list(
        Referral.objects.filter(
            need_id__in=need_ids,
            status=Referral.Status.CLOSED,
            close_reason__in=FAILED_CLOSE_REASONS,
            ended_at__gte=oldest,
        )
        .order_by("ended_at", "pk")
        .values_list(
            "need_id", "provider_id", "close_reason", "ended_at", "need__household__region_id"
        )
    )
    if not rows:
        return {}
    regions = Region.objects.in_bulk({row[4] for row in rows})
    windows = _window_days(regions, today)
    found = {}
    for need_id, provider_id, reason, ended_at, region_id in rows:
        ended_on = timezone.localtime(ended_at).date()
        window = windows[region_id]
        if (today - ended_on).days < window:
            found[(need_id, provider_id)] = Exclusion(
                need_id, provider_id, "failed", reason, ended_on, window
            )
    return found


def exclusions_for(need_ids: Iterable[int], *, today: dt.date) -> dict[tuple, Exclusion]:
    """(need, provider) -> why the provider is not proposed for the need on ``today``: it
    declined the need or let it lapse (for good), or it closed it as failed within the policy
    window. The desk and the runs both read their exclusions here. Two queries, plus one per
    region with a failed closing."""
    need_ids = list(need_ids)
    found: dict[tuple, Exclusion] = {}
    declined = Referral.objects.filter(need_id__in=need_ids, status__in=Referral.REFUSED)
    for need_id, provider_id, status, reason in declined.order_by("pk").values_list(
        "need_id", "provider_id", "status", "decline_reason"
    ):
        found.setdefault((need_id, provider_id), Exclusion(need_id, provider_id, status, reason))
    for key, exclusion in recently_failed(need_ids, today=today).items():
        found.setdefault(key, exclusion)
    return found


def need_exclusions(need: Need, *, today: dt.date | None = None) -> list[Exclusion]:
    """Every provider left out for ``need`` on ``today`` (by default, now), with the rule that
    leaves it out: declining first (it is for good), then failing; oldest provider first."""
    found = exclusions_for([need.pk], today=today or timezone.localdate())
    return [found[key] for key in sorted(found)]


def excluded_providers(exclusions: list[Exclusion]) -> list[tuple[str, str]]:
    """(provider's name, why it is left out) of each of ``exclusions`` (``need_exclusions``):
    what the desk lists under its candidates."""
    names = dict(
        Provider.objects.filter(pk__in=[e.provider_id for e in exclusions]).values_list(
            "pk", "name"
        )
    )
    return [(names.get(e.provider_id, ""), e.message()) for e in exclusions]
