ALTER TABLE "invoices" ADD COLUMN "amount_refunded" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "provider_payment_id" text;--> statement-breakpoint
CREATE INDEX "invoices_provider_payment_id_idx" ON "invoices" USING btree ("provider","provider_payment_id") WHERE "invoices"."provider_payment_id" is not null;