-- The webhook's enqueue as the two-insert transaction of the issue's reference figure (~5,100/s on
-- the 2-core machine): insert webhook_events (deduplicated by (tenant_id, meta_message_id)) and the
-- message_queue job, one transaction, no workers. Run by `pnpm bench` as
--   pgbench -n -c 32 -j 2 -T 10 -f bench/webhook-pgbench.sql -D tenant=<uuid> -D pnid=<meta id> <db url>
-- on a fresh migrated database seeded with that tenant and conversations
-- 00000000-0000-4000-8000-000000000001 … -000000001000. The payload is the size and shape the API stores.
\set conv random(1, 1000)
\set r random(1, 1000000000000000)
BEGIN;
INSERT INTO webhook_events (tenant_id, meta_message_id, kind, status, phone_number_id, payload) VALUES (':tenant', 'wamid.pgbench.' || :client_id || '.' || :r, 'message', 'queued', ':pnid', '{"metadata":{"display_phone_number":"12025550100","phone_number_id":":pnid"},"contact":{"profile":{"name":"Cliente Bench"},"wa_id":"5511970000001"},"message":{"from":"5511970000001","id":"wamid.HBgNNTUxMTk3MDAwMDAwMRUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAwAA==","timestamp":"1764000000","text":{"body":"wh-123456"},"type":"text"}}') ON CONFLICT (tenant_id, meta_message_id) DO NOTHING RETURNING id AS event_id \gset
INSERT INTO message_queue (tenant_id, conversation_id, task, payload, webhook_event_id) VALUES (':tenant', ('00000000-0000-4000-8000-' || lpad(':conv', 12, '0'))::uuid, 'conversation.reply', '{}', :event_id);
COMMIT;
