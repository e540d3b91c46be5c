/** Every session of a pool key stayed busy for longer than the caller may wait. */
export class SessionPoolExhaustedError extends Error {
  override readonly name = 'SessionPoolExhaustedError';
}

/** The pool is shutting down and accepts no more work. */
export class SessionPoolClosedError extends Error {
  override readonly name = 'SessionPoolClosedError';
}
