#!/usr/bin/env node
// A pullrouting agent in Node.js on @pullrouting/client (the generated stubs, typed errors, resumable
// watches): subscribes to a List, watches it (WatchLists), joins the first request that is on it or lands on
// it, writes to the customer, closes the request and exits. Each step is printed as one JSON line.
//
//   PULLROUTING_AGENT_TOKEN=prg_... node agent.js [--address 127.0.0.1:50051] [--list lists/l1]
//       [--message "Hello"] [--timeout 60]
import { parseArgs } from "node:util";
import {
  CloseReason,
  ConversationState,
  ListEventType,
  PullroutingError,
  createNodeClients,
  watchLists,
} from "@pullrouting/client/node";

const { values: options } = parseArgs({
  options: {
    address: { type: "string", default: process.env.PULLROUTING_ADDRESS || "127.0.0.1:50051" },
    list: { type: "string", default: "lists/l1" },
    message: { type: "string", default: "Hello from the Node.js agent! How can I help?" },
    timeout: { type: "string", default: "60" },
  },
});
const token = process.env.PULLROUTING_AGENT_TOKEN;
if (!token) {
  console.error("set PULLROUTING_AGENT_TOKEN to an agent token");
  process.exit(2);
}

// Every call carries the agent's bearer token: the server knows the agent from it.
const { agent } = createNodeClients({ baseUrl: `http://${options.address}`, token });

function report(step, fields) {
  console.log(JSON.stringify({ step, ...fields }));
}

const stateName = (state) => `CONVERSATION_STATE_${ConversationState[state]}`;

// The first open request on the List: from the snapshot, or as it lands. watchLists reopens the stream from
// its last resume token, with a backoff, when the failure's reason says a retry can succeed (the server
// restarting, SLOW_CONSUMER), and throws the others.
async function firstRequest(list) {
  for await (const event of watchLists(agent)) {
    if (event.type === ListEventType.SYNCED && !event.list) {
      report("synced", { list });
    }
    const found = event.type === ListEventType.SNAPSHOT || event.type === ListEventType.ADDED;
    if (found && event.conversation?.list === list) {
      return event.conversation;
    }
  }
  throw new Error("the watch ended");
}

async function main() {
  const timer = setTimeout(() => {
    console.error(`nothing to do within ${options.timeout} s`);
    process.exit(1);
  }, Number(options.timeout) * 1000);

  await agent.subscribe({ list: options.list });
  report("subscribed", { list: options.list });
  const request = await firstRequest(options.list);
  report("found", { conversation: request.name, customer: request.customer?.id, state: stateName(request.state) });

  // LIST_FULL or AGENT_AT_CAPACITY would be states to change, not failures to retry: they end the agent.
  const joined = (await agent.joinConversation({ name: request.name })).conversation;
  report("joined", { conversation: joined.name, state: stateName(joined.state) });
  // A retry with the same clientMessageId is answered with the first message: never two.
  const sent = await agent.sendMessage({
    conversation: request.name,
    text: options.message,
    clientMessageId: crypto.randomUUID(),
  });
  report("sent", { message: sent.message.name, text: sent.message.text });
  const closed = (await agent.closeConversation({ name: request.name, reason: CloseReason.AGENT })).conversation;
  report("closed", {
    conversation: closed.name,
    state: stateName(closed.state),
    close_reason: `CLOSE_REASON_${CloseReason[closed.closeReason]}`,
  });
  clearTimeout(timer);
}

main().then(
  () => process.exit(0),
  (error) => {
    const why = error instanceof PullroutingError ? `${error.reason ?? error.code}: ${error.rawMessage}` : error;
    console.error(`failed: ${why}`);
    process.exit(1);
  },
);
