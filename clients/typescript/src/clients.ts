import { type Client, type Interceptor, type Transport, createClient } from "@connectrpc/connect";
import { AdminService } from "./gen/pullrouting/v1/admin_service_pb.js";
import { AgentService } from "./gen/pullrouting/v1/agent_service_pb.js";
import { IngestService } from "./gen/pullrouting/v1/ingest_service_pb.js";
import { SupervisorService } from "./gen/pullrouting/v1/supervisor_service_pb.js";
import { pullroutingError } from "./errors.js";

export type AdminClient = Client<typeof AdminService>;
export type AgentClient = Client<typeof AgentService>;
export type IngestClient = Client<typeof IngestService>;
export type SupervisorClient = Client<typeof SupervisorService>;

/** The four services over one transport; the token decides which of them answer (its role). */
export interface Clients {
  admin: AdminClient;
  agent: AgentClient;
  ingest: IngestClient;
  supervisor: SupervisorClient;
}

/** Sends `authorization: Bearer <token>` on every call. A function is asked on every call (a token that
 * changes, an OIDC token refreshed). */
export function bearer(token: string | (() => string)): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${typeof token === "function" ? token() : token}`);
    return next(request);
  };
}

/** Every failure of a call reaches the caller as a PullroutingError, its ErrorInfo reason decoded. */
export const typedErrors: Interceptor = (next) => async (request) => {
  try {
    const response = await next(request);
    if (!response.stream) return response;
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          yield* messages;
        } catch (error) {
          throw pullroutingError(error);
        }
      })(),
    };
  } catch (error) {
    throw pullroutingError(error);
  }
};

export function createClients(transport: Transport): Clients {
  return {
    admin: createClient(AdminService, transport),
    agent: createClient(AgentService, transport),
    ingest: createClient(IngestService, transport),
    supervisor: createClient(SupervisorService, transport),
  };
}
