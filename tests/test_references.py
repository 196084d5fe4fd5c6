"""Every reference in src/ and docs/ can be followed with the repository alone.

Docstrings, comments and decision records cite the public LeanKit API documentation ("LeanKit API: …") or a
file of this repository.  A section sign must name its file: `docs/conventions.md §4` passes, a bare `(§5.6)`
or a `§` after a file that is not in the repository fails, as do the names of documents kept elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Documents that were never part of the repository, and the conventions list they came with.
OUTSIDE = re.compile(
    r"cards\.md|boards-users-auth|reporting-scim-legacy|\.\./shared|house rules?\b|\bAppendix [A-Z]\b", re.I
)

# The file a section sign belongs to: a Markdown path, then one space, right before the `§`.
CITED_FILE = re.compile(r"([\w./-]+\.md) $")


def _sources() -> list[Path]:
    return sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "docs").rglob("*.md")])


def _exists(cited: str, where: Path) -> bool:
    return (ROOT / cited).is_file() or (where.parent / cited).is_file()


def problems(path: Path, text: str) -> list[str]:
    """The references in `text` (the contents of `path`) a reader of the repository could not follow."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}"
        for match in OUTSIDE.finditer(line):
            found.append(f"{where}: cites {match.group(0)!r}, which is not in the repository")
        for position in (m.start() for m in re.finditer("§", line)):
            cited = CITED_FILE.search(line[:position])
            if cited is None:
                found.append(f"{where}: a § that names no file")
            elif not _exists(cited.group(1), path):
                found.append(f"{where}: § of {cited.group(1)}, which is not in the repository")
    return found


def test_every_reference_can_be_followed_inside_the_repository() -> None:
    found = [problem for path in _sources() for problem in problems(path, path.read_text(encoding="utf-8"))]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("text", "complaints"),
    [
        ("See docs/conventions.md §4 for paging.", 0),
        ("Roles rise (LeanKit API: board roles).", 0),
        ("The full card (§2.1).", 1),
        ("Create a card (cards.md §3.1).", 2),
        ("Tenancy (house rule 7).", 1),
        ("See ../shared/conventions.md.", 1),
        ("Field for field as Appendix A.", 1),
        ("Per boards-users-auth.md §5.6.", 2),
        ("See docs/nowhere.md §2.", 1),
        ("docs/conventions.md §5 and §7", 1),
    ],
)
def test_the_rule_itself(text: str, complaints: int) -> None:
    assert len(problems(ROOT / "src" / "example.py", text)) == complaints
