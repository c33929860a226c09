import type { AgentClient, IngestClient, SupervisorClient } from "./clients.js";
import { PullroutingError, pullroutingError } from "./errors.js";
import type { ConversationEvent, DeskEvent, ListEvent, OutboundEvent } from "./gen/pullrouting/v1/events_pb.js";
import type { AgentStatusEvent, QueueEvent } from "./gen/pullrouting/v1/supervisor_events_pb.js";

/** Where a resumable watch stands: opening a stream, receiving, or waiting to open again after `error`. */
export type ConnectionState = "connecting" | "open" | "retrying";

export interface WatchOptions {
  /** Resume after this token (the last event's resume token); empty or unset: from the stream's opening. */
  resumeToken?: string;
  /** Ends the watch: the iteration finishes without an error. */
  signal?: AbortSignal;
  /** The first wait before opening again, doubled after each failure up to maxDelayMs (with jitter). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Told every change of the connection, e.g. to show it. */
  onState?: (state: ConnectionState, error?: PullroutingError) => void;
}

interface Resumable {
  resumeToken: string;
}

function pause(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** The events of a server stream that is opened again after every failure a retry can cure, from the last
 * resume token received, so that the consumer sees each event once and in order. A refusal that no retry
 * cures (a bad token, a lost entitlement) ends the iteration with its PullroutingError; a stream the server
 * ends with OK (WatchConversation after the leave or the close) ends it quietly. */
export async function* resumable<E extends Resumable>(
  open: (resumeToken: string, signal: AbortSignal) => AsyncIterable<{ event?: E }>,
  options: WatchOptions = {},
): AsyncGenerator<E, void, undefined> {
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;
  let delay = initialDelay;
  let resumeToken = options.resumeToken ?? "";
  while (!options.signal?.aborted) {
    const stream = new AbortController();
    const stop = () => stream.abort();
    options.signal?.addEventListener("abort", stop, { once: true });
    options.onState?.("connecting");
    try {
      let opened = false;
      for await (const response of open(resumeToken, stream.signal)) {
        if (!opened) {
          opened = true;
          delay = initialDelay;
          options.onState?.("open");
        }
        if (response.event === undefined) continue;
        if (response.event.resumeToken) resumeToken = response.event.resumeToken;
        yield response.event;
      }
      // The server ended the stream with OK: WatchConversation after the leave or the close. Nothing follows.
      return;
    } catch (thrown) {
      if (options.signal?.aborted) return;
      const error = pullroutingError(thrown);
      if (!error.retriable) throw error;
      options.onState?.("retrying", error);
      await pause(delay * (0.5 + Math.random() / 2), options.signal);
      delay = Math.min(delay * 2, maxDelay);
    } finally {
      options.signal?.removeEventListener("abort", stop);
      stream.abort();
    }
  }
}

/** AgentService.WatchDesk, resumed after every drop: the agent's presence, conversations and Lists. */
export function watchDesk(agent: AgentClient, options: WatchOptions = {}): AsyncGenerator<DeskEvent, void, undefined> {
  return resumable((resumeToken, signal) => agent.watchDesk({ resumeToken }, { signal }), options);
}

/** AgentService.WatchLists, resumed after every drop. */
export function watchLists(agent: AgentClient, options: WatchOptions = {}): AsyncGenerator<ListEvent, void, undefined> {
  return resumable((resumeToken, signal) => agent.watchLists({ resumeToken }, { signal }), options);
}

/** AgentService.WatchConversation, resumed after every drop; it ends when the agent leaves or the close. */
export function watchConversation(
  agent: AgentClient,
  name: string,
  options: WatchOptions = {},
): AsyncGenerator<ConversationEvent, void, undefined> {
  return resumable((resumeToken, signal) => agent.watchConversation({ name, resumeToken }, { signal }), options);
}

/** IngestService.WatchOutbound, resumed after every drop. */
export function watchOutbound(
  ingest: IngestClient,
  serviceIdentifier: string,
  options: WatchOptions = {},
): AsyncGenerator<OutboundEvent, void, undefined> {
  return resumable(
    (resumeToken, signal) => ingest.watchOutbound({ serviceIdentifier, resumeToken }, { signal }),
    options,
  );
}

/** SupervisorService.WatchQueues, resumed after every drop: the supervisor's Lists and their figures. */
export function watchQueues(
  supervisor: SupervisorClient,
  options: WatchOptions = {},
): AsyncGenerator<QueueEvent, void, undefined> {
  return resumable((resumeToken, signal) => supervisor.watchQueues({ resumeToken }, { signal }), options);
}

/** SupervisorService.WatchAgents, resumed after every drop: the agents of the supervisor's Lists. */
export function watchAgents(
  supervisor: SupervisorClient,
  options: WatchOptions = {},
): AsyncGenerator<AgentStatusEvent, void, undefined> {
  return resumable((resumeToken, signal) => supervisor.watchAgents({ resumeToken }, { signal }), options);
}

/** SupervisorService.MonitorConversation, resumed after every drop: a silent monitor of one request, with who
 * is typing or viewing (ACTIVITY, live only); it ends after the close. */
export function monitorConversation(
  supervisor: SupervisorClient,
  name: string,
  options: WatchOptions = {},
): AsyncGenerator<ConversationEvent, void, undefined> {
  return resumable((resumeToken, signal) => supervisor.monitorConversation({ name, resumeToken }, { signal }), options);
}
