"""The suite's layout: every module of deeprenorm has a test file named after it, so that its tests
are found without searching: tests/test_<module>.py for a top-level module, and
tests/test_<package>_<module>.py for a module of a subpackage (deeprenorm/rg/flow.py:
tests/test_rg_flow.py). Tests shared by several files live in tests/conftest.py (fixtures) and
tests/helpers.py (plain functions)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "deeprenorm"

_DRAWN_BY_THE_WORKFLOW = "a figure without a unit test yet; test_workflow.py draws it from the tiny study"

# Modules without a test file of their own, and why. Package __init__ modules are left out as a
# rule: they re-export their modules' names, and every `from deeprenorm.<package> import` runs them.
EXCEPTIONS = {
    "versions": "a table of stage numbers; test_workflow.py bumps one and checks what reruns",
    "latent.study": "assembles the tables of latent.codes, phase, critical and seeds; test_workflow.py runs it",
    "plots.performance": _DRAWN_BY_THE_WORKFLOW,
    "plots.probes": _DRAWN_BY_THE_WORKFLOW,
    "plots.training": _DRAWN_BY_THE_WORKFLOW,
}


def modules() -> dict[str, Path]:
    """Every module of the package but the __init__ modules, by dotted name, with the test file
    the convention gives it."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "__init__.py":
            parts = path.relative_to(PACKAGE).with_suffix("").parts
            found[".".join(parts)] = TESTS / f"test_{'_'.join(parts)}.py"
    return found


def test_every_module_has_a_test_file_named_after_it():
    missing = {name: path.name for name, path in modules().items() if not path.exists()}
    unexplained = [f"{name}: {test}" for name, test in missing.items() if name not in EXCEPTIONS]
    assert not unexplained, f"write these test files, or list the modules in EXCEPTIONS with the reason: {unexplained}"


def test_every_exception_is_still_needed():
    known = modules()
    stale = [name for name in EXCEPTIONS if name not in known or known[name].exists()]
    assert not stale, f"remove from EXCEPTIONS (the module is gone or has its test file now): {stale}"
