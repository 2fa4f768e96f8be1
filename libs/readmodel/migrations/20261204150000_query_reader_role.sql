-- migrate:up

-- The query service's role (SPEC §2, Trust): it reads the read model and
-- can change nothing. LOGIN without a password here: a password (or IAM
-- authentication on Aurora) is set out of band, never in a migration; local
-- servers with trust authentication need none. Roles are per server, so a
-- second database on the same server (every test has its own) finds the
-- role there already: creating it is idempotent, the grants are per database.
DO $$
BEGIN
  CREATE ROLE threadweaver_query LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
EXCEPTION
  -- duplicate_object: it exists; unique_violation: another migration created it concurrently.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO threadweaver_query', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO threadweaver_query;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO threadweaver_query;
-- Tables later migrations add are readable too (when the migrating role creates them).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO threadweaver_query;
-- Before PostgreSQL 15 every role may create in public; the reader may not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Functions are executable by PUBLIC by default; the projection is the projector's (the owner's) alone.
REVOKE EXECUTE ON FUNCTION project_thread_events(jsonb, text) FROM PUBLIC;

-- migrate:down

GRANT EXECUTE ON FUNCTION project_thread_events(jsonb, text) TO PUBLIC;

ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM threadweaver_query;
REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM threadweaver_query;
REVOKE USAGE ON SCHEMA public FROM threadweaver_query;
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM threadweaver_query', current_database());
END
$$;
-- The role itself stays: other databases on this server may still grant to it.
