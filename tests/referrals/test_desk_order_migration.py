"""Migration referrals 0013 fills the desk's order kept on the cases there are: the need's
urgency rank and priority, the live referral's deadline; a case with no need ranks last."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bangfu.referrals.models import IntakeCase
from bangfu.referrals.models.intake import NO_URGENCY_RANK
from bangfu.referrals.selectors.order import URGENCY_ORDER
from tests.migrating import ON_POSTGRESQL

pytestmark = ON_POSTGRESQL


def test_the_migration_fills_the_keys_of_the_cases_there_are(committed, referral, need):
    without_need = IntakeCase.objects.create(
        source=IntakeCase.Source.PUBLIC_FORM, region=referral.intake.region, description="助浴"
    )
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("referrals", "0012_desk_indexes")])
    MigrationExecutor(connection).migrate(leaves)

    need.refresh_from_db()
    kept = IntakeCase.objects.in_bulk([referral.intake_id, without_need.pk])
    assert [getattr(kept[referral.intake_id], name) for name in IntakeCase.ORDER_FIELDS] == [
        URGENCY_ORDER.index(need.urgency),
        need.priority,
        referral.accept_due_at,
    ]
    assert [getattr(kept[without_need.pk], name) for name in IntakeCase.ORDER_FIELDS] == [
        NO_URGENCY_RANK,
        None,
        None,
    ]
