-- The role gaitscope workers connect as (issue 17). Run once per cluster, as a superuser or a
-- role with CREATEROLE (the service's own role has neither, by design):
--     psql "postgresql://admin@db.example.org/gaitscope?sslmode=verify-full" \
--          -f scripts/pg_worker_role.sql
--     psql ... -c '\password gaitscope_worker'     -- then put it in the workers' ~/.pgpass
-- Safe to run again. Its rights come from the server: every `gaitscope serve --db` (any process
-- of the tables' owner) grants them when it opens the database and the role exists, after
-- applying the schema's migrations (src/store/store_pg.c, worker_grants): read the schema
-- version, sessions, athletes and uploads; read the jobs and change their claim columns;
-- nothing on accounts, tokens, shares, users, NKT records or any later table. So after creating
-- the role, restart the server once; after an upgrade nothing is to be re-run.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'gaitscope_worker') THEN
        CREATE ROLE gaitscope_worker LOGIN;
    END IF;
END
$$;
