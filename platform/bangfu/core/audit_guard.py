"""The Django side of the append-only audit log, connected in ``CoreConfig.ready``.

- An auditlog entry, a seal or a pruning record is never updated nor deleted through the ORM:
  ``pre_save`` (of a row that exists) and ``pre_delete`` refuse it, except inside
  ``audit_chain.removing`` (``audit_prune``, the demo's reset). The chain's head row is moved
  forward by the sealing, never deleted. ``QuerySet.delete()`` is covered:
  with a ``pre_delete`` receiver connected Django fetches the rows and signals each one, and a
  cascade (a content type deleted) goes through it too. ``QuerySet.update()``, ``bulk_update``
  and raw SQL send no signal: on PostgreSQL the trigger of migration ``core.0002_audit_chain``
  refuses them; on SQLite (the embedded mode) only the chain's check finds what they changed.
- A user who acted in audit entries is not deleted: auditlog's ``actor`` is ``SET_NULL``, so
  the deletion would rewrite those entries. Deactivate the account instead.
- Each new entry is sealed after its transaction commits (``audit_chain.seal_on_commit``).
"""

from auditlog.models import LogEntry
from django.conf import settings
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils.translation import gettext as _

from bangfu.core import audit_chain
from bangfu.core.errors import Refused
from bangfu.core.models import AuditChainHead, AuditPruning, AuditSeal

APPEND_ONLY = (LogEntry, AuditSeal, AuditPruning)


class AppendOnly(Refused):
    """An audit row was about to be changed or deleted."""


def _refuse_update(sender, instance, raw=False, **kwargs) -> None:
    if audit_chain.is_removing():
        return
    if instance._state.adding and (
        instance.pk is None or not sender._default_manager.filter(pk=instance.pk).exists()
    ):
        return
    raise AppendOnly(
        _("Audit records are append-only: %(model)s #%(pk)s cannot be changed.")
        % {"model": sender._meta.verbose_name, "pk": instance.pk}
    )


def _refuse_delete(sender, instance, **kwargs) -> None:
    if audit_chain.is_removing():
        return
    raise AppendOnly(
        _("Audit records are append-only: %(model)s #%(pk)s cannot be deleted.")
        % {"model": sender._meta.verbose_name, "pk": instance.pk}
    )


def _refuse_deleting_actor(sender, instance, **kwargs) -> None:
    if LogEntry.objects.filter(actor_id=instance.pk).exists():
        raise AppendOnly(
            _(
                "%(user)s appears in the audit log and cannot be deleted: deactivate the "
                "account instead."
            )
            % {"user": instance}
        )


def _seal_new_entry(sender, instance, created, raw=False, **kwargs) -> None:
    if created:
        audit_chain.seal_on_commit([instance])


def connect() -> None:
    for model in APPEND_ONLY:
        pre_save.connect(_refuse_update, sender=model, dispatch_uid=f"audit_append_only_{model}")
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"audit_no_delete_{model}")
    pre_delete.connect(_refuse_delete, sender=AuditChainHead, dispatch_uid="audit_no_delete_head")
    pre_delete.connect(
        _refuse_deleting_actor, sender=settings.AUTH_USER_MODEL, dispatch_uid="audit_actor"
    )
    post_save.connect(_seal_new_entry, sender=LogEntry, dispatch_uid="audit_seal_new_entry")
