/** A change that contradicts the current state, e.g. accepting a group that was deleted or revoking twice. */
export class ConflictError extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
