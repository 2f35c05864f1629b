"""The documentation a newcomer reads first: the README opens with the two commands that work on
a fresh machine, and no link between README.md and docs/*.md leads nowhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target), with an optional "title"; nested brackets are not used.
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, inline code removed: a `# comment` in a shell block
    is no heading, and `[x](y)` quoted as code is no link."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r"`[^`]*`", "", line))
    return lines


def slug(heading: str) -> str:
    """The anchor GitHub (and most renderers) give a heading."""
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            name = slug(match.group(2))
            count = seen.get(name, 0)
            seen[name] = count + 1
            found.add(name if count == 0 else f"{name}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    """Every relative link of `page` whose file, or whose anchor in a Markdown file, is missing."""
    problems = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if SCHEME.match(target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                problems.append(f"{page.name}: {target}: no file {path}")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
                problems.append(f"{page.name}: {target}: no heading #{anchor} in {file.name}")
    return problems


def test_the_readme_opens_with_the_two_command_quick_start() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Gemeinsam-Wirken-Bot"
    quick_start = lines.index("## Quick start")
    introduction = " ".join(lines[1:quick_start]).strip()
    assert introduction and not any(line.startswith("#") for line in lines[1:quick_start])
    assert len(re.findall(r"[.!?](?:\s|$)", introduction)) <= 2, introduction

    opening = next(i for i in range(quick_start + 1, len(lines)) if lines[i].strip())
    assert lines[opening] == "```sh", "the quick start is a shell block right below its heading"
    closing = lines.index("```", opening + 1)
    commands = [line.split("#")[0].strip() for line in lines[opening + 1 : closing]]
    assert [command for command in commands if command] == ["make run", "make test"]


def test_the_section_the_playground_points_to_exists_in_the_readme() -> None:
    # `gwbot playground` tells people where to read how to connect a real bot.
    source = (ROOT / "bot" / "playground" / "main.py").read_text(encoding="utf-8")
    section = re.search(r"README\.md, '([^']+)'", source)
    assert section, "the playground no longer names a README section: update this test"
    assert slug(section.group(1)) in anchors((ROOT / "README.md").read_text(encoding="utf-8"))


def test_every_relative_link_of_the_readme_and_docs_leads_to_a_file_and_heading() -> None:
    assert {page.name for page in PAGES} >= {
        "README.md",
        "operators.md",
        "developers.md",
        "features.md",
        "guide.md",
        "anleitung.md",
    }
    assert [problem for page in PAGES for problem in broken_links(page)] == []


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Backups and restore\n")
    page.write_text(
        "# Page: `code`\n\n```sh\n# not a heading\n```\n"
        "[ok](other.md#backups-and-restore) [ok](#page-code) [web](https://example.org/x)\n"
        "`[quoted](nowhere.md)` [gone](missing.md) [stale](other.md#backups)"
        " [stale](#not-a-heading)\n"
    )
    assert broken_links(page) == [
        "page.md: missing.md: no file missing.md",
        "page.md: other.md#backups: no heading #backups in other.md",
        "page.md: #not-a-heading: no heading #not-a-heading in page.md",
    ]
