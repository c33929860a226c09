"""Resume tokens: an opaque string carrying a position in the events table. A client passes back the token
of the last event it received and gets every later event it is entitled to, exactly once."""

import base64
import binascii

from pullrouting.domain.errors import InvalidInput
from pullrouting.store.streams import RESTART

_PREFIX = "pr1:"


def encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def decode(token: str) -> int | None:
    """The position a token carries; None for no token. INVALID_ARGUMENT for a token we did not issue."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if text.startswith(_PREFIX):
            position = int(text[len(_PREFIX) :])
            if position >= RESTART:
                return position
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput.of("resume_token", "is not a resume token this service issued")
