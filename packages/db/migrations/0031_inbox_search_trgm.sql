-- The inbox's search by substring (listConversations): trigram indexes (pg_trgm, a trusted contrib extension:
-- PostgreSQL's own packages, the embedded server, RDS and Supabase ship it). Creating it takes CREATE on the
-- database: a migrating role without it (or a server without contrib) gets a NOTICE, not a failed migration —
-- the search works without these indexes, only slower; an administrator can create the extension and the
-- indexes later (README, "Upgrading").
-- IF NOT EXISTS: on a large database, build the indexes beforehand without blocking writes (README, "Upgrading").
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE NOTICE 'pg_trgm is not available to this role (%): the inbox search works without its indexes, only slower. As an administrator: CREATE EXTENSION pg_trgm; then the CREATE INDEX statements of migration 0031.', SQLERRM;
END
$$;--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' AND pg_opclass_is_visible(oid)) THEN
    CREATE INDEX IF NOT EXISTS "conversations_customer_name_trgm_idx" ON "conversations" USING gin ("customer_name" gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS "conversations_customer_key_trgm_idx" ON "conversations" USING gin ("customer_key" gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS "messages_body_trgm_idx" ON "messages" USING gin ("body" gin_trgm_ops) WHERE "messages"."type" <> 'note';
  ELSE
    RAISE NOTICE 'gin_trgm_ops is not visible on the search_path: the inbox search trigram indexes were not built';
  END IF;
END
$$;
