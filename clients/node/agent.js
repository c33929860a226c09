#!/usr/bin/env node
// A pullrouting agent in Node.js, straight from the protos in ../../proto with @grpc/proto-loader:
// subscribes to a List, watches it (WatchLists), joins the first request that is on it or lands on it,
// writes to the customer, closes the request and exits. Each step is printed as one JSON line.
//
//   PULLROUTING_AGENT_TOKEN=prg_... node agent.js [--address 127.0.0.1:50051] [--list lists/l1]
//       [--message "Hello"] [--timeout 60]
'use strict';

const path = require('node:path');
const crypto = require('node:crypto');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const { values: options } = parseArgs({
  options: {
    address: { type: 'string', default: process.env.PULLROUTING_ADDRESS || '127.0.0.1:50051' },
    list: { type: 'string', default: 'lists/l1' },
    message: { type: 'string', default: 'Hello from the Node.js agent! How can I help?' },
    timeout: { type: 'string', default: '60' },
  },
});
const token = process.env.PULLROUTING_AGENT_TOKEN;
if (!token) {
  console.error('set PULLROUTING_AGENT_TOKEN to an agent token');
  process.exit(2);
}

// proto-loader brings the google/protobuf well-known types (timestamp, field mask...) itself.
const definition = protoLoader.loadSync('pullrouting/v1/agent_service.proto', {
  includeDirs: [path.resolve(__dirname, '..', '..', 'proto')],
  keepCase: true,
  enums: String,
  longs: String,
  defaults: true,
});
const { AgentService } = grpc.loadPackageDefinition(definition).pullrouting.v1;
const agent = new AgentService(options.address, grpc.credentials.createInsecure());

// Every call carries the agent's bearer token: the server knows the agent from it.
function auth() {
  const metadata = new grpc.Metadata();
  metadata.add('authorization', `Bearer ${token}`);
  return metadata;
}

function call(method, request) {
  return new Promise((resolve, reject) => {
    agent[method](request, auth(), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

function report(step, fields) {
  console.log(JSON.stringify({ step, ...fields }));
}

// Streams that fail for these reasons are reopened from the last resume token, missing nothing. (On a watch,
// RESOURCE_EXHAUSTED is SLOW_CONSUMER, or a limit that backing off gets past. FAILED_PRECONDITION, as for
// LIST_FULL or AGENT_AT_CAPACITY on a join, is a state to change: never retried.)
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);

// Resolves with the first open request on the List: from the snapshot, or as it lands.
function firstRequest(list) {
  return new Promise((resolve, reject) => {
    let resumeToken = '';
    let failures = 0;
    const open = () => {
      const stream = agent.WatchLists({ resume_token: resumeToken }, auth());
      stream.on('data', ({ event }) => {
        failures = 0;
        resumeToken = event.resume_token;
        if (event.type === 'LIST_EVENT_TYPE_SYNCED' && !event.list) {
          report('synced', { list });
        }
        const found = ['LIST_EVENT_TYPE_SNAPSHOT', 'LIST_EVENT_TYPE_ADDED'].includes(event.type);
        if (found && event.conversation.list === list) {
          stream.cancel();
          resolve(event.conversation);
        }
      });
      stream.on('error', (error) => {
        if (error.code === grpc.status.CANCELLED) {
          return;
        }
        if (!RETRYABLE.has(error.code)) {
          reject(error);
          return;
        }
        // Exponential backoff with jitter, up to 10 s.
        const ceiling = Math.min(10_000, 200 * 2 ** failures++);
        setTimeout(open, ceiling / 2 + Math.random() * (ceiling / 2));
      });
    };
    open();
  });
}

async function main() {
  const timer = setTimeout(() => {
    console.error(`nothing to do within ${options.timeout} s`);
    process.exit(1);
  }, Number(options.timeout) * 1000);

  await call('Subscribe', { list: options.list });
  report('subscribed', { list: options.list });
  const request = await firstRequest(options.list);
  report('found', { conversation: request.name, customer: request.customer.id, state: request.state });

  const joined = (await call('JoinConversation', { name: request.name })).conversation;
  report('joined', { conversation: joined.name, state: joined.state });
  const sent = await call('SendMessage', {
    conversation: request.name,
    text: options.message,
    client_message_id: crypto.randomUUID(),
  });
  report('sent', { message: sent.message.name, text: sent.message.text });
  const closed = (await call('CloseConversation', { name: request.name, reason: 'CLOSE_REASON_AGENT' })).conversation;
  report('closed', { conversation: closed.name, state: closed.state, close_reason: closed.close_reason });

  clearTimeout(timer);
  agent.close();
}

main().catch((error) => {
  console.error(`failed: ${error.code !== undefined ? grpc.status[error.code] : ''} ${error.details || error.message}`);
  process.exit(1);
});
