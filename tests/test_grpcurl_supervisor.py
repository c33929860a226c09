"""The "A supervisor's live view with grpcurl" lines of docs/grpcurl.md, run as printed after the List watch's
setup: grpcurl WatchQueues, WatchAgents and MonitorConversation streams open with what is there, and show the
comment a connector posts afterwards."""

import subprocess

from docs_shell import printed_lines, run_lines
from test_grpcurl_watch import STREAM_DEADLINE, JsonStream


def test_a_supervisors_grpcurl_streams_show_the_queue_the_agents_and_the_conversation(
    grpcurl_server, tool_environment, tmp_path
):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-supervisor-setup", address), env, tmp_path)
    processes = [
        subprocess.Popen(
            ["bash", "-c", "\n".join(printed_lines(tag, address))],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in ("grpcurl-supervisor-queues", "grpcurl-supervisor-agents", "grpcurl-supervisor-monitor")
    ]
    try:
        queues, agents, monitor = (JsonStream(process) for process in processes)
        snapshot, synced, figures = (queues.next_event() for _ in range(3))
        assert snapshot["list_event"]["type"] == "LIST_EVENT_TYPE_SNAPSHOT"
        assert snapshot["list_event"]["conversation"]["customer"]["id"] == "fb-user-77"
        assert synced["list_event"]["type"] == "LIST_EVENT_TYPE_SYNCED"
        assert figures["figures"]["list"] == "lists/l1"
        assert figures["figures"]["waiting"][0] == {"waited_less_than": "60s", "count": 1}
        assert figures["figures"]["agents_offline"] == 1

        ann, agents_synced = agents.next_event(), agents.next_event()
        assert ann["type"] == "AGENT_STATUS_EVENT_TYPE_SNAPSHOT"
        assert (ann["agent"]["agent"], ann["agent"]["lists"]) == ("agents/ann", ["lists/l1"])
        assert ann["agent"]["loads"] == [{"media_routing_domain": "mediaRoutingDomains/social"}]
        assert agents_synced["type"] == "AGENT_STATUS_EVENT_TYPE_SYNCED"

        history, monitor_synced = monitor.next_event(), monitor.next_event()
        assert history["message"]["text"] == "Where is my refund?"
        assert monitor_synced["type"] == "CONVERSATION_EVENT_TYPE_SYNCED"

        (post,) = printed_lines("grpcurl-supervisor-setup", address)[-1:]
        run_lines([post.replace("fb-comment-2001", "fb-comment-2002")], env, tmp_path)
        updated = queues.next_event()
        assert updated["list_event"]["type"] == "LIST_EVENT_TYPE_UPDATED"
        assert updated["list_event"]["conversation"]["message_count"] == "2"
        assert queues.next_event()["figures"]["waiting"][0]["count"] == 1
        assert monitor.next_event()["type"] == "CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE"
    finally:
        for process in processes:
            process.kill()
            process.wait(STREAM_DEADLINE)
