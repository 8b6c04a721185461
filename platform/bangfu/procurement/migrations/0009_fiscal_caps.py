"""The cap as documents 001 and 003 define it (issue #13).

- Funds: 民政事业专项补助资金 becomes a source; the aid funds are recorded by programme.
- One cap per fiscal unit: a township's cap row is merged into its county's (the same money was
  counted twice), its ledger entries moving with it; townships with a budget of their own (the
  new policy ``procurement_township_budget`` = "own") keep theirs.
- ``committed_limit``: a cap recomputed below its commitments keeps them; the check constraint
  now reads the limit.
- The funding source moves from the project to each line.
- The national default base becomes the year's spending of the aid funds (003).

Reversing puts the source back on the project (its first line's) and the national base back to
the budget; merged township caps stay merged, and a cap below its commitments is raised to them.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Greatest

from bangfu.core.migration_ops import keys_checked_now
from bangfu.regions.migration_ops import load_policy_defaults

TOWNSHIP = 4  # Region.Level.TOWNSHIP
PAYING = ("work_funds", "civil_affairs", "subsidy")


def _keeps_own_budget(PolicyValue, township) -> bool:
    rows = PolicyValue.objects.filter(key="procurement_township_budget").filter(
        Q(region=township) | Q(region=township.parent)
    )
    own = [row for row in rows.order_by("-region__level", "-year")[:1]]
    return bool(own) and own[0].value == "own"


def merge_township_caps(apps, schema_editor):
    keys_checked_now(schema_editor)
    ProcurementCap = apps.get_model("procurement", "ProcurementCap")
    LedgerEntry = apps.get_model("procurement", "LedgerEntry")
    PolicyValue = apps.get_model("regions", "PolicyValue")
    for cap in ProcurementCap.objects.filter(region__level=TOWNSHIP).select_related(
        "region__parent"
    ):
        if _keeps_own_budget(PolicyValue, cap.region):
            continue
        county, _created = ProcurementCap.objects.get_or_create(
            region=cap.region.parent, year=cap.year
        )
        LedgerEntry.objects.filter(cap=cap).update(cap=county)
        ProcurementCap.objects.filter(pk=county.pk).update(
            committed_total=F("committed_total") + cap.committed_total,
            paid_total=F("paid_total") + cap.paid_total,
        )
        cap.delete()
    ProcurementCap.objects.update(committed_limit=Greatest(F("cap_amount"), F("committed_total")))


def caps_hold_their_commitments(apps, schema_editor):
    # The old constraint reads the cap itself: one below its commitments is raised to them.
    ProcurementCap = apps.get_model("procurement", "ProcurementCap")
    ProcurementCap.objects.update(cap_amount=Greatest(F("cap_amount"), F("committed_total")))


def source_to_lines(apps, schema_editor):
    keys_checked_now(schema_editor)
    ProjectLine = apps.get_model("procurement", "ProjectLine")
    for source in PAYING:
        ProjectLine.objects.filter(project__funding_source=source).update(funding_source=source)
    # "Other funds" pay no purchase under 003: such lines are booked as work funds.
    ProjectLine.objects.exclude(funding_source__in=PAYING).update(funding_source="work_funds")


def source_to_projects(apps, schema_editor):
    Project = apps.get_model("procurement", "Project")
    for project in Project.objects.prefetch_related("lines"):
        lines = list(project.lines.all())
        project.funding_source = lines[0].funding_source if lines else "work_funds"
        project.save(update_fields=["funding_source"])


def base_back_to_budget(apps, schema_editor):
    PolicyValue = apps.get_model("regions", "PolicyValue")
    PolicyValue.objects.filter(key="procurement_cap_base", region=None).update(value="budget")
    PolicyValue.objects.filter(key="procurement_township_budget", region=None).delete()


NEW_DEFAULTS = load_policy_defaults("procurement_cap_base", "procurement_township_budget")
SOURCES = [
    ("work_funds", "social-assistance work funds (社会救助工作经费)"),
    ("civil_affairs", "civil-affairs special subsidy funds (民政事业专项补助资金)"),
    ("subsidy", "assistance subsidy funds (困难群众救助补助资金)"),
    ("other", "other funds"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0008_filing_handoff"),
        ("regions", "0002_policy_defaults"),
    ]

    operations = [
        # Funds by source and programme.
        migrations.AlterField(
            model_name="fund",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=16, verbose_name="source"),
        ),
        migrations.AddField(
            model_name="fund",
            name="programme",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "all programmes"),
                    ("dibao", "minimum living allowance (低保)"),
                    ("tekun", "support for the extremely poor (特困供养)"),
                    ("temporary", "temporary assistance (临时救助)"),
                    ("orphans", "orphans and unsupported children (孤儿及事实无人抚养儿童)"),
                    ("vagrants", "vagrants and beggars (流浪乞讨人员救助)"),
                ],
                default="",
                max_length=16,
                verbose_name="programme",
            ),
        ),
        migrations.RemoveConstraint(model_name="fund", name="fund_unique"),
        migrations.AddConstraint(
            model_name="fund",
            constraint=models.UniqueConstraint(
                fields=("region", "year", "source", "programme"), name="fund_unique"
            ),
        ),
        migrations.AlterModelOptions(
            name="fund",
            options={
                "ordering": ["region__path", "-year", "source", "programme"],
                "verbose_name": "assistance fund",
                "verbose_name_plural": "assistance funds",
            },
        ),
        # One cap per fiscal unit, with the limit its commitments are checked against.
        migrations.AlterField(
            model_name="procurementcap",
            name="base",
            field=models.CharField(
                choices=[
                    ("spending", "the year's spending of the aid funds"),
                    ("budget", "the aid funds' budget, until spending is entered"),
                ],
                default="spending",
                max_length=16,
                verbose_name="base",
            ),
        ),
        migrations.AddField(
            model_name="procurementcap",
            name="committed_limit",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                max_digits=14,
                validators=[django.core.validators.MinValueValidator(Decimal("0.00"))],
                verbose_name="committed limit (yuan)",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="procurementcap", name="procurement_committed_within_cap"
        ),
        migrations.RunPython(merge_township_caps, caps_hold_their_commitments),
        migrations.AddConstraint(
            model_name="procurementcap",
            constraint=models.CheckConstraint(
                condition=models.Q(("committed_total__lte", models.F("committed_limit"))),
                name="procurement_committed_within_limit",
            ),
        ),
        # The source that pays, line by line.
        migrations.AddField(
            model_name="projectline",
            name="funding_source",
            field=models.CharField(
                choices=SOURCES[:3], default="work_funds", max_length=16, verbose_name="paid from"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(source_to_lines, source_to_projects),
        # With a default, so that going back can put the column back before it is refilled.
        migrations.AlterField(
            model_name="project",
            name="funding_source",
            field=models.CharField(
                choices=SOURCES, default="work_funds", max_length=16, verbose_name="funding source"
            ),
        ),
        migrations.RemoveField(model_name="project", name="funding_source"),
        # The base of 003 by default, and townships under their county's cap.
        migrations.RunPython(NEW_DEFAULTS.code, base_back_to_budget),
    ]
