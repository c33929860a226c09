// What the agent is doing, told to the others in the conversation (AgentService.SetActivity): TYPING while it
// types in a conversation's reply box, renewed while it goes on typing (the server ends an activity nobody
// renewed within its activity_ttl), NONE when it sends, empties the box or leaves it; VIEWING while it reads a
// request before joining it. Live only and best effort: a refusal or a lost call changes nothing else.
import { Activity, type AgentClient, timestampDate } from "@pullrouting/client/web";

// The server's default activity_ttl, assumed where its answer does not say; the least time between two calls,
// so that clocks apart cannot make the desk exceed the server's --activity-changes-per-minute (60).
const ASSUMED_TTL_MS = 6_000;
const LEAST_INTERVAL_MS = 1_000;
// After a refusal (RATE_LIMITED, say) or a lost call.
const RETRY_MS = 3_000;

/** One activity the agent holds in one conversation at a time, renewed when half its lifetime is over. */
class Held {
  private conversation = "";
  private renewAt = 0;

  constructor(
    private readonly agent: AgentClient,
    private readonly activity: Activity,
  ) {}

  /** Holds the activity in `conversation`: sets it, or renews it when half its lifetime is over. */
  hold(conversation: string): void {
    if (conversation === this.conversation && Date.now() < this.renewAt) return;
    this.conversation = conversation;
    // No second call while this one is under way.
    this.renewAt = Number.POSITIVE_INFINITY;
    this.agent
      .setActivity({ name: conversation, activity: this.activity })
      .then((response) => {
        const left = response.expireTime ? timestampDate(response.expireTime).getTime() - Date.now() : ASSUMED_TTL_MS;
        this.renewAt = Date.now() + Math.max(left / 2, LEAST_INTERVAL_MS);
      })
      .catch(() => (this.renewAt = Date.now() + RETRY_MS));
  }

  /** Lets go of it: NONE where `tell` (TYPING; VIEWING just expires, NONE is for participants). */
  release(tell: boolean): void {
    const name = this.conversation;
    if (!name) return;
    this.conversation = "";
    this.renewAt = 0;
    if (tell) void this.agent.setActivity({ name, activity: Activity.NONE }).catch(() => {});
  }

  get where(): string {
    return this.conversation;
  }
}

export class MyActivity {
  private readonly typing: Held;
  private readonly viewing: Held;

  constructor(agent: AgentClient) {
    this.typing = new Held(agent, Activity.TYPING);
    this.viewing = new Held(agent, Activity.VIEWING);
  }

  /** The reply box of `conversation` changed: typing while it holds text, stopped when it is empty. */
  typed(conversation: string, empty: boolean): void {
    if (empty || (this.typing.where && this.typing.where !== conversation)) this.typing.release(true);
    if (!empty) this.typing.hold(conversation);
  }

  /** The reply was sent, or the agent left the box. */
  stoppedTyping(): void {
    this.typing.release(true);
  }

  /** The request the agent reads before joining, renewed while it does; "" when it reads none. */
  viewed(conversation: string): void {
    if (conversation) this.viewing.hold(conversation);
    else this.viewing.release(false);
  }
}
