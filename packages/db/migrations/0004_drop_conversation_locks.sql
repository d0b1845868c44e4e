-- The per-conversation lock is the running head-of-line job itself (lease = TTL, heartbeat, reaper):
-- see apps/worker/src/queue/claim.ts. This table was written and read on every job for nothing.
DROP TABLE "conversation_locks" CASCADE;