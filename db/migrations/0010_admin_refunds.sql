CREATE TYPE "public"."refund_reason" AS ENUM('requested_by_customer', 'duplicate', 'fraudulent');--> statement-breakpoint
CREATE TYPE "public"."refund_request_status" AS ENUM('awaiting_approval', 'sent', 'rejected', 'failed');--> statement-breakpoint
CREATE TABLE "refund_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"reason" "refund_reason" NOT NULL,
	"note" text,
	"requested_by" text NOT NULL,
	"status" "refund_request_status" NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"idempotency_key" text NOT NULL,
	"provider_refund_id" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refund_requests_amount_positive" CHECK ("refund_requests"."amount" > 0),
	CONSTRAINT "refund_requests_decider_not_requester" CHECK ("refund_requests"."decided_by" is null or "refund_requests"."decided_by" <> "refund_requests"."requested_by")
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "provider_payment_id" text;--> statement-breakpoint
ALTER TABLE "refund_requests" ADD CONSTRAINT "refund_requests_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refund_requests" ADD CONSTRAINT "refund_requests_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refund_requests" ADD CONSTRAINT "refund_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refund_requests_idempotency_key" ON "refund_requests" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "refund_requests_payment_id_idx" ON "refund_requests" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "refund_requests_awaiting_idx" ON "refund_requests" USING btree ("created_at") WHERE "refund_requests"."status" = 'awaiting_approval';--> statement-breakpoint
CREATE INDEX "webhook_events_provider_payment_idx" ON "webhook_events" USING btree ("provider","provider_payment_id") WHERE "webhook_events"."provider_payment_id" is not null;