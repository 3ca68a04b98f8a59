import { UserFacingError } from '@/lib/errors';

/** The refusal a person would be shown (fails the test if the call succeeded or crashed otherwise). */
export async function userFacingError(promise: Promise<unknown>): Promise<UserFacingError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserFacingError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
