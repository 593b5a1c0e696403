# `make test` is the one command CI runs (.ci/run); `make tiny` runs the tiny study as a first try,
# `make run` regenerates the default study, `make readme` both and then the README from them.
PYTHON ?= python3
VENV ?= .venv
CORES ?= 2
BIN := $(VENV)/bin
STAMP := $(VENV)/.deeprenorm-installed
TINY_STUDY := studies/tiny

.PHONY: install lint format test test-fast tiny run readme benchmark clean-results

install: $(STAMP)

# torch goes first and alone: pinned to 2.13.0 so pip never pulls a multi-GB CUDA build by accident.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test,slurm]"
	touch $@

# ruff (lint and format), snakefmt and snakemake --lint (tools/snakemake_lint.py says which lint it
# leaves out and why) run before the tests: a style error fails `make test` in seconds.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/python tools/snakemake_lint.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile workflow/rules

test: lint
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not workflow and not cluster"

# In a folder of its own, so that it never mixes with the default study's results/ and logs/, with
# its config beside its results as the default study has, so that load_study("studies/tiny") opens it.
tiny: $(STAMP)
	mkdir -p $(TINY_STUDY)
	cp config/tiny.yaml $(TINY_STUDY)/config.yaml
	$(BIN)/snakemake --cores $(CORES) --directory $(TINY_STUDY)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

# The README's first commands quote both studies' run times, so both are brought up to date first,
# one after the other (under make -j side by side they would slow each other's measured times).
readme: $(STAMP)
	$(MAKE) tiny
	$(MAKE) run
	$(BIN)/snakemake --cores 1 readme

benchmark: $(STAMP)
	$(BIN)/python benchmarks/mc.py
	$(BIN)/python benchmarks/memory.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/job_startup.py

clean-results:
	rm -rf results logs $(TINY_STUDY)
