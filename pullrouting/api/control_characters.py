"""Control characters in request strings are refused at the API edge, on every method and whatever the
database: PostgreSQL cannot store U+0000 at all, and the other C0 controls have no business in ids, names or
tokens. Free text that people write (message text, descriptions) keeps its tabs and line breaks."""

import re

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from pullrouting.domain.errors import Violations

# Fields of free text, by name, wherever they occur.
FREE_TEXT_FIELDS = frozenset({"text", "description"})
# C0 controls (U+0000-U+001F); free text may hold tab, line feed and carriage return (CRLF line breaks).
CONTROL = re.compile(r"[\x00-\x1f]")
FREE_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DESCRIPTION = "must not contain control characters (U+0000-U+001F; free text may hold tab and line breaks)"


def check_control_characters(request: Message) -> None:
    """InvalidInput naming every string field of `request`, nested ones included, that holds one."""
    violations = Violations()
    _check_message(request, "", violations)
    violations.raise_if_any()


def _check_message(message: Message, prefix: str, violations: Violations) -> None:
    for field, value in message.ListFields():
        path = prefix + field.name
        if field.type == FieldDescriptor.TYPE_STRING:
            pattern = FREE_TEXT_CONTROL if field.name in FREE_TEXT_FIELDS else CONTROL
            if not field.is_repeated:
                violations.check(not pattern.search(value), path, DESCRIPTION)
            else:
                for index, item in enumerate(value):
                    violations.check(not pattern.search(item), f"{path}[{index}]", DESCRIPTION)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if not field.is_repeated:
                _check_message(value, path + ".", violations)
            else:
                for index, item in enumerate(value):
                    _check_message(item, f"{path}[{index}].", violations)

