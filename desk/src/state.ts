// What the desk knows, kept from the one WatchDesk stream: the queue of its Lists, the conversations the agent
// is in (its tabs) with their transcripts, unread counts and who types or looks in them, its presence. No DOM here.
import {
  Activity,
  type Conversation,
  ConversationEventType,
  ConversationState,
  LeaveCause,
  type DeskEvent,
  type Invitation,
  InvitationEventType,
  ListAlert,
  ListEventType,
  type Message,
  Presence,
  SenderType,
  timestampDate,
} from "@pullrouting/client/web";

export interface Tab {
  conversation: Conversation;
  // By message name, in the order received (ListMessages first, then live events).
  messages: Map<string, Message>;
  unread: number;
  // The transcript was read with ListMessages (live events alone may miss the earlier messages).
  loaded: boolean;
  // The agent left or the conversation closed: shown until the agent dismisses the tab.
  ended: string;
  // Who is typing or looking in it now: the customer ("") or an agent's name, and what they do.
  activity: Map<string, Activity.TYPING | Activity.VIEWING>;
  // Supervisors who barged in and left, as lines of the transcript; by time, supervisor and which.
  notices: Map<string, Notice>;
}

/** A supervisor came into the conversation (BargeIn) or went out of it (SUPERVISOR_LEFT). */
export interface Notice {
  // When, in milliseconds since the epoch: where it goes among the messages.
  time: number;
  supervisor: string;
  joined: boolean;
}

export interface Invited {
  invitation: Invitation;
  conversation: Conversation;
}

export interface Alerted {
  alert: ListAlert;
  conversation: Conversation;
}

/** What applying one event changed, for the page to redraw and ring. */
export interface Applied {
  alert?: Alerted;
  // Conversations whose transcripts must be read (a tab opened).
  opened: string[];
  // An invitation to this agent arrived, or one of its own invitations was answered.
  invited?: Invited;
  answered?: { type: InvitationEventType; invitation: Invitation };
}

export class DeskState {
  queue = new Map<string, Conversation>();
  // Invitations to this agent still waiting for its answer, by name.
  invitations = new Map<string, Invited>();
  tabs = new Map<string, Tab>();
  presence: Presence = Presence.UNSPECIFIED;
  // The opening is complete (its SYNCED arrived); alerts ring only after it.
  synced = false;
  // The agent's own resource name, once an event shows it (see learnAgent).
  me: string;

  constructor(me = "") {
    this.me = me;
  }

  apply(event: DeskEvent): Applied {
    const applied: Applied = { opened: [] };
    if (event.reset) this.resetFor(event);
    switch (event.event.case) {
      case "presence":
        this.presence = event.event.value.presence;
        break;
      case "listEvent": {
        const listEvent = event.event.value;
        const conversation = listEvent.conversation;
        switch (listEvent.type) {
          case ListEventType.SNAPSHOT:
          case ListEventType.ADDED:
          case ListEventType.UPDATED:
            if (conversation) this.queue.set(conversation.name, conversation);
            break;
          case ListEventType.REMOVED:
            if (conversation) this.queue.delete(conversation.name);
            break;
          case ListEventType.UNSUBSCRIBED:
            for (const [name, queued] of this.queue) if (queued.list === listEvent.list) this.queue.delete(name);
            break;
          case ListEventType.SYNCED:
            if (listEvent.list === "") this.synced = true;
            break;
        }
        if (conversation && this.tabs.has(conversation.name)) this.tabs.get(conversation.name)!.conversation = conversation;
        if (this.synced && conversation && listEvent.alert !== ListAlert.UNSPECIFIED) {
          applied.alert = { alert: listEvent.alert, conversation };
        }
        break;
      }
      case "conversationEvent": {
        const conversationEvent = event.event.value;
        const conversation = conversationEvent.conversation;
        if (!conversation) break;
        let tab = this.tabs.get(conversation.name);
        if (conversationEvent.type === ConversationEventType.AGENT_JOINED && (!tab || tab.ended)) {
          // A stream follows a conversation from the agent's own join: the first join it shows is the agent's.
          this.me = conversationEvent.agent;
        }
        if (!tab || tab.ended) {
          tab = {
            conversation,
            messages: tab?.messages ?? new Map(),
            unread: 0,
            loaded: false,
            ended: "",
            activity: new Map(),
            notices: tab?.notices ?? new Map(),
          };
          this.tabs.set(conversation.name, tab);
          applied.opened.push(conversation.name);
        }
        tab.conversation = conversation;
        tab.unread = event.unreadCount;
        if (conversationEvent.message) tab.messages.set(conversationEvent.message.name, conversationEvent.message);
        const joined = conversationEvent.type === ConversationEventType.SUPERVISOR_JOINED;
        if (joined || conversationEvent.type === ConversationEventType.SUPERVISOR_LEFT) {
          const time = conversationEvent.eventTime ? timestampDate(conversationEvent.eventTime).getTime() : Date.now();
          tab.notices.set(`${time}/${conversationEvent.supervisor}/${joined}`, { time, supervisor: conversationEvent.supervisor, joined });
        }
        if (conversationEvent.type === ConversationEventType.CONVERSATION_CLOSED) {
          tab.ended = "closed";
        } else if (conversationEvent.type === ConversationEventType.AGENT_LEFT && this.isMe(conversationEvent.agent, conversation)) {
          tab.ended = conversationEvent.leaveCause === LeaveCause.TRANSFERRED ? "transferred" : "left";
        }
        break;
      }
      case "invitation": {
        const { type, invitation, conversation } = event.event.value;
        if (!invitation) break;
        if (type === InvitationEventType.INVITED) {
          if (!conversation) break;
          // A desk is told INVITED only of invitations to its agent.
          this.invitations.set(invitation.name, { invitation, conversation });
          if (this.synced) applied.invited = { invitation, conversation };
        } else if (this.invitations.delete(invitation.name)) {
          // Answered from another desk of this agent, or expired.
        } else {
          applied.answered = { type, invitation };
        }
        break;
      }
      case "read": {
        const tab = this.tabs.get(event.event.value.conversation);
        if (tab) tab.unread = event.unreadCount;
        break;
      }
      case "activity": {
        const change = event.event.value;
        const tab = this.tabs.get(change.conversation);
        if (!tab) break;
        const who = change.senderType === SenderType.CUSTOMER ? "" : change.agent;
        if (change.activity === Activity.TYPING || change.activity === Activity.VIEWING) tab.activity.set(who, change.activity);
        else tab.activity.delete(who);
        break;
      }
    }
    return applied;
  }

  /** Activity is live only, never replayed: after a drop the desk cannot know what ended meanwhile. */
  forgetActivity(): void {
    for (const tab of this.tabs.values()) tab.activity.clear();
  }

  /** Whether `agent` is this desk's agent. Unknown yet (a desk opened on conversations joined earlier), a
   * leave that leaves no agent in it was the agent's: its other leaves are noticed at the next event. */
  private isMe(agent: string, conversation: Conversation): boolean {
    if (this.me) return agent === this.me;
    return !conversation.participants.some((participant) => participant.agent);
  }

  /** A reset opening replaces everything; a tab already ended stays until dismissed. */
  private resetFor(event: DeskEvent): void {
    const firstOfOpening = event.event.case === "presence";
    if (!firstOfOpening) return;
    this.queue.clear();
    this.invitations.clear();
    this.synced = false;
    for (const [name, tab] of this.tabs) if (!tab.ended) this.tabs.delete(name);
  }

  /** The queue as an agent reads it: who has waited longest first, then higher priority. */
  ordered(): Conversation[] {
    return [...this.queue.values()]
      .filter((conversation) => conversation.state !== ConversationState.CLOSED)
      .sort((a, b) => waitingSince(a) - waitingSince(b) || b.priority - a.priority || a.name.localeCompare(b.name));
  }
}

/** When the customer started waiting (ms since the epoch): its oldest unanswered message, else the creation. */
export function waitingSince(conversation: Conversation): number {
  const since = conversation.waitingSince ?? conversation.createTime;
  return since ? Number(since.seconds) * 1000 + Math.floor(since.nanos / 1e6) : 0;
}
