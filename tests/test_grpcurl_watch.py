"""The "Watching a List with grpcurl" lines of docs/grpcurl.md, run as printed: a grpcurl WatchLists stream shows the
request that a grpcurl PostCustomerMessage lands on the List."""

import json
import queue
import subprocess
import threading
from typing import Any

from docs_shell import printed_lines, run_lines

STREAM_DEADLINE = 30.0


class JsonStream:
    """grpcurl's output of a server stream: one JSON object per message, read as it arrives."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._messages: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        buffered, decoder = "", json.JSONDecoder()
        for line in process.stdout:
            buffered += line
            try:
                message, end = decoder.raw_decode(buffered.strip())
            except ValueError:
                continue
            self._messages.put(message)
            buffered = buffered.strip()[end:]

    def next_event(self) -> dict[str, Any]:
        return self._messages.get(timeout=STREAM_DEADLINE)["event"]


def test_a_grpcurl_watch_shows_the_comment_another_terminal_posts(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    (watch_line,) = printed_lines("grpcurl-watch", address)
    watcher = subprocess.Popen(
        ["bash", "-c", watch_line], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        stream = JsonStream(watcher)
        assert stream.next_event()["type"] == "LIST_EVENT_TYPE_SYNCED"
        run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)
        added = stream.next_event()
        assert added["type"] == "LIST_EVENT_TYPE_ADDED"
        assert added["conversation"]["state"] == "CONVERSATION_STATE_UNREAD"
        assert added["conversation"]["customer"]["id"] == "fb-user-42"
        assert added["resume_token"] or added["resumeToken"]
        # The same comment again: idempotent, so the next event the stream shows is a later one.
        run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)
        run_lines(
            [
                line.replace("fb-comment-1001", "fb-comment-1002").replace("fb-user-42", "fb-user-43")
                for line in printed_lines("grpcurl-watch-post", address)
            ],
            env,
            tmp_path,
        )
        assert stream.next_event()["conversation"]["customer"]["id"] == "fb-user-43"
    finally:
        watcher.kill()
        watcher.wait(STREAM_DEADLINE)
