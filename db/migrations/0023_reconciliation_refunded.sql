ALTER TABLE "reconciliation_findings" ADD COLUMN "ours_refunded" bigint;--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD COLUMN "theirs_refunded" bigint;