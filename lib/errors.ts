/**
 * Errors whose meaning every layer shares. A `UserFacingError` is a mistake the person can fix
 * (an unknown plan, a stale form): its message is shown to them as it is, and nothing changed.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: string = 'invalid_request',
    /** The input field the message is about (a dotted path, `items.0.quantity`), so a form can show it there. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}
