// Replies on their way: each gets its client_message_id when the agent sends it and keeps it until the server
// has it, so a reply typed during an outage is sent when the connection is back, never lost (the outbox is in
// sessionStorage, it survives a reload) and never doubled (the server is idempotent on client_message_id).
// Each names the newest message the agent saw when writing it: if somebody wrote since (another agent, the
// customer while the connection was down), the server refuses it STALE_VIEW and it is held, with the newer
// messages in view, until the agent sends it anyway or discards it.
import { type AgentClient, Code, MessageVisibility, pullroutingError } from "@pullrouting/client/web";

export interface Pending {
  // Who signed in when it was written (Credentials.owner).
  owner: string;
  conversation: string;
  text: string;
  clientMessageId: string;
  // An internal note (agents and supervisors only) rather than a reply to the customer.
  internal?: boolean;
  // The last failure, for the agent to see; empty while nothing failed.
  problem: string;
  // The newest message the agent saw when it wrote this (empty when there was none, or it chose to send
  // anyway), and, once refused STALE_VIEW, the newer message that was there: held until the agent decides.
  expectedLastMessage?: string;
  staleAfter?: string;
}

const STORAGE_KEY = "pullrouting.outbox";

export class Outbox {
  private pending: Pending[];
  private sending = false;

  /** The replies `owner` left in this tab; those of anybody else who signed in here before are dropped, never
   * sent in this agent's name. */
  constructor(
    private readonly agent: AgentClient,
    private readonly owner: string,
    private readonly changed: () => void,
  ) {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]") as Pending[];
    this.pending = kept.filter((pending) => pending.owner === owner);
  }

  list(conversation: string): readonly Pending[] {
    return this.pending.filter((pending) => pending.conversation === conversation);
  }

  get size(): number {
    return this.pending.length;
  }

  add(conversation: string, text: string, internal: boolean, expectedLastMessage: string): void {
    const clientMessageId = crypto.randomUUID();
    this.pending.push({ owner: this.owner, conversation, text, clientMessageId, internal, problem: "", expectedLastMessage });
    this.save();
    void this.flush();
  }

  /** A held reply goes as it is, whatever was written since. */
  sendAnyway(clientMessageId: string): void {
    const held = this.pending.find((pending) => pending.clientMessageId === clientMessageId);
    if (!held) return;
    held.expectedLastMessage = "";
    held.staleAfter = undefined;
    held.problem = "";
    this.save();
    void this.flush();
  }

  discard(clientMessageId: string): void {
    this.pending = this.pending.filter((pending) => pending.clientMessageId !== clientMessageId);
    this.save();
  }

  /** Sends what waits, oldest first; stops at the first failure a retry or a new token may cure (the connection
   * is down, the token expired), drops a reply the server refuses for good (the conversation closed) with the
   * refusal shown, and holds one written on a stale view (and the conversation's later ones) for the agent to
   * decide. */
  async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      let next: Pending | undefined;
      while ((next = this.nextToSend())) {
        try {
          await this.agent.sendMessage({
            conversation: next.conversation,
            text: next.text,
            clientMessageId: next.clientMessageId,
            visibility: next.internal ? MessageVisibility.INTERNAL : MessageVisibility.PUBLIC,
            expectedLastMessage: next.expectedLastMessage ?? "",
          });
        } catch (thrown) {
          const error = pullroutingError(thrown);
          // A token refused (expired) is renewed, or the agent signs in again: the reply waits for either.
          if (error.retriable || error.code === Code.Unauthenticated) {
            next.problem = error.retriable ? "waiting for the connection" : "waiting for the sign-in";
            this.save();
            return;
          }
          if (error.reason === "STALE_VIEW") {
            next.staleAfter = error.reasonMetadata.newest_message ?? "";
            next.problem = "not sent: newer messages came in since you wrote it";
            this.save();
            continue;
          }
          this.refused(next, `${error.reason || error.code}: ${error.message}`);
          continue;
        }
        this.pending = this.pending.filter((pending) => pending !== next);
        this.save();
      }
    } finally {
      this.sending = false;
    }
  }

  /** The oldest reply not held, and not behind a held one of its conversation. */
  private nextToSend(): Pending | undefined {
    const held = new Set<string>();
    for (const pending of this.pending) {
      if (pending.staleAfter !== undefined) held.add(pending.conversation);
      else if (!held.has(pending.conversation)) return pending;
    }
    return undefined;
  }

  /** Replies the server refused, by conversation: shown in the tab until the agent dismisses them. */
  readonly refusals = new Map<string, string[]>();

  private refused(pending: Pending, why: string): void {
    this.pending = this.pending.filter((other) => other !== pending);
    const list = this.refusals.get(pending.conversation) ?? [];
    list.push(`Not sent (${why}): ${pending.text}`);
    this.refusals.set(pending.conversation, list);
    this.save();
  }

  private save(): void {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.pending));
    this.changed();
  }
}
