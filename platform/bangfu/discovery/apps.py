from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "bangfu.discovery"
    verbose_name = _("Finding people (政策找人)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.core import crypto
        from bangfu.core.key_rotation import register_stored_hash
        from bangfu.discovery import cross_area, decisions, figures, models, services
        from bangfu.discovery.selectors import warning_tally_rows
        from bangfu.registry import hooks
        from bangfu.registry.tallies import register_tally_source

        # Candidates are people outside the registry: their reads and changes are audited like
        # members', and the encrypted number never enters the log.
        auditlog.register(
            models.CandidatePerson,
            exclude_fields=["id_number", "id_number_hash"],
            mask_fields=["name", "address"],
        )
        auditlog.register(models.Task, mask_fields=["note"])
        # Keyed hashes of ID numbers kept here, re-hashed by `rotate_keys` from the number.
        person = ["member__id_number", "candidate__id_number", "candidate__member__id_number"]
        register_stored_hash(
            models.CandidatePerson,
            "id_number_hash",
            digest=crypto.lookup_hash,
            sources=["id_number", "member__id_number"],
        )
        register_stored_hash(
            models.SourceRecord, "person_hash", digest=crypto.lookup_hash, sources=person
        )
        register_stored_hash(
            models.Flag, "key", digest=crypto.lookup_hash, sources=person, embedded=True
        )
        # Numbers the registry refused across areas become the bureaux' warnings.
        hooks.on_cross_area_identity.append(cross_area.duplicate_registrations_warn)
        hooks.on_identity_probing.append(cross_area.identity_probing_alert)
        # The household page shows each member's indicative entitlement.
        hooks.household_panels.append(figures.entitlement_panel)
        # A recommendation's page shows the warning and the visit behind it, and the
        # calculator's figures by name; a confirmed decision sets the household's next review.
        hooks.decision_evidence.append(decisions.decision_evidence)
        hooks.decision_figures.append(decisions.decision_figures)
        hooks.on_decision_applied.append(services.review_after_decision)
        # The dashboard's counts of warnings, kept per village by the ten-minute refresh.
        register_tally_source(warning_tally_rows)
