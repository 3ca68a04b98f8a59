CREATE TYPE "public"."reconciliation_finding_kind" AS ENUM('missing_here', 'missing_there', 'amount_differs', 'status_differs');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_object_type" AS ENUM('payment', 'refund', 'dispute', 'subscription');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_run_status" AS ENUM('running', 'succeeded', 'failed');--> statement-breakpoint
CREATE TABLE "reconciliation_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"last_seen_run_id" uuid NOT NULL,
	"provider" "payment_provider" NOT NULL,
	"kind" "reconciliation_finding_kind" NOT NULL,
	"object_type" "reconciliation_object_type" NOT NULL,
	"provider_object_id" text NOT NULL,
	"ours_amount" bigint,
	"ours_currency" char(3),
	"ours_status" text,
	"theirs_amount" bigint,
	"theirs_currency" char(3),
	"theirs_status" text,
	"healed" boolean NOT NULL,
	"action" text NOT NULL,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" "payment_provider" NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"status" "reconciliation_run_status" DEFAULT 'running' NOT NULL,
	"requested_by" text NOT NULL,
	"objects_compared" integer DEFAULT 0 NOT NULL,
	"healed" integer DEFAULT 0 NOT NULL,
	"open" integer DEFAULT 0 NOT NULL,
	"unreadable" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD CONSTRAINT "reconciliation_findings_run_id_reconciliation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."reconciliation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD CONSTRAINT "reconciliation_findings_last_seen_run_id_reconciliation_runs_id_fk" FOREIGN KEY ("last_seen_run_id") REFERENCES "public"."reconciliation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reconciliation_findings_run_id_idx" ON "reconciliation_findings" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reconciliation_findings_one_open" ON "reconciliation_findings" USING btree ("provider","object_type","provider_object_id") WHERE not "reconciliation_findings"."healed" and "reconciliation_findings"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "reconciliation_findings_created_at_idx" ON "reconciliation_findings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_started_at_idx" ON "reconciliation_runs" USING btree ("started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reconciliation_runs_one_running" ON "reconciliation_runs" USING btree ("provider") WHERE "reconciliation_runs"."status" = 'running';