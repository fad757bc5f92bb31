/**
 * What went wrong, in the domain's words. Services throw these; `replyToError()` (app/web) turns one into
 * an HTTP reply by its kind, and the worker turns a `permanent` one into a job that is not retried.
 */
export type DomainErrorKind =
  /** The input breaks a rule. */
  | "invalid"
  /** The credentials do not match an account. */
  | "unauthenticated"
  /** Not enough credits. */
  | "payment_required"
  /** The actor may not do this. */
  | "forbidden"
  /** The record does not exist, or not for this actor. */
  | "not_found"
  /** The record's current state does not allow it. */
  | "conflict"
  /** A one-time link that expired or was used. */
  | "gone"
  /** Too many attempts; `retryAfterSeconds` says when to try again. */
  | "rate_limited"
  /** A provider (Stripe, the AI service) failed; nothing was lost, trying again may work. */
  | "upstream"
  /** A feature this installation has not set up. */
  | "unavailable"
  /** A job that no retry can fix. Never the user's doing, so the web answers it as a bug. */
  | "permanent";

/** The one table from kind to HTTP status. */
export const httpStatusOf = {
  invalid: 400,
  unauthenticated: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  upstream: 502,
  unavailable: 503,
  permanent: 500,
} as const satisfies Record<DomainErrorKind, number>;

export type DomainErrorOptions = {
  /**
   * The form field to blame, or "form" for the form as a whole. An error that blames the input is shown
   * with the form; a not-found or forbidden error that blames none is about the page itself.
   */
  field?: string;
  retryAfterSeconds?: number;
  /** Where the user can sort it out (the room they are already in …). */
  href?: string;
  cause?: unknown;
};

export class DomainError extends Error {
  readonly status: number;
  readonly field: string | null;
  readonly retryAfterSeconds: number | null;
  readonly href: string | null;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.status = httpStatusOf[kind];
    this.field = options.field ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.href = options.href ?? null;
  }
}

export function isDomainError(error: unknown, kind?: DomainErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}

/** A business rule the user broke (capacity below sold, overlapping bibs …); `field` is the form field to blame. */
export class RuleViolationError extends DomainError {
  constructor(field: string, message: string) {
    super("invalid", message, { field });
    this.name = "RuleViolationError";
  }
}

/** The record does not exist in the race the caller is allowed to change. */
export class NotFoundError extends DomainError {
  constructor(message = "Not found", options: DomainErrorOptions = {}) {
    super("not_found", message, options);
    this.name = "NotFoundError";
  }
}

/** A job that retrying cannot fix: the worker stops it at once and its final-failure hook runs. */
export class PermanentFailure extends DomainError {
  constructor(message: string, options: DomainErrorOptions = {}) {
    super("permanent", message, options);
    this.name = "PermanentFailure";
  }
}
