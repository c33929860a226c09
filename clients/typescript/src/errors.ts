import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";

/** The stable reasons the server sends in google.rpc.ErrorInfo (docs/api.md lists what each means). */
export const REASONS = [
  "FIELD_INVALID",
  "RESOURCE_NOT_FOUND",
  "SERVICE_IDENTIFIER_UNKNOWN",
  "RESOURCE_EXISTS",
  "RESOURCE_ID_RETIRED",
  "SERVICE_IDENTIFIER_TAKEN",
  "RESOURCE_IN_USE",
  "CHANNEL_DISABLED",
  "CHANNEL_NOT_PULL",
  "NOT_SUBSCRIBED",
  "NOT_PARTICIPANT",
  "CONVERSATION_CLOSED",
  "LIST_FULL",
  "AGENT_AT_CAPACITY",
  "NOT_ENTITLED",
  "CHANNEL_NOT_PERMITTED",
  "CLOSE_REASON_NOT_ALLOWED",
  "RESUME_TOKEN_EXPIRED",
  "SLOW_CONSUMER",
  "SERVER_SHUTTING_DOWN",
  "TOKEN_MISSING",
  "TOKEN_INVALID",
  "ROLE_NOT_ALLOWED",
  "PRINCIPAL_DISABLED",
  "RATE_LIMITED",
  "TOO_MANY_STREAMS",
  "TRANSFER_NOT_ACCEPTED",
  "STALE_VIEW",
  "WRAP_UP_REQUIRED",
  "INVITATION_NOT_PENDING",
] as const;

/** One of REASONS; an empty string when the error did not come from the server (a network failure). */
export type Reason = (typeof REASONS)[number] | "";

/** The reasons after which the same call may simply be made again (a stream resumes with its token). */
const RETRIABLE_REASONS: ReadonlySet<Reason> = new Set<Reason>(["SLOW_CONSUMER", "SERVER_SHUTTING_DOWN", "RATE_LIMITED"]);

/** A field the server refused, from the google.rpc.BadRequest detail. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** A refused or failed call: the status code, the ErrorInfo reason and metadata, the offending fields. A
 * ConnectError too (named so), so that Connect passes it through unchanged. */
export class PullroutingError extends ConnectError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && Object.getPrototypeOf(value) === PullroutingError.prototype;
  }

  readonly reason: Reason;
  readonly reasonMetadata: Readonly<Record<string, string>>;
  readonly fieldViolations: readonly FieldViolation[];

  constructor(error: ConnectError) {
    super(error.rawMessage, error.code, error.metadata, undefined, error.cause);
    this.details = error.details;
    this.isWireError = error.isWireError;
    const [info] = error.findDetails(ErrorInfoSchema);
    this.reason = (info?.reason ?? "") as Reason;
    this.reasonMetadata = { ...(info?.metadata ?? {}) };
    this.fieldViolations = error
      .findDetails(BadRequestSchema)
      .flatMap((badRequest) => badRequest.fieldViolations.map(({ field, description }) => ({ field, description })));
  }

  /** Whether making the same call again may succeed without changing anything first. A server's refusal says
   * so by its reason (LIST_FULL, for one, is a state to change, never retried); a call that never got an
   * answer (no reason: the connection failed, the server was away, or gRPC cancelled the call before the server
   * took it, with more calls waiting than its backlog holds as when thousands of desks reconnect) is retried
   * too. */
  get retriable(): boolean {
    if (this.reason !== "") return RETRIABLE_REASONS.has(this.reason);
    return [Code.Unavailable, Code.Unknown, Code.Internal, Code.DeadlineExceeded, Code.Aborted, Code.Canceled].includes(
      this.code,
    );
  }
}

/** The error as a PullroutingError (anything thrown by a client call converts). */
export function pullroutingError(error: unknown): PullroutingError {
  if (error instanceof PullroutingError) return error;
  const connectError = ConnectError.from(error);
  // Connect wraps what an interceptor throws; the PullroutingError inside is the one.
  return connectError.cause instanceof PullroutingError ? connectError.cause : new PullroutingError(connectError);
}

export { Code };
