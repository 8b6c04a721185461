from django.db import migrations

# The receipt's fields, same meaning on both sides: (cms field, referrals field).
FIELDS = (
    ("code", "code"),
    ("phone_hash", "phone_hash"),
    ("township_id", "township_id"),
    ("intake_id", "intake_id"),
    ("consented_at", "consented_at"),
    ("created_at", "submitted_at"),
)


def to_referrals(apps, schema_editor):
    """Each receipt becomes the desk's help request, as far along as its case went: not yet
    acknowledged while nobody acted on the case (the site only claimed it); acknowledged by
    the desk that first referred the case, when it did; closed as served when a provider
    completed the service or the need was met another way. A case closed for another reason
    (the household refused, moved away, died) has no reason the public reads: its request
    waits, acknowledged, for the desk to close it. Its case is no longer credited to the
    member of staff it was opened for."""
    Old = apps.get_model("cms", "HelpRequest")
    New = apps.get_model("referrals", "HelpRequest")
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    Referral = apps.get_model("referrals", "Referral")
    rows = list(Old.objects.values(*(old for old, _new in FIELDS)))
    intake_ids = [row["intake_id"] for row in rows]
    closed = IntakeCase.objects.filter(pk__in=intake_ids, status="closed")
    closed_at_of = dict(closed.values_list("pk", "closed_at"))
    first_referral, served = {}, set()
    referrals = Referral.objects.filter(intake_id__in=intake_ids).order_by("sent_at", "pk")
    for intake_id, sent_at, sent_by_id, status, close_reason in referrals.values_list(
        "intake_id", "sent_at", "sent_by_id", "status", "close_reason"
    ):
        first_referral.setdefault(intake_id, (sent_at, sent_by_id))
        if status == "completed" or (status == "closed" and close_reason == "resolved_otherwise"):
            served.add(intake_id)
    requests = []
    for row in rows:
        request = New(**{new: row[old] for old, new in FIELDS})
        closed_at = closed_at_of.get(row["intake_id"])
        first = first_referral.get(row["intake_id"])
        if first is not None or closed_at is not None:
            request.status = "acknowledged"
            request.acknowledged_at, request.acknowledged_by_id = first or (closed_at, None)
        if closed_at is not None and row["intake_id"] in served:
            request.status, request.closed_at, request.close_reason = "closed", closed_at, "served"
        requests.append(request)
    New.objects.bulk_create(requests, batch_size=500)
    IntakeCase.objects.filter(pk__in=intake_ids).update(opened_by=None)


def to_cms(apps, schema_editor):
    """Back: the receipts return to the site and each case to the township's first desk user
    (the opener the old code gave it); what the desk recorded since is dropped."""
    Old = apps.get_model("cms", "HelpRequest")
    New = apps.get_model("referrals", "HelpRequest")
    IntakeCase = apps.get_model("referrals", "IntakeCase")
    Membership = apps.get_model("accounts", "Membership")
    rows = list(New.objects.values(*(new for _old, new in FIELDS)))
    Old.objects.bulk_create(
        [Old(**{old: row[new] for old, new in FIELDS}) for row in rows], batch_size=500
    )
    for intake in IntakeCase.objects.filter(opened_by=None).select_related("region"):
        paths = [
            intake.region.path[: index + 1]
            for index, char in enumerate(intake.region.path)
            if char == "/"
        ]
        desk = (
            Membership.objects.filter(
                role__in=["bureau_staff", "bureau_manager"],
                is_active=True,
                organisation__region__path__in=paths,
            )
            .order_by("-organisation__region__level", "pk")
            .values_list("user_id", flat=True)
            .first()
        )
        intake.opened_by_id = desk
        intake.save(update_fields=["opened_by"])
    New.objects.all().delete()


class Migration(migrations.Migration):
    """The receipt of a public help request moves to referrals, where the desk triages it: the
    site keeps no model of its own for it and only calls ``referrals.public_intake``."""

    dependencies = [
        ("cms", "0002_create_site"),
        ("referrals", "0009_help_requests"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_referrals, to_cms),
        migrations.DeleteModel(name="HelpRequest"),
    ]
