CREATE TABLE "revenue_day_totals" (
	"day" date NOT NULL,
	"currency" char(3) NOT NULL,
	"gross" bigint NOT NULL,
	"refunded" bigint NOT NULL,
	"disputed" bigint NOT NULL,
	"disputes_lost" bigint NOT NULL,
	CONSTRAINT "revenue_day_totals_day_currency_pk" PRIMARY KEY("day","currency")
);
--> statement-breakpoint
CREATE TABLE "revenue_days" (
	"day" date PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"computed_version" bigint
);
--> statement-breakpoint
ALTER TABLE "revenue_day_totals" ADD CONSTRAINT "revenue_day_totals_day_revenue_days_day_fk" FOREIGN KEY ("day") REFERENCES "public"."revenue_days"("day") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A change that lands in a UTC day that has already ended (by the clock, not the transaction's
-- start) makes that day's stored overview sums stale (lib/billing/admin/revenue-days.ts). Writes
-- about today, nearly all of them, do nothing here. The upsert waits on a reader that is
-- summing the day under its row lock, so the reader's sums can never be stored as fresh over
-- this change.
CREATE FUNCTION revenue_day_touch(touched timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF touched IS NOT NULL AND (touched AT TIME ZONE 'UTC')::date < (clock_timestamp() AT TIME ZONE 'UTC')::date THEN
    INSERT INTO revenue_days (day, version) VALUES ((touched AT TIME ZONE 'UTC')::date, 1)
    ON CONFLICT (day) DO UPDATE SET version = revenue_days.version + 1;
  END IF;
END;
$$;
--> statement-breakpoint
-- Payments count on the day they were created (gross = amount captured); refunds on the day they
-- were made, once completed: for both, the rows' created_at names the day a change lands in.
CREATE FUNCTION revenue_day_touch_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM revenue_day_touch(OLD.created_at);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.created_at IS DISTINCT FROM OLD.created_at) THEN
    PERFORM revenue_day_touch(NEW.created_at);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER payments_revenue_days AFTER INSERT OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION revenue_day_touch_created();
--> statement-breakpoint
CREATE TRIGGER payments_revenue_days_update AFTER UPDATE OF amount_captured, currency, created_at ON payments
  FOR EACH ROW
  WHEN (OLD.amount_captured IS DISTINCT FROM NEW.amount_captured OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION revenue_day_touch_created();
--> statement-breakpoint
CREATE TRIGGER refunds_revenue_days AFTER INSERT OR DELETE ON refunds
  FOR EACH ROW EXECUTE FUNCTION revenue_day_touch_created();
--> statement-breakpoint
CREATE TRIGGER refunds_revenue_days_update AFTER UPDATE OF status, amount, currency, created_at ON refunds
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION revenue_day_touch_created();
--> statement-breakpoint
-- Disputes count on the day they were opened, and when lost, on the day of their last change.
CREATE FUNCTION disputes_revenue_day_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM revenue_day_touch(OLD.created_at);
    IF OLD.status = 'lost' THEN
      PERFORM revenue_day_touch(OLD.updated_at);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF TG_OP = 'INSERT' OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
      PERFORM revenue_day_touch(NEW.created_at);
    END IF;
    IF NEW.status = 'lost' THEN
      PERFORM revenue_day_touch(NEW.updated_at);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER disputes_revenue_days AFTER INSERT OR UPDATE OR DELETE ON disputes
  FOR EACH ROW EXECUTE FUNCTION disputes_revenue_day_touch();
--> statement-breakpoint
-- TRUNCATE is seen by no row trigger: emptying any of the three forgets every stored sum.
CREATE FUNCTION revenue_days_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_days;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER payments_revenue_days_truncate AFTER TRUNCATE ON payments FOR EACH STATEMENT EXECUTE FUNCTION revenue_days_forget();
--> statement-breakpoint
CREATE TRIGGER refunds_revenue_days_truncate AFTER TRUNCATE ON refunds FOR EACH STATEMENT EXECUTE FUNCTION revenue_days_forget();
--> statement-breakpoint
CREATE TRIGGER disputes_revenue_days_truncate AFTER TRUNCATE ON disputes FOR EACH STATEMENT EXECUTE FUNCTION revenue_days_forget();
