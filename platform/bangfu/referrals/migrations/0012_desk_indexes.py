from django.db import migrations, models

from bangfu.core.migration_ops import IndexedConcurrently, index_in_sql

# The desk's list of open needs not yet at the desk, in its order (``needs_awaiting_intake``:
# the most urgent first, then the highest priority, the longest open): a province's desk reads
# its first rows from this index instead of sorting every open need. The expression is the one
# ``selectors.urgency_rank`` writes, so that PostgreSQL matches the ORDER BY to it; the index
# lives here, beside the list it serves, not in the registry's models. (The SQL after ON.)
NEED_DESK_ORDER = """
"registry_need" (
    (CASE WHEN "urgency" = 'emergency' THEN 0 WHEN "urgency" = 'urgent' THEN 1
          WHEN "urgency" = 'soon' THEN 2 WHEN "urgency" = 'routine' THEN 3 ELSE 4 END),
    "priority" DESC, "opened_on", "id"
) WHERE "status" IN ('open', 'matched')
"""


class Migration(migrations.Migration):
    # Built without blocking writes to a province's needs.
    atomic = False

    dependencies = [
        ("referrals", "0011_intake_reference"),
        ("registry", "0013_list_indexes"),
    ]

    operations = [
        IndexedConcurrently(
            model_name="intakecase",
            index=models.Index(fields=["status", "opened_at"], name="intake_status_opened"),
        ),
        index_in_sql("need_desk_order", NEED_DESK_ORDER),
    ]
