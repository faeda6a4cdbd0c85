/**
 * Domain errors. They know nothing of HTTP; the API layer maps them once to
 * RFC 7807 problem+json (see src/api/problem.ts, schema in src/lib/problem.ts).
 */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(message, 'not_found', details);
  }
}

/** The input is well-formed but breaks a rule (impossible value, bad file...). */
export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(message, 'validation_failed', details);
  }
}

/** The request conflicts with the current state (duplicate key, stale version...). */
export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(message, 'conflict', details);
  }
}

/** A dependency (database, broker) is not available right now; retrying may help. */
export class UnavailableError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(message, 'unavailable', details);
  }
}

/** The work did not finish within its time limit (it was stopped); retrying later may help. */
export class TimeoutError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(message, 'timeout', details);
  }
}
