"""Who works where: the assistant a village's tasks go to, and who may record a visit."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for
from bangfu.discovery.models import Task
from bangfu.regions.models import Region


class Assistants:
    """The assistant (协理员) of each village, looked up once per village."""

    def __init__(self):
        self._by_village: dict[int, object] = {}

    def of(self, village: Region):
        if village.pk not in self._by_village:
            membership = (
                Membership.objects.filter(
                    role=Membership.Role.ASSISTANT,
                    is_active=True,
                    organisation__is_active=True,
                    user__is_active=True,
                    villages=village,
                )
                .select_related("user")
                .order_by("pk")
                .first()
            )
            self._by_village[village.pk] = membership.user if membership else None
        return self._by_village[village.pk]


def require_task_access(*, by, task: Task) -> None:
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot record verifications."))
    if not Task.objects.for_user(by).filter(pk=task.pk).exists():
        raise PermissionDenied(_("This task is outside your area."))
