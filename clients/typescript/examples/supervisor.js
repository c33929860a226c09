// A supervisor's console in 20 lines: silently follows the request waiting longest on its Lists, typing included.
import { Activity, ConversationEventType, SenderType, createNodeClients, monitorConversation } from "@pullrouting/client/node";

const { PULLROUTING_ADDRESS = "127.0.0.1:50051", PULLROUTING_SUPERVISOR_TOKEN } = process.env;
const { supervisor } = createNodeClients({ baseUrl: `http://${PULLROUTING_ADDRESS}`, token: PULLROUTING_SUPERVISOR_TOKEN });
const { conversations } = await supervisor.listConversations({ parent: "lists/-", orderBy: "waiting_since" });
if (conversations.length === 0) throw new Error("nobody waits on my Lists");
const who = (senderType, agent) => (senderType === SenderType.CUSTOMER ? "customer" : agent);
// Nobody in the request is told; the monitor ends after the close.
for await (const event of monitorConversation(supervisor, conversations[0].name)) {
  if (event.type === ConversationEventType.SYNCED) {
    console.error("open");
  } else if (event.type === ConversationEventType.ACTIVITY) {
    console.log(`${who(event.activity.senderType, event.activity.agent)} ${Activity[event.activity.activity]}`);
  } else if (event.message) {
    console.log(`${who(event.message.senderType, event.message.agent)}: ${event.message.text}`);
  } else if (event.type === ConversationEventType.CONVERSATION_CLOSED) {
    console.log("closed");
  }
}
