CREATE TABLE "provider_prices" (
	"price_id" uuid NOT NULL,
	"provider" "payment_provider" NOT NULL,
	"provider_price_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_prices_price_id_provider_pk" PRIMARY KEY("price_id","provider")
);
--> statement-breakpoint
CREATE TABLE "provider_products" (
	"product_id" uuid NOT NULL,
	"provider" "payment_provider" NOT NULL,
	"provider_product_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_products_product_id_provider_pk" PRIMARY KEY("product_id","provider")
);
--> statement-breakpoint
ALTER TABLE "prices" DROP CONSTRAINT "prices_stripe_price_id_unique";--> statement-breakpoint
ALTER TABLE "prices" DROP CONSTRAINT "prices_paypal_plan_id_unique";--> statement-breakpoint
ALTER TABLE "products" DROP CONSTRAINT "products_stripe_product_id_unique";--> statement-breakpoint
ALTER TABLE "products" DROP CONSTRAINT "products_paypal_product_id_unique";--> statement-breakpoint
ALTER TABLE "provider_prices" ADD CONSTRAINT "provider_prices_price_id_prices_id_fk" FOREIGN KEY ("price_id") REFERENCES "public"."prices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_products" ADD CONSTRAINT "provider_products_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "provider_prices_provider_price_key" ON "provider_prices" USING btree ("provider","provider_price_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_products_provider_product_key" ON "provider_products" USING btree ("provider","provider_product_id");--> statement-breakpoint
-- Added by hand to the generated DDL: the provider ids recorded on the catalog rows move to the
-- mapping tables before their columns are dropped, so no price made at a provider is made twice.
INSERT INTO "provider_prices" ("price_id", "provider", "provider_price_id") SELECT "id", 'stripe', "stripe_price_id" FROM "prices" WHERE "stripe_price_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "provider_prices" ("price_id", "provider", "provider_price_id") SELECT "id", 'paypal', "paypal_plan_id" FROM "prices" WHERE "paypal_plan_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "provider_products" ("product_id", "provider", "provider_product_id") SELECT "id", 'stripe', "stripe_product_id" FROM "products" WHERE "stripe_product_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "provider_products" ("product_id", "provider", "provider_product_id") SELECT "id", 'paypal', "paypal_product_id" FROM "products" WHERE "paypal_product_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" DROP COLUMN "stripe_price_id";--> statement-breakpoint
ALTER TABLE "prices" DROP COLUMN "paypal_plan_id";--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "stripe_product_id";--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "paypal_product_id";