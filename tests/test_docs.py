"""README.md and docs/: a newcomer's first commands come first and exist, and no link between the
pages is broken (a moved section or a renamed heading fails here, not in a reader's browser)."""

import re
from pathlib import Path

from deeprenorm.reporting.readme import START_BEGIN, START_END

REPOSITORY = Path(__file__).resolve().parents[1]
PAGES = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(markdown: str) -> set[str]:
    """The fragment of each heading as GitHub makes it: lower case, punctuation dropped but for
    hyphens and underscores, each space a hyphen; a repeated heading gets -1, -2, ..."""
    anchors, seen = set(), {}
    in_code = False
    for line in markdown.splitlines():
        in_code ^= line.startswith("```")
        heading = re.match(r"#{1,6} (.*)", line)
        if heading and not in_code:
            slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
            anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def test_the_readme_starts_with_the_first_commands_and_their_measured_times():
    readme = (REPOSITORY / "README.md").read_text()
    first_40 = "\n".join(readme.splitlines()[:40])
    assert START_BEGIN in first_40 and START_END in first_40, "the generated first commands must stay in 40 lines"
    start = readme[readme.index(START_BEGIN) : readme.index(START_END)]
    commands = [line.split("#")[0].split() for line in start.splitlines() if line.startswith("make ")]
    assert [command[:2] for command in commands] == [["make", "tiny"], ["make", "run"]]
    timed = re.compile(r"\d+ jobs in [\dhmins ]+ on \d+ CPUs, at most \d+ at once")
    assert all(timed.search(line) for line in start.splitlines() if "# " in line)
    targets = set(re.findall(r"^([\w-]+):", (REPOSITORY / "Makefile").read_text(), re.MULTILINE))
    assert {"tiny", "run", "test", "readme"} <= targets
    assert "make test" in first_40


def test_every_local_link_and_anchor_resolves():
    broken = []
    for page in PAGES:
        text = page.read_text()
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text()):
                broken.append(f"{page.name}: {target} (no heading)")
    assert not broken, broken


def test_every_docs_page_is_linked_from_the_readme():
    readme = (REPOSITORY / "README.md").read_text()
    unlinked = [page.name for page in PAGES[1:] if f"](docs/{page.name})" not in readme]
    assert not unlinked, unlinked


def test_the_docs_print_the_paper_preset_s_current_estimate():
    """The README's table and docs/running.md's printout are what `python -m deeprenorm.plan
    estimate config.yaml config/paper.yaml` prints now: a refitted cost model or a changed preset
    must update them."""
    from deeprenorm.config import load_config_files
    from deeprenorm.cost import estimate, report

    config = load_config_files([REPOSITORY / "config.yaml", REPOSITORY / "config/paper.yaml"])
    printed = report(estimate(config), 2, "config.yaml + config/paper.yaml")
    lines = printed.splitlines()
    table = lines[lines.index("") + 1 : lines.index("", lines.index("") + 1)]
    assert table[0].startswith("stage") and table[-1].startswith("total")
    assert "\n".join(table) in (REPOSITORY / "README.md").read_text()
    assert printed in (REPOSITORY / "docs/running.md").read_text()
