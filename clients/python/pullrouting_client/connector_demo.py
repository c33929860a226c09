"""A simulated Facebook-comments connector (`pullrouting-connector-demo`).

`run` posts a few customers' comments through IngestService.PostCustomerMessage, each twice, as a connector
does when a response is lost and it retries: the second post carries the same `source_message_id` and gets
the first message back, so nothing is duplicated. Meanwhile it prints the agents' replies (and closes) that
WatchOutbound hands it to deliver, until interrupted; the watch reconnects and resumes by itself.

`setup` prepares a server for the tour with the admin token and prints `export` lines with an agent token
and an ingestor token: `eval "$(pullrouting-connector-demo setup)"`.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import uuid

from pullrouting.v1 import events_pb2
from pullrouting_client.demo_setup import SERVICE_IDENTIFIER, set_up
from pullrouting_client.desktop.view import close_reason_label, short
from pullrouting_client.errors import PullroutingError
from pullrouting_client.ingest import IngestClient
from pullrouting_client.options import add_connection_options, open_channel

# (customer id on Facebook, display name, comment)
COMMENTS = [
    ("fb-user-1001", "Dana", "Hi! Is my order #1234 shipped yet?"),
    ("fb-user-1002", "Lee", "Do you ship to Canada?"),
    ("fb-user-1001", "Dana", "It was ordered last Monday."),
    ("fb-user-1003", "Sam", "Your page says you open at 9, but nobody answers the phone."),
]


def say(text: str) -> None:
    print(text, flush=True)


async def post_comments(ingest: IngestClient, service_identifier: str, count: int, interval: float) -> None:
    run = uuid.uuid4().hex[:8]  # a fresh demo run posts fresh comments
    for number, (customer_id, customer_name, text) in enumerate(COMMENTS[:count], start=1):
        source_id = f"fb-comment-{run}-{number}"
        posted = await ingest.post(service_identifier, customer_id, text, source_id, customer_name)
        opened = "new request" if posted.created else "added to the open request"
        say(f'comment {source_id} from {customer_name}: "{text}" -> {posted.conversation.name} ({opened})')
        retried = await ingest.post(service_identifier, customer_id, text, source_id, customer_name)
        # The retry is answered with the first result: the same message, nothing new written.
        same = retried.message.name == posted.message.name
        outcome = "same message, no duplicate" if same else f"DUPLICATE {retried.message.name}"
        say(f"  retry of {source_id} (as after a lost response) -> {retried.message.name}: {outcome}")
        await asyncio.sleep(interval)


async def print_replies(ingest: IngestClient, service_identifier: str, live: asyncio.Event) -> None:
    """Prints what WatchOutbound hands over; sets `live` once the stream is open (its SYNCED marker)."""

    def reconnecting(error: PullroutingError, delay: float) -> None:
        say(f"(outbound stream lost: {error.reason or error.status.name}; resuming in {delay:.1f} s)")

    async for event in ingest.watch_outbound(service_identifier, on_retry=reconnecting):
        customer = f"{event.customer.display_name} ({event.customer.id})"
        if event.type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED:
            live.set()
        elif event.type == events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE:
            # A supervisor who barged in writes as an agent does; its reply is marked as the supervisor's.
            message = event.message
            author = short(message.agent) if message.agent else f"supervisor {short(message.supervisor)}"
            say(f'reply to {customer} from {author}: "{message.text}"')
        elif event.type == events_pb2.OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED:
            say(f"{event.conversation} with {customer} closed ({close_reason_label(event.close_reason)})")
        elif event.type == events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_JOINED:
            say(f"{event.conversation} with {customer}: supervisor {short(event.supervisor)} joined")
        elif event.type == events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_LEFT:
            say(f"{event.conversation} with {customer}: supervisor {short(event.supervisor)} left")


async def run(args: argparse.Namespace, token: str) -> None:
    channel = open_channel(args, token)
    ingest = IngestClient(channel)
    say(f"connector for {args.service_identifier}: posting comments, printing agents' replies (Ctrl-C stops)")
    live = asyncio.Event()
    replies = asyncio.create_task(print_replies(ingest, args.service_identifier, live))
    try:
        # Post only once the outbound stream is open, so that no reply to these comments can be missed.
        await next(asyncio.as_completed([live.wait(), replies]))
        await post_comments(ingest, args.service_identifier, args.comments, args.interval)
        await replies
    finally:
        replies.cancel()
        await channel.close()


async def setup(args: argparse.Namespace, token: str) -> None:
    channel = open_channel(args, token)
    try:
        credentials = await set_up(channel, args.agent_id, args.ingestor_id)
    finally:
        await channel.close()
    print(f"# agent agents/{args.agent_id} (entitled to lists/l1) and ingestor ingestors/{args.ingestor_id}")
    print(f"export PULLROUTING_AGENT_TOKEN={credentials.agent_token}")
    print(f"export PULLROUTING_INGESTOR_TOKEN={credentials.ingestor_token}")


async def until_stopped(work: asyncio.Task[None]) -> None:
    """Runs `work`; SIGINT and SIGTERM end it quietly."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, work.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await work


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pullrouting-connector-demo", description=__doc__.split("\n\n")[0])
    add_connection_options(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="post simulated comments and print the agents' replies")
    run_parser.add_argument("--token", default=os.environ.get("PULLROUTING_INGESTOR_TOKEN"), help="ingestor token")
    run_parser.add_argument("--service-identifier", default=SERVICE_IDENTIFIER, help="the channel's page")
    run_parser.add_argument("--comments", type=int, default=len(COMMENTS), help="how many comments to post")
    run_parser.add_argument("--interval", type=float, default=2.0, help="seconds between comments")
    setup_parser = commands.add_parser("setup", help="prepare a server for the tour (PULLROUTING_ADMIN_TOKEN)")
    setup_parser.add_argument("--agent-id", default="alice")
    setup_parser.add_argument("--ingestor-id", default="facebook-connector")
    args = parser.parse_args(argv)
    if args.command == "run":
        command, token = run, args.token or parser.error("set PULLROUTING_INGESTOR_TOKEN (or --token)")
    else:
        command, token = setup, os.environ.get("PULLROUTING_ADMIN_TOKEN") or parser.error(
            "set PULLROUTING_ADMIN_TOKEN to the admin token"
        )

    async def main_task() -> None:
        try:
            await until_stopped(asyncio.create_task(command(args, token)))
        except PullroutingError as error:
            sys.exit(f"{args.command} failed: {error.reason or error.status.name}: {error.message}")

    asyncio.run(main_task())
