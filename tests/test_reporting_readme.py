"""deeprenorm.reporting.readme: the README's generated section is replaced between its markers
and nothing else is touched."""

import pytest

from deeprenorm.reporting.readme import BEGIN_MARKER, END_MARKER, replace_between_markers


def test_the_readme_block_is_replaced_between_the_markers_and_nothing_else():
    text = f"# title\n\nintro\n{BEGIN_MARKER}\nold numbers\n{END_MARKER}\n\nrest ü\n"
    replaced = replace_between_markers(text, "new numbers\n| a | b |")
    assert replaced == f"# title\n\nintro\n{BEGIN_MARKER}\nnew numbers\n| a | b |\n{END_MARKER}\n\nrest ü\n"
    assert replace_between_markers(replaced, "new numbers\n| a | b |") == replaced  # idempotent
    for broken in (
        "no markers",
        f"{BEGIN_MARKER} once {BEGIN_MARKER} twice {END_MARKER}",
        f"{END_MARKER} reversed {BEGIN_MARKER}",
    ):
        with pytest.raises(ValueError):
            replace_between_markers(broken, "x")
