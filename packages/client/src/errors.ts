/**
 * Two kinds of failure, kept apart: the server answered "no" (SparkportError, with its status,
 * stable code and message), or it could not be reached at all (NetworkError).
 */
export class SparkportError extends Error {
  /** `challenge`: a 401's WWW-Authenticate, which names the login the server asks for (Basic, Bearer, Negotiate). */
  constructor(readonly status: number, readonly code: string, message: string, readonly challenge: string | null = null) {
    super(message);
    this.name = 'SparkportError';
  }
}

export class NetworkError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'NetworkError';
  }
}
