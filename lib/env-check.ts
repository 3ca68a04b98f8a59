import { env, EnvError } from './env';

/** Node runtime only: validate the configuration, or print its one line and exit. */
export function stopOnInvalidEnv(): void {
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
