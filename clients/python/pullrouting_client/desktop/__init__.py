"""The terminal agent desktop (`pullrouting-desktop`), built with Textual over the SDK."""
