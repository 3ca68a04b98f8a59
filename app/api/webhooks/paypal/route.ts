import { webhookEndpoint } from '@/lib/jobs/webhook-endpoint';

export const POST = webhookEndpoint('paypal');
