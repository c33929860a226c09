"""The web endpoint's calls, forwarded to the gRPC server of the same process. The `connectrpc` library speaks
the browser's protocols (Connect, gRPC-Web, and gRPC) and hands each call to an endpoint here, which makes the
same call on the gRPC server over a private Unix socket: authentication, rate limits, stream limits, logs and
metrics are the gRPC server's, exactly as for a gRPC client. The browser's address travels in WEB_PEER_KEY, with a
secret of this process that makes the gRPC server believe it (api/auth.py)."""

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import grpc
from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType
from connectrpc.request import RequestContext
from connectrpc.server import ConnectASGIApplication, Endpoint
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2
from protobuf.wkt import Any as AnyDetail

from pullrouting.api.auth import WEB_PEER_KEY

# Request headers a call carries on to the gRPC server; every other header stays at the web endpoint.
FORWARDED_HEADERS = ("authorization",)
_STATUS_DETAILS_KEY = "grpc-status-details-bin"


class ProtoCodec:
    """Binary protobuf, with the generated `google.protobuf` classes the gRPC stubs use."""

    def name(self) -> str:
        return "proto"

    def encode(self, message: Message) -> bytes:
        return message.SerializeToString()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message:
        try:
            return message_class.FromString(bytes(data))
        except DecodeError as error:
            raise ConnectError(Code.INVALID_ARGUMENT, "the request is not a valid protobuf message") from error


class JsonCodec:
    """The canonical protobuf JSON mapping (Connect's `application/json`), for curl and for debugging."""

    def name(self) -> str:
        return "json"

    def encode(self, message: Message) -> bytes:
        return json_format.MessageToJson(message, indent=None).encode()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message:
        try:
            return json_format.Parse(bytes(data), message_class(), ignore_unknown_fields=True)
        except json_format.ParseError as error:
            message = f"the request is not valid JSON for its message: {error}"
            raise ConnectError(Code.INVALID_ARGUMENT, message) from error


def connect_error(error: grpc.aio.AioRpcError) -> ConnectError:
    """The gRPC status as the same Connect error: code, message, and the details (ErrorInfo, BadRequest)."""
    details = []
    for key, value in error.trailing_metadata() or ():
        if key == _STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            details = [ErrorDetail(AnyDetail(type_url=any_.type_url, value=any_.value)) for any_ in status.details]
    return ConnectError(Code[error.code().name], error.details() or "", details)


class Forwarder:
    """Makes each call of the web endpoint on the gRPC server at `target`."""

    def __init__(self, target: str, secret: str) -> None:
        self._channel = grpc.aio.insecure_channel(target)
        self._secret = secret

    async def close(self) -> None:
        await self._channel.close()

    def _call_options(self, context: RequestContext) -> dict[str, Any]:
        headers = context.request_headers
        metadata = [(key, headers[key]) for key in FORWARDED_HEADERS if key in headers]
        if context.client_address:
            # The host without the port: failed logins are counted per address.
            metadata.append((WEB_PEER_KEY, f"{self._secret} {context.client_address.rpartition(':')[0]}"))
        timeout_ms = context.timeout_ms
        return {"metadata": metadata, "timeout": None if timeout_ms is None else max(timeout_ms, 0) / 1000}

    def endpoints(self, services: list[ServiceDescriptor]) -> dict[str, Endpoint]:
        """One endpoint per method of the services, keyed by its path (`/pullrouting.v1.AgentService/Subscribe`)."""
        return {
            f"/{service.full_name}/{method.name}": self._endpoint(service, method)
            for service in services
            for method in service.methods
        }

    def _endpoint(self, service: ServiceDescriptor, method: MethodDescriptor) -> Endpoint:
        path = f"/{service.full_name}/{method.name}"
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        stream_type = {
            (False, False): StreamType.UNARY,
            (False, True): StreamType.SERVER_STREAM,
            (True, False): StreamType.CLIENT_STREAM,
            (True, True): StreamType.BIDI_STREAM,
        }[(method.client_streaming, method.server_streaming)]
        info = MethodInfo(
            name=method.name,
            service_name=service.full_name,
            input=request_class,
            output=response_class,
            idempotency_level=IdempotencyLevel.UNKNOWN,
            stream_type=stream_type,
        )
        serializers: dict[str, Any] = {
            "request_serializer": request_class.SerializeToString,
            "response_deserializer": response_class.FromString,
        }
        channel = self._channel
        match stream_type:
            case StreamType.UNARY:
                unary_unary = channel.unary_unary(path, **serializers)

                async def unary(request: Message, context: RequestContext) -> Message:
                    try:
                        return await unary_unary(request, **self._call_options(context))
                    except grpc.aio.AioRpcError as error:
                        raise connect_error(error) from None

                return Endpoint.unary(info, unary)
            case StreamType.SERVER_STREAM:
                unary_stream = channel.unary_stream(path, **serializers)

                def server_stream(request: Message, context: RequestContext) -> AsyncIterator[Message]:
                    return _responses(unary_stream(request, **self._call_options(context)))

                return Endpoint.server_stream(info, server_stream)
            case StreamType.CLIENT_STREAM:
                stream_unary = channel.stream_unary(path, **serializers)

                async def client_stream(requests: AsyncIterator[Message], context: RequestContext) -> Message:
                    try:
                        return await stream_unary(requests, **self._call_options(context))
                    except grpc.aio.AioRpcError as error:
                        raise connect_error(error) from None

                return Endpoint.client_stream(info, client_stream)
            case StreamType.BIDI_STREAM:
                stream_stream = channel.stream_stream(path, **serializers)

                def bidi_stream(requests: AsyncIterator[Message], context: RequestContext) -> AsyncIterator[Message]:
                    return _responses(stream_stream(requests, **self._call_options(context)))

                return Endpoint.bidi_stream(info, bidi_stream)


async def _responses(call: Any) -> AsyncIterator[Message]:
    """A stream's responses; leaving early (the browser went away) cancels the gRPC call."""
    try:
        async for response in call:
            yield response
    except grpc.aio.AioRpcError as error:
        raise connect_error(error) from None
    finally:
        call.cancel()


class GatewayApplication(ConnectASGIApplication[Forwarder]):
    """The ASGI application of the forwarded calls, every method of `services`."""

    def __init__(self, forwarder: Forwarder, services: list[ServiceDescriptor], read_max_bytes: int) -> None:
        endpoints: Callable[[Forwarder], Mapping[str, Endpoint]] = lambda f: f.endpoints(services)  # noqa: E731
        super().__init__(
            service=forwarder,
            endpoints=endpoints,
            read_max_bytes=read_max_bytes,
            codecs=[ProtoCodec(), JsonCodec()],
        )

    @property
    def path(self) -> str:
        return "/"
