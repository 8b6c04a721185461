from django.db import migrations, models

from bangfu.core.migration_ops import IndexedConcurrently, postgres_index


class Migration(migrations.Migration):
    # The indexes are built without blocking writes to a province's registry.
    atomic = False

    dependencies = [("registry", "0012_region_tallies")]

    operations = [
        migrations.RemoveIndex(
            model_name="household",
            name="registry_ho_next_re_2d8bc0_idx",
        ),
        migrations.RemoveIndex(
            model_name="statusdecision",
            name="registry_st_state_3327df_idx",
        ),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(fields=["next_review_due", "id"], name="household_review_pk"),
        ),
        # The list by next review, the latest first (NULLs last), on PostgreSQL only.
        postgres_index(
            "registry_household",
            "household_review_desc_pk",
            '"next_review_due" DESC NULLS LAST, "id"',
            concurrently=True,
        ),
        IndexedConcurrently(
            model_name="household",
            index=models.Index(
                fields=["status", "registry_number"], name="household_status_number"
            ),
        ),
        IndexedConcurrently(
            model_name="statusdecision",
            index=models.Index(
                fields=["state", "created_at", "id"], name="decision_state_created_pk"
            ),
        ),
        IndexedConcurrently(
            model_name="temporarygrant",
            index=models.Index(fields=["decided_at", "id"], name="grant_decided_pk"),
        ),
    ]
