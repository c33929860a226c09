"""A small OpenID provider for the browser desk's sign-in tests, over HTTPS on 127.0.0.1: its discovery document,
an authorize endpoint that signs in whoever `subject` names at once and sends the browser back with a code, and a
token endpoint that trades the code (its PKCE verifier checked) and refresh tokens for RS256 access tokens signed
with a key whose JWKS the pullrouting server is given."""

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from oidc_keys import Issuer

REALM_PATH = "/realms/desk"


@dataclass
class Grant:
    subject: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str


@dataclass
class Behaviour:
    """What the provider does, changed by a test before the desk signs in."""

    subject: str = "agent-1"
    # Seconds an access token lasts (its `exp`, and `expires_in`).
    lifetime: int = 300
    # Claims of the access token replaced (a wrong `aud`, an `exp` in the past...).
    access_claims: dict[str, object] = field(default_factory=dict)
    # The access token signed by another key under the provider's key id (a forgery).
    forge: bool = False
    # The issuer the discovery document claims, when not the provider's own.
    claimed_issuer: str | None = None
    refuse_refresh: bool = False


class OpenIdProvider:
    def __init__(self, certificate: tuple[Path, Path], client_id: str, audience: str) -> None:
        self.client_id = client_id
        self.behaviour = Behaviour()
        self._grants: dict[str, Grant] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._changed = threading.Condition()
        # What the provider was asked, in order: "authorize", "code", "refresh".
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider._get(self)

            def do_POST(self) -> None:
                provider._post(self)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self._http.server_port}{REALM_PATH}"
        self.keys = Issuer(issuer=self.issuer, audience=audience)
        self._forger = Issuer(issuer=self.issuer, audience=audience)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def wait_for(self, request: str, count: int, timeout: float) -> None:
        """Blocks until the provider has been asked `request` `count` times (AssertionError after `timeout`)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.requests.count(request) >= count, timeout):
                raise AssertionError(f"{count} {request!r} requests expected within {timeout} s: {self.requests}")

    def _asked(self, request: str) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    # ---- endpoints

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        if url.path == f"{REALM_PATH}/.well-known/openid-configuration":
            self._json(handler, 200, self._discovery())
        elif url.path == f"{REALM_PATH}/protocol/openid-connect/certs":
            self._json(handler, 200, json.loads(self.keys.jwks()))
        elif url.path == f"{REALM_PATH}/protocol/openid-connect/auth":
            self._authorize(handler, {key: values[0] for key, values in parse_qs(url.query).items()})
        else:
            self._json(handler, 404, {"error": "not_found"})

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", "0"))
        form = {key: values[0] for key, values in parse_qs(handler.rfile.read(length).decode()).items()}
        if urlsplit(handler.path).path != f"{REALM_PATH}/protocol/openid-connect/token":
            self._json(handler, 404, {"error": "not_found"})
        elif form.get("client_id") != self.client_id:
            self._json(handler, 401, {"error": "invalid_client"})
        elif form.get("grant_type") == "authorization_code":
            self._code(handler, form)
        elif form.get("grant_type") == "refresh_token":
            self._refresh(handler, form)
        else:
            self._json(handler, 400, {"error": "unsupported_grant_type"})

    def _discovery(self) -> dict[str, object]:
        base = self.issuer
        return {
            "issuer": self.behaviour.claimed_issuer or base,
            "authorization_endpoint": f"{base}/protocol/openid-connect/auth",
            "token_endpoint": f"{base}/protocol/openid-connect/token",
            "jwks_uri": f"{base}/protocol/openid-connect/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
        }

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        self._asked("authorize")
        wanted = {"client_id": self.client_id, "response_type": "code", "code_challenge_method": "S256"}
        if any(query.get(key) != value for key, value in wanted.items()) or not query.get("code_challenge"):
            self._json(handler, 400, {"error": "invalid_request", "query": query})
            return
        code = secrets.token_urlsafe(16)
        self._grants[code] = Grant(
            self.behaviour.subject, query["client_id"], query["redirect_uri"], query["code_challenge"], query["nonce"]
        )
        handler.send_response(302)
        handler.send_header("Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}")
        handler.end_headers()

    def _code(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        self._asked("code")
        grant = self._grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant is None or grant.redirect_uri != form.get("redirect_uri") or grant.code_challenge != challenge:
            self._json(handler, 400, {"error": "invalid_grant"})
            return
        self._json(handler, 200, self._tokens(grant))

    def _refresh(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        self._asked("refresh")
        subject = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
        if subject is None or self.behaviour.refuse_refresh:
            self._json(handler, 400, {"error": "invalid_grant", "error_description": "the session has ended"})
            return
        self._json(handler, 200, self._tokens(Grant(subject, self.client_id, "", "", "")))

    def _tokens(self, grant: Grant) -> dict[str, object]:
        behaviour, now = self.behaviour, int(time.time())
        signer = self._forger if behaviour.forge else self.keys
        access = {"iat": now, "exp": now + behaviour.lifetime, "azp": self.client_id, **behaviour.access_claims}
        id_claims = {"aud": self.client_id, "iat": now, "exp": now + behaviour.lifetime}
        if grant.nonce:
            id_claims["nonce"] = grant.nonce
        refresh_token = secrets.token_urlsafe(16)
        self._refresh_tokens[refresh_token] = grant.subject
        return {
            "access_token": signer.token(grant.subject, **access),
            "id_token": self.keys.token(grant.subject, **id_claims),
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": behaviour.lifetime,
        }

    @staticmethod
    def _json(handler: BaseHTTPRequestHandler, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Cache-Control", "no-store")
        # The desk calls from its own origin.
        handler.send_header("Access-Control-Allow-Origin", "*")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
