"""The repository explains itself: nothing in it points at working papers outside it, and every
citation of a section of the project's docs (`docs/<page>.md, "<heading>"`) names a heading
that exists, so the comments that say which rule a piece of code implements stay true."""

from __future__ import annotations

import bisect
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# Working papers that live beside the repository, not in it (built so that this file does not
# name them itself). `.ci/` belongs to the machinery that runs the checks and may.
OUTSIDE = re.compile(rb"\.\./shared|\b(?:METRICS|RELIABILITY|DESIGN|STYLE)\.md\b")
EXEMPT_DIRS = (".ci/",)

# `docs/<page>.md, "<heading>"`, also `docs/<page>.md` ("<heading>", "<heading>") and
# `docs/<page>.md`, "<heading>" and "<heading>"; one quoted heading or several.
CITATION = re.compile(
    r"docs/(?P<page>[\w-]+)\.md`?"
    r"(?P<headings>(?:(?:,\s*|\s*\(\s*|\s+and\s+|\s+)(?:\"[^\"\n]{1,120}\"|'[^'\n]{1,120}'))+)"
)
QUOTED = re.compile(r"\"([^\"\n]+)\"|'([^'\n]+)'")
# A doc page named anywhere: `docs/<page>.md`.
PAGE = re.compile(r"\bdocs/([\w-]+)\.md\b")
# A file of the tree named in a doc page.
FILE = re.compile(r"\b(?:tests|bench|afterdesk)/[\w/]+\.py\b")
# A link between doc pages with an anchor: `(history.md#positions)`.
ANCHOR = re.compile(r"\]\((?P<page>[\w-]+)\.md#(?P<anchor>[\w-]+)\)")
# A line break inside a comment or docstring, with what continues the comment.
CONTINUATION = re.compile(r"[ \t]*\n[ \t]*(?:#[ \t]*|//[ \t]*|\*[ \t]*|\{#[ \t]*)?")
FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".ini", ".js", ".css", ".json"}
# Compiled and generated translations repeat the templates' strings, wrapped.
SKIP_CITATIONS = (".po", ".mo")


def _tracked() -> list[str]:
    """The repository's files: what git tracks, else every file outside hidden directories."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = b""
    names = [name for name in out.decode().split("\0") if name]
    if names:
        return [name for name in names if (ROOT / name).is_file()]
    return [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in path.parts[-20:-1])
    ]


def _normalise(heading: str) -> str:
    return " ".join(heading.replace("`", "").split())


@cache
def headings(page: str) -> frozenset[str] | None:
    """The headings of docs/<page>.md (fenced code skipped), or None when there is no page."""
    path = DOCS / f"{page}.md"
    if not path.is_file():
        return None
    found: set[str] = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and (match := HEADING.match(line)):
            found.add(_normalise(match.group(1)))
    return frozenset(found)


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def citations(text: str) -> list[tuple[str, str, int]]:
    """(page, heading, line) of every `docs/<page>.md, "<heading>"` in a text; a citation may
    run over a line break of a comment or docstring."""
    # Join every line to the next, dropping what continues a comment; remember where each
    # original line starts in the joined text, for the line numbers.
    parts: list[str] = []
    line_starts = [0]
    last = length = 0
    for match in CONTINUATION.finditer(text):
        piece = text[last : match.start()]
        parts += [piece, " "]
        length += len(piece) + 1
        line_starts.append(length)
        last = match.end()
    parts.append(text[last:])
    joined = "".join(parts)
    found = []
    for match in CITATION.finditer(joined):
        line = bisect.bisect_right(line_starts, match.start())
        for quoted in QUOTED.finditer(match.group("headings")):
            heading = quoted.group(1) or quoted.group(2)
            if not heading.startswith("<"):  # `"<heading>"` is a placeholder in prose
                found.append((match.group("page"), _normalise(heading), line))
    return found


def _texts() -> list[tuple[str, str]]:
    result = []
    for name in _tracked():
        if name.startswith(EXEMPT_DIRS) or Path(name).suffix not in TEXT_SUFFIXES:
            continue
        if name.endswith(SKIP_CITATIONS) or name == "tests/core/test_docs.py":
            continue
        try:
            result.append((name, (ROOT / name).read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return result


def test_nothing_points_outside_the_repository() -> None:
    offenders = []
    for name in _tracked():
        if name.startswith(EXEMPT_DIRS):
            continue
        data = (ROOT / name).read_bytes()
        for match in OUTSIDE.finditer(data):
            line = data.count(b"\n", 0, match.start()) + 1
            offenders.append(f"{name}:{line}: {match.group(0).decode()}")
    assert not offenders, (
        "cite the project's own docs (docs/metrics.md, docs/history.md, docs/reliability.md, "
        "docs/architecture.md) instead of papers outside the repository:\n" + "\n".join(offenders)
    )


def test_every_cited_doc_section_exists() -> None:
    broken = []
    count = 0
    for name, text in _texts():
        for page, heading, line in citations(text):
            count += 1
            known = headings(page)
            if known is None:
                broken.append(f'{name}:{line}: docs/{page}.md does not exist ("{heading}")')
            elif heading not in known:
                broken.append(f'{name}:{line}: docs/{page}.md has no heading "{heading}"')
    assert count > 50, f"only {count} citations found: is the pattern still right?"
    assert not broken, "citations of missing doc sections:\n" + "\n".join(broken)


def test_every_named_doc_page_exists() -> None:
    missing = [
        f"{name}: docs/{page}.md"
        for name, text in _texts()
        for page in PAGE.findall(text)
        if not (DOCS / f"{page}.md").is_file()
    ]
    assert not missing, "doc pages named but not in docs/:\n" + "\n".join(missing)


def test_every_file_the_docs_name_exists() -> None:
    """A test, module or benchmark a doc page names (`tests/…/test_x.py`) is in the tree."""
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
        for name in FILE.findall(path.read_text(encoding="utf-8"))
        if not (ROOT / name).is_file()
    ]
    assert not missing, "files named in the docs but not in the tree:\n" + "\n".join(missing)


def test_links_between_doc_pages_reach_a_heading() -> None:
    broken = []
    for path in sorted(DOCS.glob("*.md")):
        for match in ANCHOR.finditer(path.read_text(encoding="utf-8")):
            known = headings(match.group("page"))
            anchors = {anchor(heading) for heading in known or ()}
            if match.group("anchor") not in anchors:
                broken.append(f"docs/{path.name}: {match.group(0)}")
    assert not broken, "links to a heading that does not exist:\n" + "\n".join(broken)


def test_readme_documentation_points_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"`([^`\s]+\.md)`", section)
    assert paths, "the README lists its documentation"
    outside = [path for path in paths if path.startswith(("/", "..")) or "://" in path]
    missing = [path for path in paths if not (ROOT / path).is_file()]
    assert not outside, outside
    assert not missing, missing


# ------------------------------------------------------------- the checks' own parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('x (docs/metrics.md, "Business time").', [("metrics", "Business time", 1)]),
        (
            '# a rule (docs/metrics.md, "Positions and\n# templates"): more',
            [("metrics", "Positions and templates", 1)],
        ),
        (
            '    """Text (docs/metrics.md,\n    "Per-ticket facts")."""',
            [("metrics", "Per-ticket facts", 1)],
        ),
        (
            'a\nb `docs/history.md`, "Commands" gives',
            [("history", "Commands", 2)],
        ),
        (
            'docs/metrics.md ("KPI catalogue", "Commands")',
            [("metrics", "KPI catalogue", 1), ("metrics", "Commands", 1)],
        ),
        ("docs/metrics.md, 'Rounding'", [("metrics", "Rounding", 1)]),
        ('cite it as docs/metrics.md, "<heading>"', []),
        ('see docs/alerts.md." %}', []),
        ('(docs/api.md).", "next string"', []),
    ],
)
def test_citations_are_parsed(text: str, expected: list[tuple[str, str, int]]) -> None:
    assert citations(text) == expected


def test_outside_pattern_matches_the_working_papers() -> None:
    for name in ("METRICS", "RELIABILITY", "DESIGN", "STYLE"):
        assert OUTSIDE.search(f"see {name}.md §4".encode())
    assert OUTSIDE.search(b"[contract](../" + b"shared/x)")  # built: this file is checked too
    assert not OUTSIDE.search(b"docs/metrics.md and docs/reliability.md")


def test_headings_skip_fenced_code_and_anchor_like_github() -> None:
    assert "Reply time (business)" in (headings("metrics") or ())
    assert anchor("Reply time (business)") == "reply-time-business"
    assert anchor("Positions") == "positions"
