"""docs/live-regions.md's how-to is the repository's own code, word for word, and names
every step the suite checks: a template author who follows it alone gets a green suite
(issue 14). tests/test_regions.py runs the example itself end to end."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "live-regions.md").read_text()
HOWTO = DOC[DOC.index("## How to add a live region") : DOC.index("### Variations")]


def blocks(language: str) -> list[str]:
    return [block.strip("\n") for block in re.findall(rf"```{language}\n(.*?)```", HOWTO, re.S)]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_partial_is_the_repositorys_file() -> None:
    partial = blocks("django")[0]
    assert partial == (ROOT / "templates/tasks/partials/due_soon.html").read_text().strip("\n")


def test_the_declaration_is_the_repositorys_code() -> None:
    [declaration] = blocks("python")
    assert squeeze(declaration) in squeeze((ROOT / "tasks/regions.py").read_text())


def test_the_place_in_the_page_is_the_repositorys() -> None:
    place = blocks("django")[1]
    board = (ROOT / "templates/tasks/board.html").read_text()
    assert place in board
    assert re.search(r"\{% load [^%]*\blive_tags\b", board)


def test_every_step_the_suite_checks_is_named() -> None:
    """The two steps a newcomer used to miss: the catalogue row and the Uzbek translation."""
    assert "**4. The catalogue.**" in HOWTO and "tests/test_regions.py" in HOWTO
    assert "**5. The translations.**" in HOWTO and "locale/uz/LC_MESSAGES/django.po" in HOWTO
    assert "compilemessages" in HOWTO and "tests/test_i18n.py" in HOWTO
    named = re.search(r"like `(test_\w+)`", HOWTO)
    assert named is not None
    assert f"def {named.group(1)}(" in (ROOT / "tests/test_regions.py").read_text()


def test_the_example_region_is_in_the_catalogue() -> None:
    catalogue = DOC[: DOC.index("## How to add a live region")]
    assert "`board-{board}-due-soon`" in catalogue
