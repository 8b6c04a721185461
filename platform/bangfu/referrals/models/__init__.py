"""One intake desk (一门受理) and the referrals (转介) it hands to providers.

An intake case is opened on a household's need, or on a call (hotline 12349, the public help form)
before any need is recorded. It is routed to one provider at a time: each attempt is a
``Referral``, and every change of a referral's status leaves a ``ReferralEvent`` saying who, when
and why. A referral's provider is a ``providers.Provider`` (a station, a volunteer, a procured
project; charity offers are allocated in their own app). What is special about each kind is
asked of the kind registered in ``bangfu.providers.kinds``, never of the app behind it.

Capacity is never a stored counter: a provider whose kind holds slots (a station, a volunteer)
has as open cases its referrals that hold a capacity slot (accepted or in service), and a unique
index on (provider, slot) stops two of them from holding the same slot. A kind that serves a
quota of households instead (a procured project) holds no slot: its quota is counted from the
households in its care and those its own records say it served, under the provider's row lock
(a household with two needs takes one place).

Every model is importable from here, as Django and the other apps expect.
"""

from bangfu.referrals.models.help_requests import (
    ContactAttempt,
    HelpRequest,
    HelpRequestQuerySet,
    RequesterMessage,
)
from bangfu.referrals.models.intake import IntakeCase, IntakeCaseQuerySet, normalise_phone_of
from bangfu.referrals.models.notifications import Notification
from bangfu.referrals.models.referrals import (
    Feedback,
    Referral,
    ReferralEvent,
    ReferralQuerySet,
    ServiceSession,
)

__all__ = [
    "ContactAttempt",
    "Feedback",
    "HelpRequest",
    "HelpRequestQuerySet",
    "IntakeCase",
    "IntakeCaseQuerySet",
    "Notification",
    "Referral",
    "ReferralEvent",
    "ReferralQuerySet",
    "RequesterMessage",
    "ServiceSession",
    "normalise_phone_of",
]
