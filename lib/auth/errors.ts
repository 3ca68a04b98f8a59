export class AuthorizationError extends Error {
  constructor(readonly code: 'unauthenticated' | 'forbidden') {
    super(code === 'unauthenticated' ? 'Please sign in to continue.' : 'You do not have access to this.');
    this.name = 'AuthorizationError';
  }
}
