"""Every relative link of README.md, CHANGELOG.md and docs/*.md leads somewhere: to a file of the repository
and, with a #fragment into a Markdown file, to one of its headings (as GitHub makes anchors of them)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]
FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text: str) -> str:
    """The text without code: links inside code are not links."""
    return INLINE_CODE.sub("", FENCED_BLOCK.sub("", text))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {anchor(heading) for heading in re.findall(r"^#{1,6} (.+)$", FENCED_BLOCK.sub("", text), re.MULTILINE)}


def broken_links(document: Path) -> list[str]:
    """The relative links of `document` that lead nowhere."""
    broken = []
    for target in LINK.findall(prose(document.read_text())):
        if EXTERNAL.match(target):
            continue
        path, _, fragment = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        missing_anchor = linked.suffix == ".md" and linked.exists() and fragment not in anchors(linked.read_text())
        if not linked.exists() or (fragment and missing_anchor):
            broken.append(target)
    return broken


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path in DOCUMENTS])
def test_every_relative_link_resolves(document):
    assert broken_links(document) == []


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A `coded` heading, with punctuation\n")
    document = tmp_path / "doc.md"
    document.write_text(
        "# Doc\n\n[fine](other.md#a-coded-heading-with-punctuation) [here](#doc) [web](https://example.com/x)\n"
        "[no file](missing.md) [no heading](other.md#nowhere) [not here](#nowhere)\n"
        "`[in code](missing-too.md)`\n```\n[in a block](missing-as-well.md)\n```\n"
    )
    assert broken_links(document) == ["missing.md", "other.md#nowhere", "#nowhere"]


def test_the_readme_maps_every_document():
    linked = set(LINK.findall(prose((ROOT / "README.md").read_text())))
    unmapped = [path.name for path in DOCS.glob("*.md") if f"docs/{path.name}" not in linked]
    assert unmapped == []
