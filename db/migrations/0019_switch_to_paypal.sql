ALTER TYPE "public"."subscription_switch_status" ADD VALUE 'awaiting_approval' BEFORE 'scheduled';--> statement-breakpoint
ALTER TABLE "subscription_switches" ALTER COLUMN "provider_card_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subscription_switches" ALTER COLUMN "card_brand" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subscription_switches" ALTER COLUMN "card_last4" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subscription_switches" ADD COLUMN "to_provider_subscription_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_switches_to_provider_subscription_key" ON "subscription_switches" USING btree ("to_provider","to_provider_subscription_id");