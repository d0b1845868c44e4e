-- Integrity that lives in the database, not only in the code.

-- A published version is frozen: its spec, bundle, hashes and number never change and it is never
-- deleted. Only the client-approval columns may be updated.
CREATE FUNCTION lx_agent_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'agent_versions are immutable: delete of % refused', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.agent_id IS DISTINCT FROM OLD.agent_id
     OR NEW.version IS DISTINCT FROM OLD.version
     OR NEW.major IS DISTINCT FROM OLD.major
     OR NEW.minor IS DISTINCT FROM OLD.minor
     OR NEW.patch IS DISTINCT FROM OLD.patch
     OR NEW.spec IS DISTINCT FROM OLD.spec
     OR NEW.bundle IS DISTINCT FROM OLD.bundle
     OR NEW.spec_hash IS DISTINCT FROM OLD.spec_hash
     OR NEW.bundle_hash IS DISTINCT FROM OLD.bundle_hash
     OR NEW.changelog IS DISTINCT FROM OLD.changelog
     OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
     OR NEW.created_by_label IS DISTINCT FROM OLD.created_by_label
     OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'agent_versions are immutable: version % cannot be changed', OLD.version USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER agent_versions_immutable BEFORE UPDATE OR DELETE ON agent_versions
  FOR EACH ROW EXECUTE FUNCTION lx_agent_versions_immutable();
--> statement-breakpoint

-- The audit trail is append-only.
CREATE FUNCTION lx_audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events are append-only' USING ERRCODE = 'check_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION lx_audit_events_append_only();
--> statement-breakpoint

-- Number changes invalidate the webhook's in-process phone_number_id → tenant cache (LISTEN lx_numbers).
CREATE FUNCTION lx_notify_numbers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lx_numbers', COALESCE(NEW.phone_number_id, OLD.phone_number_id));
  IF TG_OP = 'UPDATE' AND NEW.phone_number_id IS DISTINCT FROM OLD.phone_number_id THEN
    PERFORM pg_notify('lx_numbers', OLD.phone_number_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER phone_numbers_notify AFTER INSERT OR UPDATE OR DELETE ON phone_numbers
  FOR EACH ROW EXECUTE FUNCTION lx_notify_numbers();
--> statement-breakpoint

-- New work wakes sleeping workers. Statement-level, and NOTIFY folds identical payloads within a
-- transaction, so a batch insert sends one wake-up on commit (and none on rollback).
CREATE FUNCTION lx_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lx_jobs', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER message_queue_notify AFTER INSERT ON message_queue
  FOR EACH STATEMENT EXECUTE FUNCTION lx_notify_jobs();
--> statement-breakpoint
CREATE FUNCTION lx_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lx_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER outbox_messages_notify AFTER INSERT ON outbox_messages
  FOR EACH STATEMENT EXECUTE FUNCTION lx_notify_outbox();
