/** Raised when a change refers to something we do not know yet; the job is retried later. */
export class NotYetKnownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotYetKnownError';
  }
}
