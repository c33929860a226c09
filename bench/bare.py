"""The floor: a grpc.aio server with no logic, in its own process like the server under test. An empty unary
method; a fan-out stream fed from memory (Publish puts the bytes in every Watch stream's queue); a replay
stream that sends the same bytes N times. Messages are raw bytes, so no protobuf work is counted here.

Run: python -m bench.bare [--listen HOST:PORT]; prints `serving on HOST:PORT`."""

import argparse
import asyncio
from collections.abc import AsyncIterator

import grpc

SERVICE = "bench.Bare"
UNARY = f"/{SERVICE}/Unary"
PUBLISH = f"/{SERVICE}/Publish"
WATCH = f"/{SERVICE}/Watch"
REPLAY = f"/{SERVICE}/Replay"
# Sent first on every Watch stream, so the client knows the stream is attached before it publishes.
ATTACHED = b""


class Bare:
    def __init__(self) -> None:
        self._watchers: set[asyncio.Queue[bytes]] = set()

    async def unary(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return b""

    async def publish(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        for queue in self._watchers:
            queue.put_nowait(request)
        return b""

    async def watch(self, request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._watchers.add(queue)
        try:
            yield ATTACHED
            while True:
                yield await queue.get()
        finally:
            self._watchers.discard(queue)

    async def replay(self, request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        """`request` is the count as ASCII digits, a space, then the payload to repeat."""
        count, _, payload = request.partition(b" ")
        for _ in range(int(count)):
            yield payload

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "Unary": grpc.unary_unary_rpc_method_handler(self.unary),
                "Publish": grpc.unary_unary_rpc_method_handler(self.publish),
                "Watch": grpc.unary_stream_rpc_method_handler(self.watch),
                "Replay": grpc.unary_stream_rpc_method_handler(self.replay),
            },
        )


async def serve(listen: str) -> None:
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers([Bare().handler()])
    port = server.add_insecure_port(listen)
    await server.start()
    print(f"serving on {listen.rpartition(':')[0]}:{port}", flush=True)
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:0")
    asyncio.run(serve(parser.parse_args().listen))


if __name__ == "__main__":
    main()
