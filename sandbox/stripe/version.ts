import Stripe from 'stripe';

/** The API version the installed `stripe` package pins; the sandbox speaks exactly this one. */
export const API_VERSION: string = Stripe.API_VERSION;
