// Replies on their way: each gets its client_message_id when the agent sends it and keeps it until the server
// has it, so a reply typed during an outage is sent when the connection is back, never lost (the outbox is in
// sessionStorage, it survives a reload) and never doubled (the server is idempotent on client_message_id).
import { type AgentClient, MessageVisibility, pullroutingError } from "@pullrouting/client/web";

export interface Pending {
  conversation: string;
  text: string;
  clientMessageId: string;
  // An internal note (agents and supervisors only) rather than a reply to the customer.
  internal?: boolean;
  // The last failure, for the agent to see; empty while nothing failed.
  problem: string;
}

const STORAGE_KEY = "pullrouting.outbox";

export class Outbox {
  private pending: Pending[];
  private sending = false;

  constructor(
    private readonly agent: AgentClient,
    private readonly changed: () => void,
  ) {
    this.pending = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]") as Pending[];
  }

  list(conversation: string): readonly Pending[] {
    return this.pending.filter((pending) => pending.conversation === conversation);
  }

  get size(): number {
    return this.pending.length;
  }

  add(conversation: string, text: string, internal: boolean): void {
    this.pending.push({ conversation, text, clientMessageId: crypto.randomUUID(), internal, problem: "" });
    this.save();
    void this.flush();
  }

  /** Sends what waits, oldest first; stops at the first failure a retry may cure (the connection is down),
   * drops a reply the server refuses for good (the conversation closed) with the refusal shown. */
  async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.pending.length) {
        const next = this.pending[0];
        try {
          await this.agent.sendMessage({
            conversation: next.conversation,
            text: next.text,
            clientMessageId: next.clientMessageId,
            visibility: next.internal ? MessageVisibility.INTERNAL : MessageVisibility.PUBLIC,
          });
        } catch (thrown) {
          const error = pullroutingError(thrown);
          if (error.retriable) {
            next.problem = "waiting for the connection";
            this.save();
            return;
          }
          this.refused(next, `${error.reason || error.code}: ${error.message}`);
          continue;
        }
        this.pending.shift();
        this.save();
      }
    } finally {
      this.sending = false;
    }
  }

  /** Replies the server refused, by conversation: shown in the tab until the agent dismisses them. */
  readonly refusals = new Map<string, string[]>();

  private refused(pending: Pending, why: string): void {
    this.pending.shift();
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
