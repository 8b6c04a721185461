from django.db import migrations

from bangfu.core.migration_ops import index_in_sql

# A county's list of open needs not yet at the desk (``selectors.needs_awaiting_intake``, which
# names the counties of a county's or township's area): its first rows in the desk's order,
# read from this index instead of walking the province's open needs for the county's own. The
# order is 0012's ``need_desk_order``, after the county.
NEED_COUNTY_DESK_ORDER = """
"registry_need" (
    "county_id",
    (CASE WHEN "urgency" = 'emergency' THEN 0 WHEN "urgency" = 'urgent' THEN 1
          WHEN "urgency" = 'soon' THEN 2 WHEN "urgency" = 'routine' THEN 3 ELSE 4 END),
    "priority" DESC, "opened_on", "id"
) WHERE "status" IN ('open', 'matched')
"""

# 0012's index again, as 0012 wrote it: on SQLite, ``registry.0017`` rebuilt the table without
# it (on PostgreSQL it is still there, and this does nothing).
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
        ("referrals", "0013_desk_order"),
        ("registry", "0017_need_county"),
    ]

    operations = [
        index_in_sql("need_desk_order", NEED_DESK_ORDER, owned=False),
        index_in_sql("need_county_desk_order", NEED_COUNTY_DESK_ORDER),
    ]
