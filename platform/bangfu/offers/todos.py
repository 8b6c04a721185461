"""What the charities' offers ask of the bureau (``bangfu.core.todos``): the offers submitted
for review and the charities waiting for approval, in the area where the user moderates, each
due from the moment it was submitted."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.core.todos import Todo, each_or_grouped, register
from bangfu.offers import selectors
from bangfu.offers.models import Charity, Offer


@register
def approvals(user, now):
    """Offers and charities waiting for the bureau's decision, the longest waiting first."""
    if not selectors.is_moderator(user):
        return []
    group = _("Approvals")
    # What the lines show, no more: not the units allocated, the category or the addresses.
    offers = (
        selectors.offers_in_area(user)
        .filter(status=Offer.Status.PENDING)
        .select_related("charity__organisation")
        .only("title", "submitted_at", "charity__organisation__name")
        .order_by("submitted_at", "pk")
    )
    charities = (
        selectors.charities_to_moderate(user)
        .filter(status=Charity.Status.PENDING)
        .select_related(None)
        .select_related("organisation")
        .only("registered_at", "organisation__name")
        .order_by("registered_at", "pk")
    )
    return [
        *each_or_grouped(
            offers,
            each=lambda offer: Todo(
                group=group,
                title=_("Review the offer “%(title)s” of %(charity)s")
                % {"title": offer.title, "charity": offer.charity.organisation.name},
                url=reverse("offers:detail", args=[offer.pk]),
                due_at=offer.submitted_at,
            ),
            parts=[
                (
                    Q(),
                    lambda submitted_at: Todo(
                        group=group,
                        title=_("Offers waiting for review"),
                        url=reverse("offers:list") + "#h-pending",
                        due_at=submitted_at,
                    ),
                )
            ],
            first="submitted_at",
        ),
        *each_or_grouped(
            charities,
            each=lambda charity: Todo(
                group=group,
                title=_("Approve the charity %(name)s") % {"name": charity.organisation.name},
                url=reverse("offers:charity", args=[charity.pk]),
                due_at=charity.registered_at,
            ),
            parts=[
                (
                    Q(),
                    lambda registered_at: Todo(
                        group=group,
                        title=_("Charities waiting for approval"),
                        url=reverse("offers:list") + "#h-charities",
                        due_at=registered_at,
                    ),
                )
            ],
            first="registered_at",
        ),
    ]
