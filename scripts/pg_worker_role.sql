-- The role gaitscope workers connect as (issue 17): it can take jobs, report progress and record
-- results, and read the sessions, athletes and uploads a job needs; it cannot read accounts
-- (password hashes), tokens or shares, nor change any record other than a job's.
--
-- Run once per database, as a superuser or a role with CREATEROLE that owns the tables, after
-- `gaitscope serve --db postgresql://...` has created them (the server migrates; workers only
-- read the schema version, so a newer gaitscope's migration must be followed by this file again):
--     psql "postgresql://admin@db.example.org/gaitscope?sslmode=verify-full" \
--          -f scripts/pg_worker_role.sql
--     psql ... -c '\password gaitscope_worker'     -- then put it in the workers' ~/.pgpass
-- Safe to run again. Roles are per cluster, the grants per database.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'gaitscope_worker') THEN
        CREATE ROLE gaitscope_worker LOGIN;
    END IF;
END
$$;

-- Nothing beyond what is granted below, whatever was granted before.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM gaitscope_worker;
GRANT USAGE ON SCHEMA public TO gaitscope_worker;

-- gs_store_open reads the schema version.
GRANT SELECT ON schema_version TO gaitscope_worker;
-- A job's inputs: its session (blob id, analysis options), the athlete (height), the upload.
GRANT SELECT ON sessions, athletes, blobs TO gaitscope_worker;
-- The queue: claim (SELECT ... FOR UPDATE SKIP LOCKED), heartbeat, finish, release; only the
-- columns a claim's life changes (a job's session, account and creation stay as queued).
GRANT SELECT ON jobs TO gaitscope_worker;
GRANT UPDATE (status, progress, stage, error, attempts, worker, lease_until, started, finished)
    ON jobs TO gaitscope_worker;
-- accounts, tokens and shares: no privilege at all.
