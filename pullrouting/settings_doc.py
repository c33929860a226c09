"""The documentation's settings table, generated from the declarations in `pullrouting.settings`.

`python -m pullrouting.settings_doc` prints it; `python -m pullrouting.settings_doc FILE` rewrites the table
between the markers in FILE. A test keeps the documented table equal to this one."""

import sys
from pathlib import Path

from pullrouting.settings import SETTINGS, SETTINGS_BY_NAME, Setting

BEGIN = "<!-- settings table: generated from pullrouting/settings.py by `python -m pullrouting.settings_doc FILE` -->"
END = "<!-- end of settings table -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default(declared: Setting) -> str:
    note = declared.declaration.default_note
    if declared.default is None:
        return f"unset ({note})" if note else "unset"
    value = declared.default
    shown = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return f"`{shown}` ({note})" if note else f"`{shown}`"


def _allowed(declared: Setting) -> str:
    if declared.kind is str and not declared.declaration.choices:
        return "text"
    return declared.requirement()


def _meaning(declared: Setting) -> str:
    needs = declared.declaration.needs
    if not needs:
        return declared.declaration.meaning
    needed = " and ".join(f"`{SETTINGS_BY_NAME[name].flag}`" for name in needs)
    return f"{declared.declaration.meaning}; needs {needed}"


def table() -> str:
    rows = [
        "| flag | environment variable | default | allowed | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for declared in SETTINGS:
        cells = (
            f"`{declared.flag} {declared.metavar}`",
            f"`{declared.variable}`",
            _default(declared),
            _allowed(declared),
            _meaning(declared),
        )
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows)


def with_table(text: str) -> str:
    """`text` with the table between its markers replaced by the current one."""
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END, start)
    return text[:start] + "\n" + table() + "\n" + text[end:]


def main(arguments: list[str]) -> None:
    if not arguments:
        print(table())
        return
    for name in arguments:
        path = Path(name)
        path.write_text(with_table(path.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
