"""CITATION.cff: valid for the Citation File Format 1.2.0 and in step with the package."""

import tomllib
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]


def test_citation_file_names_the_version_and_license_of_the_package():
    citation = yaml.safe_load((REPOSITORY / "CITATION.cff").read_text())
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(citation)
    assert citation["version"] == project["version"] and citation["license"] == project["license"]
    # every reference is citable: a title, authors and a year
    for reference in citation["references"]:
        assert reference["title"] and reference["authors"] and reference["year"]
