CREATE TYPE "public"."subscription_switch_status" AS ENUM('scheduled', 'started');--> statement-breakpoint
CREATE TABLE "subscription_switches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"from_subscription_id" uuid NOT NULL,
	"to_provider" "payment_provider" NOT NULL,
	"provider_card_id" text NOT NULL,
	"card_brand" text NOT NULL,
	"card_last4" char(4) NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"status" "subscription_switch_status" DEFAULT 'scheduled' NOT NULL,
	"to_subscription_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subscription_switches" ADD CONSTRAINT "subscription_switches_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_switches" ADD CONSTRAINT "subscription_switches_from_subscription_id_subscriptions_id_fk" FOREIGN KEY ("from_subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_switches" ADD CONSTRAINT "subscription_switches_to_subscription_id_subscriptions_id_fk" FOREIGN KEY ("to_subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_switches_from_key" ON "subscription_switches" USING btree ("from_subscription_id");--> statement-breakpoint
CREATE INDEX "subscription_switches_user_id_idx" ON "subscription_switches" USING btree ("user_id");