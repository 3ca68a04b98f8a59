ALTER TABLE "payments" ADD COLUMN "provider_charge_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "card_brand" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "card_last4" char(4);--> statement-breakpoint
CREATE INDEX "payments_provider_charge_id_idx" ON "payments" USING btree ("provider_charge_id") WHERE "payments"."provider_charge_id" is not null;--> statement-breakpoint
CREATE INDEX "payments_card_last4_created_at_id_idx" ON "payments" USING btree ("card_last4","created_at","id") WHERE "payments"."card_last4" is not null;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_card_last4_digits" CHECK ("payments"."card_last4" ~ '^[0-9]{4}$');