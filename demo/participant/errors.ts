/**
 * How a participant's handler says an action did not happen. The HTTP codes
 * follow DTM's convention, which the orchestrator relies on: 409 is a final
 * business refusal (compensate, do not retry); any other failure may be
 * transient (retry with backoff).
 */

/** The business said no (out of stock, insufficient funds): HTTP 409. */
export class BusinessRefusal extends Error {
  readonly status = 409;
}

/** A fault the orchestrator asked for, acted out as a crash inside the transaction: HTTP 500. */
export class InjectedFailure extends Error {
  readonly status = 500;
}

/** The request itself is wrong (missing gid, bad body): HTTP 400. */
export class BadRequest extends Error {
  readonly status = 400;
}
