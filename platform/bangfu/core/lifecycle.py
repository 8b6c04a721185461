"""One way for a row to move through its states: a table of the moves allowed, a move made with
the row locked, and an event row saying who moved it, when and why.

A model with a lifecycle inherits ``Lifecycle``, declares ``TRANSITIONS`` (status -> statuses it
may become) and names its event model, which inherits ``StatusEvent`` and has a foreign key to it
with ``related_name="events"``. A service moves a row like this::

    offer = Offer.locked(offer.pk)          # select_for_update: concurrent moves queue here
    offer.move(to=Offer.Status.APPROVED, by=user, reason="", fields={"reviewed_by": user})

``move`` refuses a move the table does not allow with ``InvalidTransition`` (a ValidationError,
so a view shows its message next to the form), saves the status with the given fields and writes
the event in the same transaction. A small module of our own rather than django-fsm-2: Bangfu's
moves need the row lock and the event row every time, which that library leaves to each caller
(and to a second library for the log), and the tables stay plain dictionaries a test can read.
"""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.choices import ChoiceLabels


class InvalidTransition(ValidationError):
    def __init__(self, row: "Lifecycle", to: str):
        super().__init__(
            _("A %(thing)s that is %(current)s cannot become %(wanted)s.")
            % {
                "thing": row._meta.verbose_name,
                "current": row.status_label(row.status),
                "wanted": row.status_label(to),
            },
            code="invalid_transition",
        )
        self.current, self.wanted = row.status, to


class Lifecycle(ChoiceLabels, models.Model):
    """A model whose ``status`` moves only along ``TRANSITIONS``."""

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}

    class Meta:
        abstract = True

    @classmethod
    def locked(cls, pk: int, *related: str):
        """The row, locked until the transaction ends (call inside ``transaction.atomic``).
        The ``related`` rows are read with it but not locked: two writers locking a shared
        region by the way would wait on each other."""
        rows = cls._default_manager.select_for_update(of=("self",))
        return (rows.select_related(*related) if related else rows).get(pk=pk)

    def status_label(self, status: str) -> str:
        return str(dict(self._meta.get_field("status").flatchoices).get(status, status))

    def may_become(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.status, set())

    def move(
        self,
        *,
        to: str,
        by,
        at=None,
        reason: str = "",
        note: str = "",
        fields=None,
        save_all: bool = False,
        **event,
    ):
        """Move to ``to`` if the table allows it; save the status and ``fields`` (name ->
        value), or every field with ``save_all``, and record the event (with any further
        ``event`` fields its model has). The caller holds the row lock. Returns the event."""
        if not self.may_become(to):
            raise InvalidTransition(self, to)
        at = at or timezone.now()
        before = self.status
        self.status = to
        for name, value in (fields or {}).items():
            setattr(self, name, value)
        if save_all:
            self.save()
        else:
            names = ["status", *(fields or {})]
            if any(field.name == "updated_at" for field in self._meta.concrete_fields):
                names.append("updated_at")
            self.save(update_fields=names)
        return self.events.create(
            from_status=before, to_status=to, by=by, at=at, reason=reason, note=note, **event
        )


class StatusEvent(models.Model):
    """One move of a row through its lifecycle: who, when, from which status to which, and why."""

    from_status = models.CharField(_lazy("from"), max_length=24)
    to_status = models.CharField(_lazy("to"), max_length=24)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_lazy("by")
    )
    at = models.DateTimeField(_lazy("at"), default=timezone.now)
    reason = models.CharField(_lazy("reason"), max_length=200, blank=True)
    note = models.TextField(_lazy("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
