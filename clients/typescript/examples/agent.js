// An agent in 20 lines: waits for a request on its Lists, joins it, answers, closes it.
import { ListAlert, PullroutingError, createNodeClients, watchDesk } from "@pullrouting/client/node";

const { PULLROUTING_ADDRESS = "127.0.0.1:50051", PULLROUTING_AGENT_TOKEN } = process.env;
const { agent } = createNodeClients({ baseUrl: `http://${PULLROUTING_ADDRESS}`, token: PULLROUTING_AGENT_TOKEN });
for await (const event of watchDesk(agent, { onState: (state, error) => console.error(state, error?.reason ?? "") })) {
  if (event.event.case !== "listEvent" || event.event.value.alert !== ListAlert.NEW_REQUEST) continue;
  const request = event.event.value.conversation;
  try {
    await agent.joinConversation({ name: request.name });
  } catch (error) {
    if (error instanceof PullroutingError && ["LIST_FULL", "AGENT_AT_CAPACITY"].includes(error.reason)) continue;
    throw error;
  }
  // The same clientMessageId on a retry: the server keeps one message.
  await agent.sendMessage({ conversation: request.name, text: "Hello! How can I help?", clientMessageId: crypto.randomUUID() });
  await agent.closeConversation({ name: request.name });
  console.log(`answered ${request.customer?.displayName} (${request.name})`);
  break;
}
