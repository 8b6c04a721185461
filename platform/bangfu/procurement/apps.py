from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "bangfu.procurement"
    verbose_name = _("Procurement of services")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.core import public_cache
        from bangfu.procurement import models
        from bangfu.procurement.provider_kind import PROJECT_KIND
        from bangfu.providers.kinds import register

        # Referrals reach a procured project only through its kind's hooks.
        register(PROJECT_KIND)

        # Money and status changes are audited in the same transaction as the change. The
        # catalogue and evaluation schemes are configuration, kept in the admin's own history
        # (and seeded by migration, which must not write audit rows).
        for model in (
            models.Fund,
            models.ProcurementCap,
            models.Project,
            models.ProjectLine,
            models.ProjectTransition,
            models.Filing,
            models.FilingEvent,
            models.LedgerEntry,
            models.Evaluation,
            models.EvaluationScore,
        ):
            auditlog.register(model)
        # Deliveries may name a household: the note is free text and stays out of the log.
        auditlog.register(models.DeliveryRecord, mask_fields=["note"])
        # A document's file name is the uploader's own and may say anything.
        auditlog.register(models.FilingDocument, mask_fields=["name"])
        # A project's notice (公示) shows these rows: its lines and items, the delivery so far,
        # its approval and its evaluation.
        public_cache.watch(
            models.Project,
            models.ProjectLine,
            models.ProjectTransition,
            models.DeliveryRecord,
            models.Evaluation,
            models.CatalogueItem,
        )
