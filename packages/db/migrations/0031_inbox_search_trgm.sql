-- The inbox's search by substring (listConversations): trigram indexes (pg_trgm, a trusted contrib extension:
-- PostgreSQL's own packages and the embedded server ship it, and a database owner may create it).
-- IF NOT EXISTS: on a large database, build them beforehand without blocking writes (README, "Upgrading").
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversations_customer_name_trgm_idx" ON "conversations" USING gin ("customer_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "conversations_customer_key_trgm_idx" ON "conversations" USING gin ("customer_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "messages_body_trgm_idx" ON "messages" USING gin ("body" gin_trgm_ops) WHERE "messages"."type" <> 'note';
