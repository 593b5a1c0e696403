"""deeprenorm.provenance: the version a result records names the commit of the code that made it,
read from git where the package runs from a checkout, and falls back to the release version
where it does not."""

import subprocess

import pytest

from deeprenorm import __version__, provenance

CHECKOUT = provenance._CHECKOUT


@pytest.fixture
def fresh_cache():
    provenance.source_commit.cache_clear()
    provenance.source_version.cache_clear()
    yield
    provenance.source_commit.cache_clear()
    provenance.source_version.cache_clear()


def git(*arguments):
    return subprocess.run(["git", "-C", str(CHECKOUT), *arguments], capture_output=True, text=True, check=True)


def test_a_checkout_records_its_commit_and_whether_it_was_changed(fresh_cache):
    if not (CHECKOUT / ".git").exists():
        pytest.skip("the package does not run from a git checkout here")
    head = git("rev-parse", "HEAD").stdout.strip()
    dirty = bool(git("status", "--porcelain", "--untracked-files=no").stdout.strip())
    assert provenance.source_commit() == head + ("-dirty" if dirty else "")
    assert provenance.source_version() == f"{__version__}+g{head[:12]}" + (".dirty" if dirty else "")


def test_outside_a_checkout_the_release_version_alone(fresh_cache, tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "_CHECKOUT", tmp_path)
    assert provenance.source_commit() is None
    assert provenance.source_version() == __version__
