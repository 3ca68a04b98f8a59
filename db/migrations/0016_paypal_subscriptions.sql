ALTER TABLE "provider_prices" ADD COLUMN "terms" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_prices" DROP CONSTRAINT "provider_prices_price_id_provider_pk";--> statement-breakpoint
ALTER TABLE "provider_prices" ADD CONSTRAINT "provider_prices_price_id_provider_terms_pk" PRIMARY KEY("price_id","provider","terms");--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "payment_method_email" text;
