-- Measured: a NOTIFY in every committing transaction serialises commits on PostgreSQL's notification
-- queue lock (an insert-only pgbench on this machine: 5,800 tps without, 390 tps with the statement
-- trigger). Wake-ups are now sent outside the hot transactions, coalesced per process
-- (packages/db/src/notifier.ts), and each worker wakes its own sender in process.
DROP TRIGGER IF EXISTS message_queue_notify ON message_queue;
--> statement-breakpoint
DROP TRIGGER IF EXISTS outbox_messages_notify ON outbox_messages;
--> statement-breakpoint
DROP FUNCTION IF EXISTS lx_notify_jobs();
--> statement-breakpoint
DROP FUNCTION IF EXISTS lx_notify_outbox();
