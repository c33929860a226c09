import { createConnectTransport } from "@connectrpc/connect-web";
import { type Clients, bearer, createClients, typedErrors } from "./clients.js";

export * from "./index.js";

export interface WebClientOptions {
  /** The web endpoint of `pullrouting serve --web-listen`; the page's own origin when the desk is served there. */
  baseUrl: string;
  /** The bearer token (agent, or an OIDC token), or a function asked on every call. */
  token: string | (() => string);
}

/** Clients over the Connect protocol (fetch), for browsers, through the server's web endpoint. */
export function createWebClients(options: WebClientOptions): Clients {
  return createClients(
    createConnectTransport({
      baseUrl: options.baseUrl,
      useBinaryFormat: true,
      interceptors: [typedErrors, bearer(options.token)],
    }),
  );
}
