"""An OpenID Connect issuer's signing key, as the tests make one: RS256 tokens, the public half as a JWKS."""

import hashlib
import hmac
import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.utils import base64url_encode

ISSUER = "https://sso.example.com/realms/contact-centre"
AUDIENCE = "pullrouting"


class Issuer:
    """Signs tokens for `issuer` with its own RSA key and publishes the public half as a JWKS."""

    def __init__(self, kid: str = "key-1", issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.kid = kid
        self.issuer = issuer
        self.audience = audience
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> str:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return json.dumps({"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def token(self, subject: str = "agent-1", **claims: object) -> str:
        payload = {"iss": self.issuer, "aud": self.audience, "sub": subject, "exp": int(time.time()) + 300, **claims}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def hs256_with_public_key(self) -> str:
        """The classic algorithm confusion: HS256 with the issuer's public key as the secret (made by hand:
        PyJWT refuses to)."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        payload = {"iss": self.issuer, "aud": self.audience, "sub": "agent-1", "exp": int(time.time()) + 300}
        signing_input = b".".join(base64url_encode(json.dumps(part).encode()) for part in (header, payload))
        secret = self.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        signature = base64url_encode(hmac.new(secret, signing_input, hashlib.sha256).digest())
        return (signing_input + b"." + signature).decode()
