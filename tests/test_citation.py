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


def test_the_readme_links_every_identifier_of_the_references():
    """Each DOI and arXiv identifier of CITATION.cff is a link in the README's citing section, so
    the two lists cannot drift apart."""
    citation = yaml.safe_load((REPOSITORY / "CITATION.cff").read_text())
    readme = " ".join((REPOSITORY / "README.md").read_text().split())  # titles wrap across lines
    for reference in citation["references"]:
        if "doi" in reference:
            assert f"https://doi.org/{reference['doi']}" in readme, reference["title"]
        for identifier in reference.get("identifiers", []):
            if identifier["value"].startswith("arXiv:"):
                assert f"https://arxiv.org/abs/{identifier['value'][6:]}" in readme, reference["title"]
        assert reference["title"] in readme
