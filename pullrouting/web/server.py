"""The web endpoint of `pullrouting serve --web-listen`: the desk's static files and the forwarded calls, on
Hypercorn (HTTP/1.1, and HTTP/2 over TLS, where browsers use it: a desk holds a stream open, and browsers allow
only six HTTP/1.1 connections to one origin)."""

import asyncio
import json
import logging
import shutil
import socket
import ssl
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from google.protobuf.descriptor import ServiceDescriptor
from hypercorn.asyncio import serve
from hypercorn.config import Config

from pullrouting.web.gateway import Forwarder, GatewayApplication

log = logging.getLogger("pullrouting")

# The desk's files, by path; nothing else is served from the package.
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/desk.js": ("desk.js", "text/javascript; charset=utf-8"),
    "/desk.css": ("desk.css", "text/css; charset=utf-8"),
}
# What the desk asks before it shows the sign-in: whether it may offer OpenID Connect, and where.
CONFIG_PATH = "/config.json"
# The desk loads only its own files and calls only its own origin, and the OpenID Connect issuer's when it signs
# in there; no page may frame it.
CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self'{issuer}; img-src 'self' data:; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
# How long open streams get to end when the server stops (the gRPC server's drain has ended them already).
SHUTDOWN_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class DeskSignIn:
    """The desk signs agents in at this OpenID Connect issuer as the public client `client_id`."""

    issuer: str
    client_id: str

    @property
    def origin(self) -> str:
        """Where the desk fetches the issuer's discovery document and tokens from."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


def desk_config(sign_in: DeskSignIn | None) -> bytes:
    oidc = None if sign_in is None else {"issuer": sign_in.issuer, "clientId": sign_in.client_id}
    return json.dumps({"oidc": oidc}).encode()


class WebApplication:
    """GET of a desk file or of its configuration; every other request is a call for the gateway."""

    def __init__(self, gateway: GatewayApplication, sign_in: DeskSignIn | None) -> None:
        self._gateway = gateway
        static = resources.files("pullrouting.web") / "static"
        self._files = {path: ((static / name).read_bytes(), kind) for path, (name, kind) in STATIC_FILES.items()}
        self._files[CONFIG_PATH] = (desk_config(sign_in), "application/json")
        policy = CONTENT_SECURITY_POLICY.format(issuer="" if sign_in is None else f" {sign_in.origin}")
        self._security_headers = [(b"content-security-policy", policy.encode()), *SECURITY_HEADERS]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"] in self._files:
            body, kind = self._files[scope["path"]]
            headers = [(b"content-type", kind.encode()), (b"cache-control", b"no-cache"), *self._security_headers]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
            return
        await self._gateway(scope, receive, send)


@dataclass
class WebTls:
    cert: str
    key: str
    # Clients must present a certificate this CA signed (mutual TLS), as on the gRPC port.
    client_ca: str | None


class WebServer:
    """Serves until stopped; `port` is the one bound (port 0 picks a free one)."""

    def __init__(self, listen: str, grpc_socket: Path, secret: str, services: list[ServiceDescriptor],
                 read_max_bytes: int, tls: WebTls | None, sign_in: DeskSignIn | None) -> None:  # fmt: skip
        """`grpc_socket`: the gRPC server's private Unix socket, in a directory of its own (removed at stop);
        `secret`: what the gRPC server believes the browser's address with (api/auth.py WEB_PEER_KEY);
        `sign_in`: where the desk offers to sign in with OpenID Connect, if anywhere."""
        self._grpc_socket = grpc_socket
        host, _, port = listen.rpartition(":")
        host = host.strip("[]")
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, int(port)))
        self._socket.listen(128)
        self.port: int = self._socket.getsockname()[1]
        self.scheme = "https" if tls else "http"
        self._forwarder = Forwarder(f"unix:{grpc_socket}", secret)
        self._application = WebApplication(GatewayApplication(self._forwarder, services, read_max_bytes), sign_in)
        self._config = Config()
        self._config.bind = [f"fd://{self._socket.fileno()}"]
        self._config.graceful_timeout = SHUTDOWN_GRACE_SECONDS
        self._config.accesslog = None
        self._config.errorlog = log
        if tls is not None:
            self._config.certfile, self._config.keyfile = tls.cert, tls.key
            if tls.client_ca is not None:
                self._config.ca_certs = tls.client_ca
                self._config.verify_mode = ssl.CERT_REQUIRED
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # Hypercorn owns the listening socket from here on, and closes it.
        self._socket.detach()
        self._task = asyncio.create_task(
            serve(self._application, self._config, shutdown_trigger=self._stopping.wait, mode="asgi")  # type: ignore[arg-type]
        )

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
        await self._forwarder.close()
        shutil.rmtree(self._grpc_socket.parent, ignore_errors=True)
