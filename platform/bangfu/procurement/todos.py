"""What procurement asks of the bureau (``bangfu.core.todos``): the projects a manager is to
approve and the filings (备案) sent to the bureau above to acknowledge or return. Each is for
the holders of the role that acts on it, in the bureau whose business it is."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from bangfu.accounts.models import Organisation
from bangfu.accounts.scoping import role_region_paths
from bangfu.core.todos import Todo, each_or_grouped, register
from bangfu.procurement import selectors
from bangfu.procurement.models import Filing, Project
from bangfu.procurement.roles import APPROVE_ROLES, EDIT_ROLES
from bangfu.regions.models import Region


def _bureau_paths(user, roles) -> list[str] | None:
    """The paths of the regions whose bureau the user holds one of ``roles`` in (None: every
    region, for a superuser)."""
    return role_region_paths(user, roles, kind=Organisation.Kind.BUREAU)


def _inbox_url(*, year: int, region_id: int) -> str:
    """The inbox, filtered to the filings waiting for an answer."""
    query = {"year": year, "region": region_id, "status": Filing.Status.SENT}
    return f"{reverse('procurement:filing-inbox')}?{urlencode(query)}"


@register
def projects_to_approve(user, now):
    """Submitted projects the user's bureau approves: those its own region buys, and those of
    the townships right below it (a township buys through its county's bureau), not those of
    the counties below a city, which their own managers approve. The longest waiting first."""
    paths = _bureau_paths(user, APPROVE_ROLES)
    if paths == []:
        return []
    submitted = Project.objects.filter(status=Project.Status.SUBMITTED)
    if paths is not None:
        submitted = submitted.filter(
            Q(region__path__in=paths)
            | Q(region__parent__path__in=paths, region__level=Region.Level.TOWNSHIP)
        )
    submitted = (
        submitted.select_related("region")
        .only("name", "updated_at", "region__name")
        .order_by("updated_at", "pk")
    )
    group = _("Approvals")
    return each_or_grouped(
        submitted,
        each=lambda project: Todo(
            group=group,
            title=_("Approve the project %(name)s (%(region)s)")
            % {"name": project.name, "region": project.region.name},
            url=reverse("procurement:project-detail", args=[project.pk]),
            due_at=project.updated_at,
        ),
        parts=[
            (
                Q(),
                lambda updated_at: Todo(
                    group=group,
                    title=_("Projects waiting for a manager's approval"),
                    url=f"{reverse('procurement:project-list')}?status={Project.Status.SUBMITTED}",
                    due_at=updated_at,
                ),
            )
        ],
        first="updated_at",
    )


@register
def filings_to_answer(user, now):
    """Filings sent to the region of the user's bureau (the bureau above the buyer), the
    oldest first."""
    paths = _bureau_paths(user, EDIT_ROLES)
    if paths == []:
        return []
    sent = Filing.objects.filter(status=Filing.Status.SENT)
    if paths is not None:
        sent = sent.filter(filed_with__path__in=paths)
    sent = (
        sent.select_related("project__region")
        .only("filed_with_id", "sent_at", "project__name", "project__year", "project__region__name")
        .order_by("sent_at", "pk")
    )
    group = _("Filings (备案) to answer")

    def grouped(sent_at) -> Todo:
        # The inbox opens on the user's widest region, as its own default does.
        top = selectors.visible_regions(user).order_by("level", "code").values("pk").first()
        return Todo(
            group=group,
            title=_("Filings waiting for your answer"),
            url=_inbox_url(year=timezone.localdate(now).year, region_id=top["pk"])
            if top
            else reverse("procurement:filing-inbox"),
            due_at=sent_at,
        )

    return each_or_grouped(
        sent,
        each=lambda filing: Todo(
            group=group,
            title=_("Acknowledge or return the filing of %(project)s (%(region)s)")
            % {"project": filing.project.name, "region": filing.project.region.name},
            url=_inbox_url(year=filing.project.year, region_id=filing.filed_with_id)
            + f"#filing-{filing.pk}",
            due_at=filing.sent_at,
        ),
        parts=[(Q(), grouped)],
        first="sent_at",
    )
