"""deeprenorm.reporting.readme: the README's generated sections are replaced between their
markers and nothing else is touched; its first commands quote the measured run times, and a study
that recorded none is refused. The sections' content from a real summary is checked on the tiny
study in test_workflow.py."""

import pytest

from deeprenorm.reporting.readme import BEGIN_MARKER, END_MARKER, replace_between_markers, start_block
from deeprenorm.reporting.summary import format_duration


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


def _summary(elapsed_s, jobs, of_jobs=None, version="0.1.0+gabc"):
    run = {"first_started": "2026-12-06 10:00:00", "elapsed_s": elapsed_s, "jobs": jobs}
    run |= {"of_jobs": jobs if of_jobs is None else of_jobs, "max_parallel_jobs": 2, "machine_cpus": 2}
    return {"version": version, "performance": {"rows": [], "run": run}}


def test_the_start_block_quotes_each_study_s_measured_run():
    block = start_block(_summary(639.4, 398), _summary(83.0, 74))
    lines = block.splitlines()
    assert lines[0] == "```bash" and lines[3] == "```"
    assert lines[1].startswith("make tiny ") and "74 jobs in 1 min 23 s on 2 CPUs, at most 2 at once" in lines[1]
    assert lines[2].startswith("make run ") and "398 jobs in 10 min 39 s on 2 CPUs, at most 2 at once" in lines[2]
    assert "(deeprenorm 0.1.0+gabc)" in block  # one version, named once


def test_a_study_without_one_measured_run_is_refused_by_name():
    with pytest.raises(ValueError, match="the tiny study: its last run made 3 of its 74 jobs"):
        start_block(_summary(639.4, 398), _summary(20.0, 3, of_jobs=74))
    unmeasured = _summary(None, 0)
    with pytest.raises(ValueError, match="the tiny study"):
        start_block(_summary(639.4, 398), unmeasured)
    del unmeasured["performance"]["run"]
    with pytest.raises(ValueError, match="the default study"):
        start_block(unmeasured, _summary(83.0, 74))


def test_durations_read_as_people_say_them():
    assert [format_duration(s) for s in (0.4, 48, 60, 639.4, 3599.6, 7500)] == [
        "0 s",
        "48 s",
        "1 min 00 s",
        "10 min 39 s",
        "1 h 00 min",
        "2 h 05 min",
    ]
