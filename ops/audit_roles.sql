-- Database roles that keep the audit log append-only in production (README, "Audit that cannot
-- be rewritten"). The trigger of migration core.0002_audit_chain refuses UPDATE, DELETE and
-- TRUNCATE on the audit tables unless a transaction sets `bangfu.audit_prune`, which any
-- session may do: the privileges below are what stops the application itself.
--
--   bangfu_owner   owns the schema and runs `manage.py migrate` (an owner may drop a trigger:
--                  never the application's role)
--   bangfu_app     the web server, the Celery workers and beat (DATABASE_URL): reads and writes
--                  every table, but only appends to the audit tables
--   bangfu_pruner  `manage.py audit_prune` alone (its own DATABASE_URL): the application's
--                  rights plus UPDATE and DELETE on the audit tables
--
-- Run as a superuser after each `manage.py migrate` (new tables get the grants below):
--   psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f ops/audit_roles.sql
-- Set the roles' passwords separately (ALTER ROLE … PASSWORD), never in this file.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bangfu_owner') THEN
        CREATE ROLE bangfu_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bangfu_app') THEN
        CREATE ROLE bangfu_app LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bangfu_pruner') THEN
        CREATE ROLE bangfu_pruner LOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO bangfu_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bangfu_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO bangfu_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bangfu_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bangfu_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bangfu_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO bangfu_app;

-- The audit log, its seals and its pruning records: append only.
REVOKE UPDATE, DELETE, TRUNCATE
    ON auditlog_logentry, core_auditseal, core_auditpruning
    FROM bangfu_app, PUBLIC;
-- The chain's head: the sealing moves it forward (the trigger refuses moving it back).
REVOKE DELETE, TRUNCATE ON core_auditchainhead FROM bangfu_app, PUBLIC;

-- The pruning role: what the application may, and removing what the retention period lets go.
GRANT bangfu_app TO bangfu_pruner;
GRANT UPDATE, DELETE
    ON auditlog_logentry, core_auditseal, core_auditpruning, core_auditchainhead
    TO bangfu_pruner;
