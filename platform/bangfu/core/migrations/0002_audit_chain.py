"""The audit log's hash chain (bangfu.core.audit_chain) and, on PostgreSQL, the triggers that
keep the audit tables append-only: UPDATE, DELETE and TRUNCATE are refused unless the
transaction has set ``bangfu.audit_prune`` to ``on`` (only ``audit_prune`` does, with
``set_config(..., true)``); the chain's head row may only move forward. Any session may set
the flag: in production the application's database role holds no UPDATE, DELETE or TRUNCATE on
these tables (``ops/audit_roles.sql``)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

APPEND_ONLY_TABLES = ("auditlog_logentry", "core_auditseal", "core_auditpruning")
HEAD_TABLE = "core_auditchainhead"

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION bangfu_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('bangfu.audit_prune', true), '') = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'core_auditchainhead' AND TG_OP = 'UPDATE' THEN
        IF NEW.seq > OLD.seq THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(APPEND_ONLY_FUNCTION, None)  # no parameters: RAISE keeps its %
    for table in (*APPEND_ONLY_TABLES, HEAD_TABLE):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bangfu_audit_append_only()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_audit_append_only()"
        )


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in (*APPEND_ONLY_TABLES, HEAD_TABLE):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS bangfu_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_background_job"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditPruning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("pruning", "pruning past the retention period"),
                            ("erasure", "erasure of the demo's entries"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                (
                    "by",
                    models.CharField(
                        help_text="Who or what removed them.", max_length=255, verbose_name="by"
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=255, verbose_name="reason")),
                (
                    "retention_days",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="retention (days)"
                    ),
                ),
                ("entries", models.PositiveIntegerField(verbose_name="entries removed")),
                (
                    "oldest",
                    models.DateTimeField(blank=True, null=True, verbose_name="oldest removed"),
                ),
                (
                    "newest",
                    models.DateTimeField(blank=True, null=True, verbose_name="newest removed"),
                ),
                (
                    "last_seq",
                    models.PositiveBigIntegerField(
                        blank=True, null=True, verbose_name="last seal removed"
                    ),
                ),
                (
                    "anchor_hash",
                    models.CharField(blank=True, max_length=64, verbose_name="anchor hash"),
                ),
            ],
            options={
                "verbose_name": "audit pruning",
                "verbose_name_plural": "audit prunings",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(unique=True, verbose_name="sequence")),
                ("algorithm", models.CharField(max_length=8, verbose_name="hash algorithm")),
                ("content_hash", models.CharField(max_length=64, verbose_name="content hash")),
                (
                    "prev_hash",
                    models.CharField(max_length=64, verbose_name="previous chain hash"),
                ),
                ("chain_hash", models.CharField(max_length=64, verbose_name="chain hash")),
                (
                    "sealed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="sealed at"
                    ),
                ),
                (
                    "entry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="audit_seal",
                        to="auditlog.logentry",
                        verbose_name="log entry",
                    ),
                ),
                (
                    "erasure",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="erased_seals",
                        to="core.auditpruning",
                        verbose_name="erased by",
                    ),
                ),
            ],
            options={
                "verbose_name": "audit seal",
                "verbose_name_plural": "audit seals",
                "ordering": ["seq"],
            },
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(verbose_name="sequence")),
                ("chain_hash", models.CharField(max_length=64, verbose_name="chain hash")),
                (
                    "updated_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="updated at"
                    ),
                ),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain heads",
            },
        ),
        migrations.RunPython(append_only, not_append_only, elidable=False),
    ]
