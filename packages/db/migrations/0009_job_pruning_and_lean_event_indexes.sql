DROP INDEX "webhook_events_received_idx";--> statement-breakpoint
DROP INDEX "webhook_events_status_idx";--> statement-breakpoint
CREATE INDEX "webhook_events_received_brin" ON "webhook_events" USING brin ("received_at");--> statement-breakpoint
CREATE INDEX "message_queue_created_brin" ON "message_queue" USING brin ("created_at");