"""A referral has one provider: the three kind columns and their constraints go, the capacity
slot is unique per provider. A session keeps the pk of the delivery it recorded (the project's
own record; the delivery knows its referral as its ``case`` since procurement 0004).

Reversing puts the kind columns back from the provider, so the old constraints hold again.
"""

import django.db.models.deletion
from django.db import migrations, models

KINDS = ("station", "volunteer", "project")


def kind_columns_from_provider(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Columns with foreign keys are dropped next in this transaction: check these rows'
        # keys now, so no check is left pending when the columns go.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Referral = apps.get_model("referrals", "Referral")
    for kind in KINDS:
        rows = Referral.objects.filter(provider__kind=kind).values_list(
            "pk", f"provider__{kind}__pk"
        )
        updates = [Referral(pk=pk, **{f"{kind}_id": row}) for pk, row in rows]
        Referral.objects.bulk_update(updates, [kind], batch_size=500)


def record_from_delivery(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Columns with foreign keys are dropped next in this transaction: check these rows'
        # keys now, so no check is left pending when the columns go.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ServiceSession = apps.get_model("referrals", "ServiceSession")
    sessions = list(ServiceSession.objects.exclude(delivery=None))
    for session in sessions:
        session.delivery_record = session.delivery_id
    ServiceSession.objects.bulk_update(sessions, ["delivery_record"], batch_size=500)


def delivery_from_record(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Columns with foreign keys are dropped next in this transaction: check these rows'
        # keys now, so no check is left pending when the columns go.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ServiceSession = apps.get_model("referrals", "ServiceSession")
    sessions = list(ServiceSession.objects.exclude(delivery_record=None))
    for session in sessions:
        session.delivery_id = session.delivery_record
    ServiceSession.objects.bulk_update(sessions, ["delivery"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0005_referral_provider'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='referral',
            name='referral_station_slot_unique',
        ),
        migrations.RemoveConstraint(
            model_name='referral',
            name='referral_volunteer_slot_unique',
        ),
        migrations.RemoveConstraint(
            model_name='referral',
            name='referral_exactly_one_provider',
        ),
        migrations.RemoveConstraint(
            model_name='referral',
            name='referral_slot_iff_holding',
        ),
        migrations.RunPython(migrations.RunPython.noop, kind_columns_from_provider),
        migrations.RemoveField(
            model_name='referral',
            name='project',
        ),
        migrations.RemoveField(
            model_name='referral',
            name='station',
        ),
        migrations.RemoveField(
            model_name='referral',
            name='volunteer',
        ),
        migrations.AddField(
            model_name='servicesession',
            name='delivery_record',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='record of what was delivered'),
        ),
        migrations.RunPython(record_from_delivery, delivery_from_record),
        migrations.RemoveField(
            model_name='servicesession',
            name='delivery',
        ),
        migrations.AlterField(
            model_name='referral',
            name='provider',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='providers.provider', verbose_name='provider'),
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.CheckConstraint(condition=models.Q(('slot__isnull', True), models.Q(('slot__gte', 1), ('status__in', ['accepted', 'in_service'])), _connector='OR'), name='referral_slot_only_while_holding'),
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.UniqueConstraint(condition=models.Q(('slot__isnull', False)), fields=('provider', 'slot'), name='referral_provider_slot_unique'),
        ),
    ]
