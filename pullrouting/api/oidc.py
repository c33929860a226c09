"""Agent and supervisor JWTs from an OpenID Connect issuer (Keycloak, say): the signature is checked against the
issuer's JWKS, and the issuer, audience and expiry against the settings; a claim names the agent, another (when
configured) the supervisor."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import jwt

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.names import is_valid_id
from pullrouting.domain.principal import Principal, Role

# Public-key algorithms only: a shared-secret (HS*) token could be forged by anyone holding the public key.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audience: str
    # A JWKS file, or an http(s) URL serving one (the issuer's `jwks_uri`).
    jwks: str
    agent_claim: str = "sub"
    # The claim naming the supervisor a JWT presented to SupervisorService stands for; None: JWTs are not
    # taken there (they then name an agent, whose role SupervisorService refuses).
    supervisor_claim: str | None = None


def looks_like_jwt(token: str) -> bool:
    """Issued tokens are URL-safe base64 without dots; a JWT is three dot-separated parts."""
    return token.count(".") == 2


class _JwksFile:
    """Keys read from a file, read again when the file changes (the issuer rotated its keys)."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)
        self._loaded: tuple[float, jwt.PyJWKSet] | None = None

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        """The key the token's header names, as PyJWKClient's method of the same name."""
        modified = self._path.stat().st_mtime
        if self._loaded is None or self._loaded[0] != modified:
            self._loaded = (modified, jwt.PyJWKSet.from_json(self._path.read_text()))
        keys = self._loaded[1].keys
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keys:
            if kid is None or key.key_id == kid:
                return key
        raise jwt.PyJWKError(f"no key {kid!r} in the JWKS")


class OidcVerifier:
    def __init__(self, settings: OidcSettings) -> None:
        self._settings = settings
        remote = settings.jwks.startswith(("https://", "http://"))
        # PyJWKClient caches the key set and fetches it again for an unknown key id.
        self._keys: jwt.PyJWKClient | _JwksFile = (
            jwt.PyJWKClient(settings.jwks) if remote else _JwksFile(settings.jwks)
        )

    async def principal(self, token: str, required: Role) -> tuple[Principal, float]:
        """Who the token names and its expiry (Unix time); TOKEN_INVALID when it does not verify. A token
        presented for the supervisor role names a supervisor when a supervisor claim is configured, an agent
        otherwise."""
        if required is Role.SUPERVISOR and self._settings.supervisor_claim is not None:
            role, claim = Role.SUPERVISOR, self._settings.supervisor_claim
        else:
            role, claim = Role.AGENT, self._settings.agent_claim
        try:
            # Fetching keys blocks (file or HTTP): off the event loop.
            key = await asyncio.to_thread(self._keys.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, OSError, ValueError) as error:
            raise DomainError(Reason.TOKEN_INVALID, f"the bearer JWT is not valid: {error}") from None
        principal_id = claims.get(claim)
        if not isinstance(principal_id, str) or not is_valid_id(principal_id):
            raise DomainError(Reason.TOKEN_INVALID, f"the JWT's {claim!r} claim does not hold a {role.value} id")
        return Principal(role, principal_id), float(claims["exp"])
