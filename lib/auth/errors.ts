/** A mistake the person can fix; its message is shown to them as it is. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: string = 'invalid_request',
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export class AuthorizationError extends Error {
  constructor(readonly code: 'unauthenticated' | 'forbidden') {
    super(code === 'unauthenticated' ? 'Please sign in to continue.' : 'You do not have access to this.');
    this.name = 'AuthorizationError';
  }
}
