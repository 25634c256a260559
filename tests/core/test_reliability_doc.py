"""docs/reliability.md cannot drift from the suite: every test it cites exists, and every
promise has either a test or an honest "not yet" status."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
SECTIONS = [
    "Inbound email and marketplace messages",
    "Webhooks and platform APIs",
    "Web and API",
    "Data and jobs",
]
# `tests/<path>.py::<name>`, `…::<Class>::<method>`; a parametrized id (`[…]`) is ignored.
CITATION = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)+)(?:\[[^\]`]*\])?`")
PROVEN = "Proven by:"
NOT_YET = "Status: not yet:"


@cache
def _definitions(path: Path) -> frozenset[tuple[str, ...]]:
    """Every function and method of a test file, as ("name",) or ("Class", "name")."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, ...]] = set()

    def walk(nodes: list[ast.stmt], prefix: tuple[str, ...]) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.add((*prefix, node.name))
            elif isinstance(node, ast.ClassDef):
                walk(node.body, (*prefix, node.name))

    walk(tree.body, ())
    return frozenset(found)


def missing_citations(text: str, root: Path = ROOT) -> list[str]:
    """The citations in `text` whose file or test does not exist under `root`."""
    missing = []
    for match in CITATION.finditer(text):
        file, names = match.group(1), tuple(match.group(2).split("::")[1:])
        path = root / file
        if not path.is_file() or names not in _definitions(path):
            missing.append(f"{file}::{'::'.join(names)}")
    return missing


def promises(text: str) -> dict[str, list[str]]:
    """Each section's promises: a top-level list item with its continuation lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is None:
            continue
        elif line.startswith("- "):
            current.append(line[2:])
        elif line.startswith("  ") and current and line.strip():
            current[-1] += "\n" + line.strip()
    return sections


def unproven(item: str) -> bool:
    """A promise that cites no test and is not marked "not yet" (or is marked both)."""
    proven = PROVEN in item and CITATION.search(item.split(PROVEN, 1)[1]) is not None
    return proven == (NOT_YET in item)


def test_every_cited_test_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert CITATION.search(text), "the page cites no test"
    assert missing_citations(text) == []


def test_the_sections_are_there_with_promises_each_proven_or_not_yet() -> None:
    sections = promises(DOC.read_text(encoding="utf-8"))
    assert list(sections) == SECTIONS
    for name, items in sections.items():
        assert items, f"section {name!r} lists no promise"
        for item in items:
            assert not unproven(item), f"{name}: needs a test or a 'not yet' status:\n{item}"


def test_a_citation_of_a_missing_file_or_test_is_caught(tmp_path: Path) -> None:
    test_file = tmp_path / "tests" / "x" / "test_a.py"
    test_file.parent.mkdir(parents=True)
    test_file.write_text(
        "def test_here():\n    pass\n\n"
        "class TestGroup:\n    def test_method(self):\n        pass\n",
        encoding="utf-8",
    )
    text = (
        "`tests/x/test_a.py::test_here` `tests/x/test_a.py::test_here[one-2]` "
        "`tests/x/test_a.py::TestGroup::test_method` "
        "`tests/x/test_a.py::test_gone` `tests/x/test_b.py::test_here` "
        "`tests/x/test_a.py::test_method`"
    )
    assert missing_citations(text, root=tmp_path) == [
        "tests/x/test_a.py::test_gone",
        "tests/x/test_b.py::test_here",
        "tests/x/test_a.py::test_method",
    ]


@pytest.mark.parametrize(
    ("item", "bad"),
    [
        ("Kept.\nProven by: `tests/x.py::test_a`", False),
        ("Waits.\nStatus: not yet: issue 99 (not built)", False),
        ("A promise with neither.", True),
        ("Proven by: nothing cited", True),
        ("Both.\nProven by: `tests/x.py::test_a`\nStatus: not yet: issue 99", True),
    ],
)
def test_a_promise_without_a_test_or_a_status_is_caught(item: str, bad: bool) -> None:
    assert unproven(item) is bad


def test_promises_are_read_per_section() -> None:
    text = "intro\n- not a promise\n## One\n- First\n  Proven by: x\n\n- Second\n## Two\n"
    assert promises(text) == {"One": ["First\nProven by: x", "Second"], "Two": []}
