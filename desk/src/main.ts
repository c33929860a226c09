// The browser desk: one WatchDesk stream (resumed with its token after any drop) feeds the queue, the tabs and
// the presence; actions are unary calls. Everything goes through @pullrouting/client over Connect to the web
// endpoint of the server that serves this page.
import {
  Activity,
  type AgentClient,
  Code,
  type Conversation,
  type DeskEvent,
  ConversationState,
  InvitationEventType,
  type ListSummary,
  type Message,
  MessageVisibility,
  Presence,
  PullroutingError,
  SenderType,
  createWebClients,
  pullroutingError,
  timestampDate,
  watchDesk,
} from "@pullrouting/client/web";
import { MyActivity } from "./activity.js";
import { ALERT_TEXT, ring, unlockSound } from "./alert.js";
import { Outbox } from "./outbox.js";
import {
  type Credentials,
  type OidcConfig,
  OidcIssuer,
  PastedToken,
  forgetSignIn,
  oidcConfig,
  restoreSignIn,
  signInProblem,
  signOut,
  signedOutReason,
} from "./signin.js";
import { DeskState, type Notice, type Tab, waitingSince } from "./state.js";

const CURRENT_KEY = "pullrouting.current";
const ME_KEY = "pullrouting.me";
const PAGE_SIZE = 100;

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; text is always text (never parsed as HTML). */
function h(tag: string, attributes: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === undefined) continue;
    element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function short(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

function customerName(conversation: Conversation): string {
  return conversation.customer?.displayName || conversation.customer?.id || short(conversation.name);
}

function clock(message: Message): string {
  return message.createTime ? timestampDate(message.createTime).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

/** "4 s", "3 min", "2 h 5 min": how long someone has waited. */
function age(since: number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const STATE_LABEL: Record<ConversationState, string> = {
  [ConversationState.UNSPECIFIED]: "",
  [ConversationState.UNREAD]: "unread",
  [ConversationState.ACTIVE]: "active",
  [ConversationState.INACTIVE]: "inactive",
  [ConversationState.CLOSED]: "closed",
};

function describe(error: unknown): string {
  const failure = error instanceof PullroutingError ? error : pullroutingError(error);
  return failure.reason ? `${failure.reason}: ${failure.message}` : failure.message;
}

class Desk {
  private readonly state = new DeskState(sessionStorage.getItem(ME_KEY) ?? "");
  private readonly outbox: Outbox;
  private readonly activity: MyActivity;
  private lists: ListSummary[] = [];
  private current = sessionStorage.getItem(CURRENT_KEY) ?? "";
  private selected = "";
  private preview: Message[] = [];
  private connection = "Connecting…";
  private readonly marking = new Set<string>();
  private redrawing = false;
  private replyFocusFor = "";
  private listsTimer: number | undefined;
  // Opens the stream again (with the renewed token), from where it was.
  private reopen = () => {};

  constructor(
    private readonly agent: AgentClient,
    private readonly credentials: Credentials,
  ) {
    this.outbox = new Outbox(agent, credentials.owner, () => this.redraw());
    this.activity = new MyActivity(agent);
    credentials.onRenewed(() => {
      this.reopen();
      void this.outbox.flush();
    });
  }

  async start(): Promise<void> {
    this.wire();
    await this.refreshLists();
    setInterval(() => this.tick(), 1000);
    // Replies left in the outbox (a reload during an outage) go as soon as they can.
    setInterval(() => void this.outbox.flush(), 3000);
    void this.outbox.flush();
    try {
      await this.follow();
    } catch (error) {
      if (pullroutingError(error).code === Code.Unauthenticated) {
        // The token was refused for good and no new one could be had: back to the sign-in, saying why. Who
        // signs in next may be somebody else: only the replies waiting stay, for their writer (Outbox).
        sessionStorage.removeItem(ME_KEY);
        sessionStorage.removeItem(CURRENT_KEY);
        signOut(`Signed out: ${describe(error)}`);
        location.reload();
        return;
      }
      this.connection = `Stopped: ${describe(error)} (sign out and in again)`;
      this.redraw();
    }
  }

  /** The one WatchDesk stream. A renewed token opens it again from its last resume token (the server ends a
   * stream when the token it was opened with expires), and so does a refused token that could be renewed. */
  private async follow(): Promise<void> {
    let resumeToken = "";
    // A token renewed after a refusal that is refused again is refused for good.
    let renewedAfterRefusal = false;
    for (;;) {
      const opened = new AbortController();
      this.reopen = () => opened.abort();
      const onState = (state: string, error?: PullroutingError) => this.connectionChanged(state, error);
      try {
        for await (const event of watchDesk(this.agent, { resumeToken, signal: opened.signal, onState })) {
          resumeToken = event.resumeToken || resumeToken;
          renewedAfterRefusal = false;
          this.received(event);
        }
      } catch (error) {
        const refused = pullroutingError(error).code === Code.Unauthenticated;
        if (refused && !renewedAfterRefusal && (await this.credentials.renew())) {
          renewedAfterRefusal = true;
          continue;
        }
        throw error;
      }
      if (!opened.signal.aborted) return;
    }
  }

  private received(event: DeskEvent): void {
    const applied = this.state.apply(event);
    if (this.state.me) sessionStorage.setItem(ME_KEY, this.state.me);
    for (const name of applied.opened) void this.loadTranscript(name);
    if (applied.alert) {
      const text = ALERT_TEXT[applied.alert.alert];
      const who = customerName(applied.alert.conversation);
      this.banner(`${text}: ${who}`, applied.alert.conversation.name);
      // How many alerts rang, for whoever checks the desk (its tests).
      document.body.dataset.alerts = String(Number(document.body.dataset.alerts ?? 0) + 1);
      ring(text, `${who}: ${applied.alert.conversation.lastMessage?.text ?? ""}`);
    }
    if (applied.invited) {
      const { invitation, conversation } = applied.invited;
      const text = `Invitation from ${short(invitation.inviter)}`;
      this.banner(`${text}: ${customerName(conversation)}`, conversation.name);
      ring(text, invitation.note || customerName(conversation));
    }
    if (applied.answered) {
      const { type, invitation } = applied.answered;
      this.status(`${short(invitation.invitee)} ${ANSWER_TEXT[type] ?? "answered"} your invitation`);
    }
    if (event.event.case === "listEvent") this.refreshListsSoon();
    this.redraw();
  }

  private connectionChanged(state: string, error?: PullroutingError): void {
    if (state === "open") {
      this.connection = "Connected";
      void this.outbox.flush();
      void this.refreshLists();
    } else if (state === "retrying") {
      this.connection = `Reconnecting… (${error ? describe(error) : "the stream ended"})`;
      this.state.forgetActivity();
    } else {
      this.connection = "Connecting…";
      this.state.forgetActivity();
    }
    this.redraw();
  }

  /** The tab shown: the one the agent chose (kept across a reload) once it is there, else the first. */
  private shownTab(): string {
    return this.state.tabs.has(this.current) ? this.current : this.firstTab();
  }

  private firstTab(): string {
    for (const [name, tab] of this.state.tabs) if (!tab.ended) return name;
    return this.state.tabs.keys().next().value ?? "";
  }

  // ---- calls

  private async refreshLists(): Promise<void> {
    try {
      this.lists = (await this.agent.listLists({ pageSize: PAGE_SIZE })).lists;
      this.redraw();
    } catch (error) {
      this.status(`Lists not refreshed: ${describe(error)}`);
    }
  }

  private refreshListsSoon(): void {
    clearTimeout(this.listsTimer);
    this.listsTimer = window.setTimeout(() => void this.refreshLists(), 500);
  }

  private async allMessages(conversation: string): Promise<Message[]> {
    const messages: Message[] = [];
    let pageToken = "";
    do {
      const page = await this.agent.listMessages({ parent: conversation, pageSize: PAGE_SIZE, pageToken });
      messages.push(...page.messages);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return messages;
  }

  private async loadTranscript(name: string): Promise<void> {
    try {
      const messages = await this.allMessages(name);
      const tab = this.state.tabs.get(name);
      if (!tab) return;
      const live = tab.messages;
      tab.messages = new Map(messages.map((message) => [message.name, message]));
      for (const [key, message] of live) tab.messages.set(key, message);
      tab.loaded = true;
      this.redraw();
    } catch (error) {
      this.status(`Transcript not read: ${describe(error)}`);
    }
  }

  private async select(name: string): Promise<void> {
    const tab = this.state.tabs.get(name);
    if (tab && !tab.ended) {
      this.show(name);
      return;
    }
    this.selected = name;
    this.preview = [];
    this.redraw();
    try {
      this.preview = await this.allMessages(name);
    } catch (error) {
      this.status(`Request not read: ${describe(error)}`);
    }
    this.redraw();
  }

  private async join(name: string): Promise<void> {
    try {
      await this.agent.joinConversation({ name });
    } catch (error) {
      // The focus stays where it was: nothing may look as if the chat changed.
      this.status(`Not joined: ${describe(error)}`);
      return;
    }
    this.selected = "";
    if (byId("alert").dataset.name === name) this.dismissAlert();
    // The message box gets the focus once the conversation's tab shows (its first event may still be on its way).
    this.replyFocusFor = name;
    this.show(name);
  }

  private async act(what: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
      this.status(what);
    } catch (error) {
      this.status(`${what} failed: ${describe(error)}`);
    }
  }

  private async markRead(tab: Tab): Promise<void> {
    const name = tab.conversation.name;
    const last = sortedMessages(tab).at(-1);
    if (!last || tab.unread === 0 || this.marking.has(name) || document.visibilityState !== "visible") return;
    this.marking.add(name);
    try {
      tab.unread = (await this.agent.markRead({ conversation: name, message: last.name })).unreadCount;
    } catch {
      // The next event tries again.
    } finally {
      this.marking.delete(name);
    }
    this.redraw();
  }

  // ---- page

  private show(name: string): void {
    this.current = name;
    sessionStorage.setItem(CURRENT_KEY, name);
    this.redraw();
  }

  private status(text: string): void {
    byId("status").textContent = text;
  }

  /** Shows the alert until the agent dismisses it or joins the conversation it is about. */
  private banner(text: string, conversation: string): void {
    const banner = byId("alert");
    banner.textContent = text;
    banner.dataset.name = conversation;
    banner.hidden = false;
    document.title = `(!) ${text} — pullrouting desk`;
  }

  private wire(): void {
    document.addEventListener("keydown", unlockSound, { once: true });
    document.addEventListener("pointerdown", unlockSound, { once: true });
    document.addEventListener("visibilitychange", () => this.redraw());
    byId("alert").addEventListener("click", () => this.dismissAlert());
    byId("presence").addEventListener("click", () => {
      const next = this.state.presence === Presence.AWAY ? Presence.AVAILABLE : Presence.AWAY;
      void this.act(next === Presence.AWAY ? "Away" : "Available", () => this.agent.setPresence({ presence: next }));
    });
    byId("notify").addEventListener("click", () => {
      if ("Notification" in window) void Notification.requestPermission().then(() => this.redraw());
    });
    byId("logout").addEventListener("click", () => {
      sessionStorage.clear();
      location.reload();
    });
    const reply = byId<HTMLTextAreaElement>("reply");
    byId<HTMLFormElement>("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    reply.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.send();
      } else if (event.key === "Escape") {
        // The message box never keeps the focus: Escape goes back to the conversation's tab.
        document.querySelector<HTMLElement>(`[role=tab][aria-selected=true]`)?.focus();
      }
    });
    reply.addEventListener("input", () => this.activity.typed(this.shownTab(), reply.value.trim() === ""));
    reply.addEventListener("blur", () => this.activity.stoppedTyping());
    byId("leave").addEventListener("click", () => {
      const name = this.shownTab();
      void this.act("Left the conversation", () => this.agent.leaveConversation({ name }));
    });
    const dialog = byId<HTMLDialogElement>("confirm-close");
    byId("close").addEventListener("click", () => {
      const tab = this.state.tabs.get(this.shownTab());
      if (!tab) return;
      byId("confirm-close-text").textContent = `Close the conversation with ${customerName(tab.conversation)}?`;
      dialog.dataset.name = tab.conversation.name;
      dialog.showModal();
    });
    dialog.addEventListener("close", () => {
      const name = dialog.dataset.name ?? "";
      if (dialog.returnValue === "close" && name) {
        const codes = byId<HTMLInputElement>("wrap-up-codes")
          .value.split(",")
          .map((code) => code.trim())
          .filter(Boolean)
          .map((code) => (code.startsWith("wrapUpCodes/") ? code : `wrapUpCodes/${code}`));
        const note = byId<HTMLTextAreaElement>("wrap-up-note").value.trim();
        const wrapUp = codes.length || note ? { codes, note } : undefined;
        void this.act("Closed", () => this.agent.closeConversation({ name, wrapUp }));
      }
    });
    byId("return").addEventListener("click", () => {
      const name = this.shownTab();
      void this.act("Given back to its List", () => this.agent.returnConversation({ name }));
    });
    const invite = byId<HTMLDialogElement>("invite-dialog");
    byId("invite").addEventListener("click", () => {
      const tab = this.state.tabs.get(this.shownTab());
      if (!tab) return;
      invite.dataset.name = tab.conversation.name;
      byId<HTMLInputElement>("invite-agent").value = "";
      invite.showModal();
    });
    invite.addEventListener("close", () => {
      const name = invite.dataset.name ?? "";
      const id = byId<HTMLInputElement>("invite-agent").value.trim();
      const agent = id && !id.startsWith("agents/") ? `agents/${id}` : id;
      const note = byId<HTMLTextAreaElement>("invite-note").value.trim();
      if (invite.returnValue === "invite" && name && agent) {
        void this.act(`Invited ${short(agent)}`, () => this.agent.inviteAgent({ name, agent, note }));
      }
    });
    const transfer = byId<HTMLDialogElement>("transfer-dialog");
    byId("transfer").addEventListener("click", () => {
      const tab = this.state.tabs.get(this.shownTab());
      if (!tab) return;
      transfer.dataset.name = tab.conversation.name;
      byId<HTMLInputElement>("transfer-list").value = "";
      byId("transfer-lists").replaceChildren(
        ...this.lists
          .filter((summary) => summary.list && summary.list.name !== tab.conversation.list)
          .map((summary) => h("option", { value: short(summary.list!.name) }, summary.list!.displayName)),
      );
      transfer.showModal();
    });
    transfer.addEventListener("close", () => {
      const name = transfer.dataset.name ?? "";
      const id = byId<HTMLInputElement>("transfer-list").value.trim();
      const list = id && !id.startsWith("lists/") ? `lists/${id}` : id;
      const note = byId<HTMLTextAreaElement>("transfer-note").value.trim();
      if (transfer.returnValue === "transfer" && name && list) {
        void this.act("Transferred", () => this.agent.transferConversation({ name, list, note }));
      }
    });
    // A reply held on a stale view: the agent has read what came in, and sends it as it is or drops it.
    byId("transcript").addEventListener("click", (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>("button[data-held]");
      if (!button) return;
      const clientMessageId = button.dataset.held ?? "";
      if (button.dataset.action === "send-anyway") this.outbox.sendAnyway(clientMessageId);
      else this.outbox.discard(clientMessageId);
    });
    byId("dismiss").addEventListener("click", () => {
      this.state.tabs.delete(this.shownTab());
      this.redraw();
    });
  }

  private dismissAlert(): void {
    byId("alert").hidden = true;
    document.title = "pullrouting desk";
  }

  private send(): void {
    const reply = byId<HTMLTextAreaElement>("reply");
    const text = reply.value.trim();
    const tab = this.state.tabs.get(this.shownTab());
    if (!text || !tab || tab.ended) return;
    // Into the outbox first: from there it is sent, now or when the connection is back, unless somebody has
    // written since the newest message shown here (the server then refuses it STALE_VIEW and it is held).
    const internal = byId<HTMLInputElement>("internal");
    const newest = sortedMessages(tab).at(-1)?.name ?? "";
    this.outbox.add(tab.conversation.name, text, internal.checked, newest);
    this.activity.stoppedTyping();
    reply.value = "";
    internal.checked = false;
  }

  private tick(): void {
    // Reading a request before joining it, in view: the agents in it see who is looking.
    const reading = this.state.queue.has(this.selected) && !this.state.tabs.has(this.selected);
    this.activity.viewed(reading && document.visibilityState === "visible" ? this.selected : "");
    const now = Date.now();
    for (const element of document.querySelectorAll<HTMLElement>("[data-since]")) {
      element.textContent = age(Number(element.dataset.since), now);
    }
  }

  /** Redraws once per frame; the element that had the focus gets it back. */
  private redraw(): void {
    if (this.redrawing) return;
    this.redrawing = true;
    requestAnimationFrame(() => {
      this.redrawing = false;
      const focused = (document.activeElement as HTMLElement | null)?.dataset.key;
      this.draw();
      if (this.replyFocusFor && this.replyFocusFor === this.shownTab()) {
        this.replyFocusFor = "";
        byId("reply").focus();
      } else if (focused) {
        document.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
      }
    });
  }

  private draw(): void {
    const now = Date.now();
    byId("connection").textContent =
      this.connection + (this.outbox.size ? ` · ${this.outbox.size} repl${this.outbox.size === 1 ? "y" : "ies"} waiting` : "");
    byId("connection").className = this.connection === "Connected" ? "ok" : "warn";
    const presence = byId("presence");
    presence.textContent = this.state.presence === Presence.AWAY ? "Away" : this.state.presence === Presence.AVAILABLE ? "Available" : "…";
    presence.setAttribute("aria-pressed", String(this.state.presence === Presence.AVAILABLE));
    byId("notify").hidden = !("Notification" in window) || Notification.permission !== "default";
    byId("me").textContent = this.state.me ? short(this.state.me) : "";

    byId("lists").replaceChildren(
      ...this.lists.map((summary) => {
        const list = summary.list!;
        const key = `list:${list.name}`;
        const button = h(
          "button",
          { type: "button", "data-key": key, "aria-label": `${summary.subscribed ? "Unsubscribe from" : "Subscribe to"} ${list.displayName}` },
          summary.subscribed ? "Unsubscribe" : "Subscribe",
        );
        button.addEventListener("click", () =>
          void this.act(summary.subscribed ? `Unsubscribed from ${list.displayName}` : `Subscribed to ${list.displayName}`, async () => {
            await (summary.subscribed ? this.agent.unsubscribe({ list: list.name }) : this.agent.subscribe({ list: list.name }));
            await this.refreshLists();
          }),
        );
        return h(
          "li",
          { class: summary.subscribed ? "subscribed" : "" },
          h("span", { class: "list-name" }, list.displayName || short(list.name)),
          h("span", { class: "counts" }, `${summary.unreadCount} unread · ${summary.activeCount} active · ${summary.inactiveCount} inactive`),
          button,
        );
      }),
    );

    const queue = this.state.ordered();
    byId("queue-count").textContent = String(queue.length);
    byId("queue").replaceChildren(
      ...queue.map((conversation) => {
        const since = waitingSince(conversation);
        const key = `request:${conversation.name}`;
        const button = h(
          "button",
          {
            type: "button",
            class: `request state-${STATE_LABEL[conversation.state]}`,
            "data-key": key,
            "data-name": conversation.name,
            "aria-current": conversation.name === this.selected ? "true" : undefined,
          },
          h("span", { class: "customer" }, customerName(conversation)),
          h("span", { class: "state" }, STATE_LABEL[conversation.state]),
          conversation.priority > 0 && h("span", { class: "priority", title: "priority" }, `P${conversation.priority}`),
          h("span", { class: "age", "data-since": String(since), title: "waiting" }, age(since, now)),
          h("span", { class: "preview" }, conversation.lastMessage?.text ?? ""),
        );
        button.addEventListener("click", () => void this.select(conversation.name));
        return h("li", {}, button);
      }),
    );

    this.drawInvitations();
    this.drawPreview();
    byId("empty").hidden = Boolean(this.state.queue.get(this.selected) || this.state.tabs.size);
    this.drawTabs();
    this.drawChat();
  }

  private drawInvitations(): void {
    const invitations = [...this.state.invitations.values()];
    byId("invitations-section").hidden = invitations.length === 0;
    byId("invitations").replaceChildren(
      ...invitations.map(({ invitation, conversation }) => {
        const accept = h("button", { type: "button", "data-key": `accept:${invitation.name}` }, "Accept");
        const decline = h("button", { type: "button", "data-key": `decline:${invitation.name}` }, "Decline");
        accept.addEventListener("click", () =>
          void this.act("Accepted", async () => {
            await this.agent.acceptInvitation({ name: invitation.name });
            // The answer goes to the inviter's desks; this one knows it from the call.
            this.state.invitations.delete(invitation.name);
            this.replyFocusFor = conversation.name;
            this.show(conversation.name);
          }),
        );
        decline.addEventListener("click", () =>
          void this.act("Declined", async () => {
            await this.agent.declineInvitation({ name: invitation.name });
            this.state.invitations.delete(invitation.name);
            this.redraw();
          }),
        );
        return h(
          "li",
          { class: "invitation" },
          h("span", { class: "customer" }, `${customerName(conversation)} · from ${short(invitation.inviter)}`),
          invitation.note && h("span", { class: "preview" }, invitation.note),
          h("span", { class: "actions" }, accept, decline),
        );
      }),
    );
  }

  private drawPreview(): void {
    const section = byId("request");
    const conversation = this.state.queue.get(this.selected);
    section.hidden = !conversation;
    if (!conversation) return;
    byId("request-title").textContent = `${customerName(conversation)} · ${STATE_LABEL[conversation.state]}`;
    byId("request-messages").replaceChildren(...this.preview.map((message) => messageItem(message, this.state.me)));
    const join = byId<HTMLButtonElement>("join");
    join.dataset.name = conversation.name;
    join.disabled = this.state.tabs.has(conversation.name) && !this.state.tabs.get(conversation.name)!.ended;
    join.onclick = () => void this.join(conversation.name);
  }

  private drawTabs(): void {
    const tabs = [...this.state.tabs.values()];
    const shown = this.shownTab();
    const tablist = byId("tabs");
    tablist.replaceChildren(
      ...tabs.map((tab, index) => {
        const name = tab.conversation.name;
        const selected = name === shown;
        const button = h(
          "button",
          {
            type: "button",
            role: "tab",
            "data-key": `tab:${name}`,
            "data-name": name,
            "aria-selected": String(selected),
            tabindex: selected ? "0" : "-1",
            class: tab.ended ? "ended" : "",
          },
          customerName(tab.conversation),
          [...tab.activity.values()].includes(Activity.TYPING) && h("span", { class: "typing", "aria-label": "somebody is typing" }, "✎"),
          tab.unread > 0 && h("span", { class: "unread", "aria-label": `${tab.unread} unread` }, String(tab.unread)),
        );
        button.addEventListener("click", () => this.show(name));
        button.addEventListener("keydown", (event) => {
          const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (step) {
            const next = tabs[(index + step + tabs.length) % tabs.length];
            this.show(next.conversation.name);
            requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-key="${CSS.escape(`tab:${next.conversation.name}`)}"]`)?.focus());
          } else if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            this.show(name);
            byId("reply").focus();
          }
        });
        return button;
      }),
    );
  }

  private drawChat(): void {
    const tab = this.state.tabs.get(this.shownTab());
    byId("chat").hidden = !tab;
    if (!tab) return;
    const conversation = tab.conversation;
    byId("chat-title").textContent = `${customerName(conversation)} · ${STATE_LABEL[conversation.state]}`;
    byId("chat-ended").textContent = ENDED_TEXT[tab.ended] ?? "";
    // A reply the stream showed already, before its call returned, is shown once.
    const delivered = new Set([...tab.messages.values()].map((message) => message.idempotencyKey));
    const pending = this.outbox.list(conversation.name).filter((item) => !delivered.has(item.clientMessageId)).map((item) =>
      item.staleAfter !== undefined
        ? h(
            "li",
            { class: `message agent held${item.internal ? " internal" : ""}`, role: "alert" },
            h("span", { class: "meta" }, `${item.internal ? "internal note " : ""}${item.problem}`),
            h("span", { class: "text" }, item.text),
            h("button", { type: "button", "data-held": item.clientMessageId, "data-action": "send-anyway" }, "Send anyway"),
            h("button", { type: "button", "data-held": item.clientMessageId, "data-action": "discard" }, "Discard"),
          )
        : h(
            "li",
            { class: `message agent pending${item.internal ? " internal" : ""}` },
            h("span", { class: "meta" }, `${item.internal ? "internal note, " : ""}sending${item.problem ? ` (${item.problem})` : ""}`),
            h("span", { class: "text" }, item.text),
          ),
    );
    const refused = (this.outbox.refusals.get(conversation.name) ?? []).map((text) => h("li", { class: "message refused" }, text));
    const transcript = byId("transcript");
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 8;
    transcript.replaceChildren(...transcriptItems(tab, this.state.me), ...pending, ...refused);
    if (atBottom) transcript.scrollTop = transcript.scrollHeight;
    byId("activity").textContent = activityText(tab);
    byId<HTMLLabelElement>("reply-label").textContent = `Reply to ${customerName(conversation)}`;
    for (const id of ["reply", "internal", "send", "leave", "return", "invite", "transfer", "close"]) {
      byId<HTMLButtonElement>(id).disabled = Boolean(tab.ended);
    }
    byId("dismiss").hidden = !tab.ended;
    if (tab.unread > 0 && document.hasFocus()) void this.markRead(tab);
  }
}

/** "Customer is typing… · agent-2 is viewing". */
function activityText(tab: Tab): string {
  return [...tab.activity]
    .map(([who, activity]) => `${who ? short(who) : "Customer"} is ${activity === Activity.TYPING ? "typing…" : "viewing"}`)
    .join(" · ");
}

function messageTime(message: Message): number {
  return message.createTime ? timestampDate(message.createTime).getTime() : 0;
}

function sortedMessages(tab: Tab): Message[] {
  return [...tab.messages.values()].sort((a, b) => messageTime(a) - messageTime(b));
}

/** The messages and the supervisors' comings and goings, in time order. */
function transcriptItems(tab: Tab, me: string): HTMLElement[] {
  return [
    ...[...tab.messages.values()].map((message) => ({ time: messageTime(message), item: messageItem(message, me) })),
    ...[...tab.notices.values()].map((notice) => ({ time: notice.time, item: noticeItem(notice) })),
  ]
    .sort((a, b) => a.time - b.time)
    .map(({ item }) => item);
}

function noticeItem(notice: Notice): HTMLElement {
  return h("li", { class: "notice" }, `${short(notice.supervisor)} (supervisor) ${notice.joined ? "joined" : "left"}`);
}

const ANSWER_TEXT: Partial<Record<InvitationEventType, string>> = {
  [InvitationEventType.ACCEPTED]: "accepted",
  [InvitationEventType.DECLINED]: "declined",
  [InvitationEventType.EXPIRED]: "did not answer (expired)",
  [InvitationEventType.WITHDRAWN]: "can no longer accept (withdrawn)",
};

const ENDED_TEXT: Record<string, string> = {
  closed: "This conversation is closed.",
  left: "You left this conversation.",
  transferred: "You transferred this conversation to another List.",
};

function messageItem(message: Message, me: string): HTMLElement {
  const fromCustomer = message.senderType === SenderType.CUSTOMER;
  const who = fromCustomer
    ? "Customer"
    : message.supervisor
      ? `${short(message.supervisor)} (supervisor)`
      : message.agent === me
        ? "You"
        : short(message.agent);
  const internal = message.visibility === MessageVisibility.INTERNAL;
  return h(
    "li",
    { class: `message ${fromCustomer ? "customer" : "agent"}${internal ? " internal" : ""}`, "data-name": message.name },
    h("span", { class: "meta" }, `${who} · ${clock(message)}${internal ? " · internal note" : ""}`),
    h("span", { class: "text" }, message.text),
  );
}

/** The agent's client, once a first call with these credentials went through. */
async function signIn(credentials: Credentials): Promise<AgentClient> {
  const { agent } = createWebClients({ baseUrl: location.origin, token: () => credentials.token() });
  await agent.listLists({ pageSize: 1 });
  return agent;
}

function problem(error: unknown): string {
  return error instanceof PullroutingError ? describe(error) : signInProblem(error);
}

/** "Sign in with <issuer>", where the server offers OpenID Connect. */
function offerOidc(config: OidcConfig): void {
  const button = byId<HTMLButtonElement>("oidc-sign-in");
  const issuer = new URL(config.issuer);
  button.textContent = `Sign in with ${issuer.host}${issuer.pathname === "/" ? "" : issuer.pathname}`;
  button.hidden = false;
  byId("token-label").textContent = "Or an agent token";
  button.addEventListener("click", () => {
    byId("login-error").textContent = "";
    OidcIssuer.discover(config)
      .then((issuer) => issuer.start())
      .catch((error: unknown) => (byId("login-error").textContent = `Sign-in failed: ${signInProblem(error)}`));
  });
}

async function main(): Promise<void> {
  const login = byId<HTMLFormElement>("login");
  const loginError = byId("login-error");
  loginError.textContent = signedOutReason();
  // Without the configuration (an older server) the token box still works.
  const config = await oidcConfig().catch(() => null);
  let credentials: Credentials | null = null;
  let agent: AgentClient | undefined;
  try {
    credentials = await restoreSignIn(config);
    if (credentials) agent = await signIn(credentials);
  } catch (error) {
    forgetSignIn();
    loginError.textContent = problem(error);
  }
  if (config) offerOidc(config);
  while (!agent || !credentials) {
    login.hidden = false;
    byId(config ? "oidc-sign-in" : "token").focus();
    const token = await new Promise<string>((resolve) =>
      login.addEventListener("submit", (event) => {
        event.preventDefault();
        resolve(byId<HTMLInputElement>("token").value.trim());
      }, { once: true }),
    );
    try {
      const pasted = await PastedToken.of(token);
      agent = await signIn(pasted);
      pasted.keep();
      credentials = pasted;
    } catch (error) {
      loginError.textContent = describe(error);
    }
  }
  login.hidden = true;
  byId("desk").hidden = false;
  await new Desk(agent, credentials).start();
}

void main();
