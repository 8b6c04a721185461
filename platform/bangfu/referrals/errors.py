"""What can go wrong in a referral's life, in words the person at the desk can act on."""

from django.utils.translation import gettext as _

from bangfu.core.errors import Refused
from bangfu.providers import kinds


class ReferralError(Refused):
    """A lifecycle rule refused the action; ``str(error)`` is the message to show."""


class CapacityFull(ReferralError):
    def __init__(self, provider, open_cases: int, capacity: int):
        super().__init__(
            _(
                "%(provider)s is full: %(open)s open cases of %(capacity)s. Close a case "
                "first, or decline so the case goes to the next candidate."
            )
            % {"provider": provider, "open": open_cases, "capacity": capacity}
        )
        self.provider, self.open_cases, self.capacity = provider, open_cases, capacity


class QuotaUsedUp(CapacityFull):
    """A provider serving a quota of households (a procured project) has taken them all."""

    def __init__(self, provider, households: int, target: int):
        ReferralError.__init__(
            self,
            _(
                "%(project)s has used its quota: %(households)s of %(target)s households. "
                "Decline, so the case goes to the next candidate."
            )
            % {"project": provider, "households": households, "target": target},
        )
        self.provider, self.open_cases, self.capacity = provider, households, target


class ProviderUnavailable(ReferralError, kinds.ProviderUnavailable):
    """The provider cannot take the need: its own refusal (``kinds.ProviderUnavailable``, raised
    by the kind's ``check_serves``) as the referrals' error, shown like every other one."""


class NeedNotRankable(ReferralError):
    """The matching engine cannot use the need's own data as they are (its household's
    coordinates out of range …); ``fix_url`` is the page that corrects them."""

    def __init__(self, reason: str, fix_url: str | None = None):
        super().__init__(
            _(
                "The matching engine cannot rank this need: %(reason)s Correct it, then open "
                "this page again."
            )
            % {"reason": reason}
        )
        self.reason, self.fix_url = reason, fix_url
