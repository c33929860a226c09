import { createGrpcTransport } from "@connectrpc/connect-node";
import { type Clients, bearer, createClients, typedErrors } from "./clients.js";

export * from "./index.js";

export interface NodeClientOptions {
  /** The gRPC server: `http://127.0.0.1:50051`, or `https://...` when it serves TLS. */
  baseUrl: string;
  /** The bearer token (admin, agent or ingestor), or a function asked on every call. */
  token: string | (() => string);
}

/** Clients over gRPC (HTTP/2), straight to the server's gRPC port. */
export function createNodeClients(options: NodeClientOptions): Clients {
  return createClients(
    createGrpcTransport({ baseUrl: options.baseUrl, interceptors: [typedErrors, bearer(options.token)] }),
  );
}
