// @pullrouting/client against a real server (tests/test_typescript_client.py starts it and sets the variables):
// over gRPC (connect-node) and over Connect through the web endpoint (connect-web, on Node's fetch).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectError } from "@connectrpc/connect";
import { createNodeClients } from "../dist/node.js";
import {
  Activity,
  Code,
  AgentStatusEventType,
  ConversationEventType,
  ListAlert,
  ListEventType,
  PullroutingError,
  createWebClients,
  resumable,
  monitorConversation,
  watchAgents,
  watchDesk,
  watchQueues,
} from "../dist/web.js";

const { GRPC_URL, WEB_URL, AGENT_TOKEN, INGESTOR_TOKEN, SUPERVISOR_TOKEN, SERVICE_IDENTIFIER } = process.env;
const DEADLINE_MS = 15_000;

function post(ingest, customer, text, sourceMessageId) {
  return ingest.postCustomerMessage({
    serviceIdentifier: SERVICE_IDENTIFIER,
    customer: { id: customer, displayName: "TS customer" },
    text,
    sourceMessageId,
  });
}

/** The next desk event that `wanted` accepts, within the deadline. */
async function next(events, wanted) {
  const timeout = AbortSignal.timeout(DEADLINE_MS);
  for (;;) {
    const result = await Promise.race([
      events.next(),
      new Promise((_, reject) => timeout.addEventListener("abort", () => reject(new Error("no such event in time")))),
    ]);
    assert.ok(!result.done, "the watch ended");
    if (wanted(result.value)) return result.value;
  }
}

const isSynced = (event) => event.event.case === "listEvent" && event.event.value.type === ListEventType.SYNCED && !event.event.value.list;

test("a watch reopens a call gRPC cancelled before the server took it", async () => {
  // With more calls waiting to be accepted than its backlog holds (thousands of desks reconnecting at once), gRPC
  // cancels some of them: nothing was refused, and the same call made again gets through.
  const opened = [];
  const event = { resumeToken: "after-sync" };
  async function* open(resumeToken) {
    opened.push(resumeToken);
    if (opened.length === 1) throw new ConnectError("cancelled", Code.Canceled);
    yield { event };
  }
  const received = [];
  for await (const got of resumable(open, { resumeToken: "before", initialDelayMs: 1 })) received.push(got);
  assert.deepEqual(received, [event]);
  assert.deepEqual(opened, ["before", "before"]);
});

for (const [protocol, make] of [
  ["gRPC (connect-node)", (token) => createNodeClients({ baseUrl: GRPC_URL, token })],
  ["Connect through the web endpoint (connect-web)", (token) => createWebClients({ baseUrl: WEB_URL, token })],
]) {
  test(`${protocol}: refusals carry their reason and fields`, async () => {
    const { agent } = make(AGENT_TOKEN);
    await assert.rejects(agent.joinConversation({ name: "conversations/nobody" }), (error) => {
      assert.ok(error instanceof PullroutingError);
      assert.equal(error.reason, "RESOURCE_NOT_FOUND");
      assert.equal(error.retriable, false);
      return true;
    });
    await assert.rejects(agent.joinConversation({ name: "not a name" }), (error) => {
      assert.equal(error.reason, "FIELD_INVALID");
      assert.deepEqual(error.fieldViolations.map((violation) => violation.field), ["name"]);
      return true;
    });
    await assert.rejects(make("not-a-token").agent.listLists({}), (error) => error.reason === "TOKEN_INVALID");
  });

  test(`${protocol}: a desk is told of a request, joins it, answers once, and resumes after its token`, async (t) => {
    const { agent } = make(AGENT_TOKEN);
    const { ingest } = make(INGESTOR_TOKEN);
    const stop = new AbortController();
    const states = [];
    const events = watchDesk(agent, { signal: stop.signal, onState: (state) => states.push(state) });
    // A failed assertion must not leave the stream open (it would keep node running).
    t.after(() => stop.abort());
    await next(events, isSynced);
    const tag = `${protocol.split(" ")[0]}-${Date.now()}`;
    const posted = await post(ingest, tag, `Hello from ${tag}`, `${tag}-1`);
    const name = posted.conversation.name;
    const added = await next(events, (event) => event.event.case === "listEvent" && event.event.value.conversation?.name === name);
    assert.equal(added.event.value.alert, ListAlert.NEW_REQUEST);

    await agent.joinConversation({ name });
    await next(events, (event) => event.event.case === "conversationEvent" && event.event.value.conversation?.name === name);
    const first = await agent.sendMessage({ conversation: name, text: "Hi!", clientMessageId: `${tag}-reply` });
    const again = await agent.sendMessage({ conversation: name, text: "Hi!", clientMessageId: `${tag}-reply` });
    assert.equal(again.message.name, first.message.name);
    const answered = await next(events, (event) => event.event.value?.message?.name === first.message.name);
    stop.abort();
    assert.deepEqual(states.slice(0, 2), ["connecting", "open"]);

    // What happened after the token, and nothing before it.
    await post(ingest, tag, "Are you still there?", `${tag}-2`);
    const stopResumed = new AbortController();
    t.after(() => stopResumed.abort());
    const resumed = watchDesk(agent, { resumeToken: answered.resumeToken, signal: stopResumed.signal });
    const seen = [];
    await next(resumed, (event) => {
      seen.push(event);
      return event.event.value?.message?.text === "Are you still there?";
    });
    assert.ok(seen.every((event) => !event.reset && event.event.value?.message?.name !== first.message.name));
    await resumed.return();
    await agent.closeConversation({ name });
  });
}

for (const [protocol, make] of [
  ["gRPC (connect-node)", (token) => createNodeClients({ baseUrl: GRPC_URL, token })],
  ["Connect through the web endpoint (connect-web)", (token) => createWebClients({ baseUrl: WEB_URL, token })],
]) {
  test(`${protocol}: a supervisor watches its queues and agents and monitors a request, typing included`, async (t) => {
    const { supervisor } = make(SUPERVISOR_TOKEN);
    const { agent } = make(AGENT_TOKEN);
    const { ingest } = make(INGESTOR_TOKEN);
    const stop = new AbortController();
    t.after(() => stop.abort());
    const tag = `supervised-${protocol.split(" ")[0]}-${Date.now()}`;
    const name = (await post(ingest, tag, `Hello from ${tag}`, `${tag}-1`)).conversation.name;
    await agent.joinConversation({ name });

    const queues = watchQueues(supervisor, { signal: stop.signal });
    await next(queues, (event) => event.event.case === "listEvent" && event.event.value.type === ListEventType.SYNCED);
    const figures = await next(queues, (event) => event.event.case === "figures");
    assert.ok(figures.event.value.activeCount >= 1);
    const agents = watchAgents(supervisor, { signal: stop.signal });
    const status = await next(agents, (event) => event.type === AgentStatusEventType.SNAPSHOT);
    assert.ok(status.agent.conversations.includes(name));

    const monitor = monitorConversation(supervisor, name, { signal: stop.signal });
    await next(monitor, (event) => event.type === ConversationEventType.SYNCED);
    await agent.setActivity({ name, activity: Activity.TYPING });
    await ingest.postCustomerActivity({ conversation: name, activity: Activity.TYPING });
    const typing = await next(monitor, (event) => event.type === ConversationEventType.ACTIVITY);
    assert.equal(typing.activity.activity, Activity.TYPING);
    assert.equal(typing.resumeToken, "");
    await next(monitor, (event) => event.type === ConversationEventType.ACTIVITY);
    await supervisor.forceCloseConversation({ name });
    await next(monitor, (event) => event.type === ConversationEventType.CONVERSATION_CLOSED);
  });
}
