/** A business rule the user broke (capacity below sold, overlapping bibs …); `field` is the form field to blame. */
export class RuleViolationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "RuleViolationError";
  }
}

/** The record does not exist in the race the caller is allowed to change. */
export class NotFoundError extends Error {
  constructor(message = "Not found") {
    super(message);
    this.name = "NotFoundError";
  }
}
