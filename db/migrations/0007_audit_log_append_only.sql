-- The audit log is append-only, enforced here rather than trusted to the app: a bug, a
-- careless query or a stolen admin session cannot rewrite who did what. Statement-level
-- triggers refuse UPDATE and DELETE even when they would match no row, and TRUNCATE (which
-- row triggers never see). No setting or role of the app bypasses them; test databases are
-- fresh copies of a template, so nothing needs to empty this table.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Record a correction as a new audit entry.';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
