from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit log's changes of free text and a person's name and birth date: nothing of the value.
MASK_WHOLE = "bangfu.core.masking.mask_whole"


class RegistryConfig(AppConfig):
    name = "bangfu.registry"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.utils.module_loading import autodiscover_modules

        from bangfu.core import crypto, public_cache
        from bangfu.core.key_rotation import register_stored_hash
        from bangfu.registry import models, summaries

        # Reads and changes of personal data are audited; secrets never enter the log.
        auditlog.register(
            models.Household, exclude_fields=["phone_hash"], mask_fields=["address", "phone"]
        )
        # The search keys spell out the name (pinyin) and the ID number's tail (hashes).
        auditlog.register(
            models.Member,
            exclude_fields=[
                "id_number",
                "id_number_hash",
                "name_pinyin",
                "name_initials",
                "name_grams",
                "id_tail4_hash",
                "id_tail5_hash",
                "id_tail6_hash",
            ],
            mask_fields=["name", "illness_note", "birth_date"],
            mask_callable=MASK_WHOLE,
        )
        # Visit summaries and need notes tell of illness and family: masked in the log too.
        auditlog.register(models.Assessment, mask_fields=["summary"], mask_callable=MASK_WHOLE)
        auditlog.register(
            models.Need, mask_fields=["notes", "preferred_times"], mask_callable=MASK_WHOLE
        )
        auditlog.register(models.StatusDecision, mask_fields=["note", "rejection_reason"])
        auditlog.register(models.TemporaryGrant, mask_fields=["reason", "rejection_reason"])
        # The ID number's hash is written by the services: `rotate_keys` re-hashes it too.
        register_stored_hash(
            models.Member, "id_number_hash", digest=crypto.lookup_hash, sources=["id_number"]
        )
        # Each app tells the household's story on its page in its ``timeline`` module.
        autodiscover_modules("timeline")
        # The service categories are the public directory's taxonomy.
        public_cache.watch(models.ServiceCategory)
        # The household list's counts, kept on the household by single-row writes.
        summaries.connect_receivers()
