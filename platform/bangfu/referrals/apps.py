from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "bangfu.referrals"
    verbose_name = _("Intake and referrals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.accounts.scoping import register_provider_reach
        from bangfu.core import notices
        from bangfu.core.key_rotation import register_stored_hash
        from bangfu.core.phones import phone_lookup_hash
        from bangfu.providers.kinds import register_households_in_care
        from bangfu.providers.selectors import register_provider_stats
        from bangfu.referrals import desk_order, models, reach
        from bangfu.referrals.dashboards import bureau_tally_rows
        from bangfu.referrals.notifications import notify
        from bangfu.referrals.provider_stats import provider_stats
        from bangfu.referrals.selectors import households_in_care
        from bangfu.registry import hooks
        from bangfu.registry.tallies import register_tally_source

        # Notes and descriptions may name people: they are masked in the audit log.
        # The desk's order is a copy of the need's and the referral's, audited there.
        auditlog.register(
            models.IntakeCase,
            exclude_fields=["caller_phone_hash", *models.IntakeCase.ORDER_FIELDS],
            mask_fields=["description", "caller_name", "caller_phone"],
        )
        auditlog.register(
            models.Referral, mask_fields=["decline_note", "outcome_note", "note_to_provider"]
        )
        auditlog.register(models.ServiceSession, mask_fields=["notes"])
        auditlog.register(models.Feedback, mask_fields=["comments"])
        auditlog.register(
            models.HelpRequest, exclude_fields=["phone_hash"], mask_fields=["close_details"]
        )
        auditlog.register(models.ContactAttempt, mask_fields=["note"])
        # The receipt's phone hash, re-hashed by `rotate_keys` from the case's caller phone.
        register_stored_hash(
            models.HelpRequest,
            "phone_hash",
            digest=phone_lookup_hash,
            sources=["intake__caller_phone"],
        )
        # A quota of households counts those in the provider's care.
        register_households_in_care(households_in_care)
        register_provider_stats(provider_stats)  # the directory's record of each provider
        # Providers' people read referrals and needs through the referrals to them.
        register_provider_reach(reach.REACH)
        # Apps that may not import this one (procurement's filings) notify users through core.
        notices.register(notify)
        # The bureau dashboard's counts are kept in the registry's region tallies.
        register_tally_source(bureau_tally_rows)
        # The desk's lists sort by keys kept on the case: a need's new urgency or priority,
        # saved alone or recomputed in bulk by the registry, reaches its cases.
        desk_order.connect_receivers()
        hooks.on_needs_reprioritised.append(desk_order.refresh_for_needs)
