-- The queue tables churn: every job and every send is updated 2-3 times (claim, finish, settle) and
-- each update leaves a dead row version and dead entries at the left edge of the ready indexes,
-- which every claim scan steps over until a vacuum clears them. PostgreSQL's default waits for 20 %
-- of the table to be dead, a threshold that grows with the table (a day of jobs is kept): here a
-- vacuum runs after a fixed 10,000 dead rows, so the claim's left edge stays short at any size.
ALTER TABLE "message_queue" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);--> statement-breakpoint
ALTER TABLE "outbox_messages" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
