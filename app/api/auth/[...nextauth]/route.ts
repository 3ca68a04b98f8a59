import { handlers } from '@/lib/auth/config';
import { withRateLimitedSignIn } from '@/lib/auth/sign-in-route';

export const { GET } = handlers;
export const POST = withRateLimitedSignIn(handlers.POST);
