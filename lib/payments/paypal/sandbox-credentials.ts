/**
 * The client id and secret the Billfold sandbox's PayPal stand-in accepts (its fixed OAuth
 * client). They are not secrets. They live here, not in sandbox/, so the app's client
 * (./client.ts) can use them in `sandbox` mode without importing sandbox code.
 */
export const SANDBOX_CLIENT_ID = 'billfold-sandbox-client';
export const SANDBOX_CLIENT_SECRET = 'billfold-sandbox-secret';
