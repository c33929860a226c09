/** @pullrouting/client: typed clients of the pullrouting services, for Node (`@pullrouting/client/node`, gRPC)
 * and browsers (`@pullrouting/client/web`, Connect); resumable watches; errors with their reason decoded. */
export {
  type AdminClient,
  type AgentClient,
  type Clients,
  type IngestClient,
  type SupervisorClient,
  bearer,
  createClients,
  typedErrors,
} from "./clients.js";
export { Code, type FieldViolation, PullroutingError, REASONS, type Reason, pullroutingError } from "./errors.js";
export {
  type ConnectionState,
  type WatchOptions,
  monitorConversation,
  resumable,
  watchAgents,
  watchConversation,
  watchDesk,
  watchLists,
  watchOutbound,
  watchQueues,
} from "./watch.js";
export * from "./gen/pullrouting/v1/admin_service_pb.js";
export * from "./gen/pullrouting/v1/agent_service_pb.js";
export * from "./gen/pullrouting/v1/conversation_pb.js";
export * from "./gen/pullrouting/v1/events_pb.js";
export * from "./gen/pullrouting/v1/ingest_service_pb.js";
export * from "./gen/pullrouting/v1/resources_pb.js";
export * from "./gen/pullrouting/v1/supervisor_events_pb.js";
export * from "./gen/pullrouting/v1/supervisor_service_pb.js";
export { create, toJson, fromJson } from "@bufbuild/protobuf";
export { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
