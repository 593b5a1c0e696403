"""A finished study in Python: its config, tables, datasets, codes, models, summary and figures.

:func:`load_study` opens the folder a study ran in (the one with ``config.yaml`` and
``results/``) and returns a :class:`Study` that finds every product of the workflow by name::

    from deeprenorm import load_study

    study = load_study(".")                      # or a copy of someone else's study
    study.config["lattice_sizes"]                # the validated config it ran with
    study.tables                                 # the names of every table
    verdict = study.table("rg_verdict")          # a pandas DataFrame
    study.describe("rg_verdict")                 # its columns: name, meaning, unit
    with study.dataset(24) as data:              # an xarray Dataset, opened lazily and checked
        spins = data["spins"].isel(temperature=0).values
    model = study.model(24, "conv-b2-none", 0)   # rebuilt from its state dict (weights only)
    study.summary["answer"], study.figures["rg_verdict"]

Nothing is loaded before it is asked for, and a product that is missing raises
:class:`StudyError` naming the file and the rule (or target) that makes it, so that a partial
study (a target built alone, a run interrupted) can be read as far as it goes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .config import SCHEMA_PATH, load_config_file, validate_config

__all__ = ["StudyError", "Study", "load_study"]


class StudyError(FileNotFoundError):
    """A product of the study is not there (yet): the message names the file and what makes it."""


def _missing(path: Path, what: str, made_by: str) -> StudyError:
    return StudyError(f"{path}: no {what} in this study; {made_by}")


@dataclass(frozen=True)
class Study:
    """The products of one study below ``root`` (its ``results/`` folder), with the ``config``
    it ran with. Build it with :func:`load_study`."""

    root: Path
    config: dict = field(repr=False)

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def tables(self) -> list[str]:
        """The names of the tables written so far (``results/tables/<name>.csv``)."""
        return sorted(path.stem for path in (self.results / "tables").glob("*.csv"))

    def table(self, name: str):
        """The table ``name`` as a pandas DataFrame (:func:`deeprenorm.io.read_table`)."""
        from .io import read_table

        path = self.results / "tables" / f"{name}.csv"
        if not path.is_file():
            known = ", ".join(self.tables) or "none yet"
            raise _missing(
                path,
                f"table {name!r}",
                f"tables written so far: {known}; `snakemake {path.relative_to(self.root)}` makes it",
            )
        return read_table(path)

    def describe(self, name: str):
        """The columns of the table ``name`` (one of :attr:`tables`, or a per-model one such as
        ``training_history``) with their meaning and unit, as a pandas DataFrame
        (:func:`deeprenorm.columns.describe`)."""
        from .columns import describe

        return describe(name)

    @property
    def lattice_sizes(self) -> list[int]:
        """The L of every dataset written so far."""
        return sorted(int(path.stem[1:]) for path in (self.results / "datasets").glob("L*.nc"))

    def dataset(self, L: int):
        """The dataset of size ``L`` (every stored configuration with its energy and
        magnetisation), opened lazily and checked (:func:`deeprenorm.data.open_dataset`); use it
        in a ``with`` block, or close it."""
        from .data import open_dataset

        path = self.results / "datasets" / f"L{int(L)}.nc"
        if not path.is_file():
            raise _missing(
                path,
                f"dataset of L = {L}",
                f"sizes written: {self.lattice_sizes}; `snakemake {path.relative_to(self.root)}` makes it",
            )
        return open_dataset(path)

    def codes(self, L: int, model: str, seed: int = 0):
        """The latent codes of every configuration of size ``L`` under the trained ``model``
        (training seed ``seed``), with the train/validation/test labels, as a lazily opened
        xarray Dataset."""
        import xarray as xr

        path = self.results / "latent" / f"L{int(L)}" / model / f"seed{int(seed)}.nc"
        if not path.is_file():
            raise _missing(path, f"codes of {model} (seed {seed}) at L = {L}", self._trained_here(L))
        return xr.open_dataset(path, engine="netcdf4")

    def model(self, L: int, model: str, seed: int = 0):
        """The trained ``model`` at size ``L`` with training seed ``seed``, rebuilt from its
        checkpoint (a state dict, read with ``torch.load(weights_only=True)``), in eval mode."""
        from .ml import load_checkpoint

        path = self.results / "models" / f"L{int(L)}" / model / f"seed{int(seed)}.pt"
        if not path.is_file():
            raise _missing(path, f"trained {model} (seed {seed}) at L = {L}", self._trained_here(L))
        network, _ = load_checkpoint(path, {"L": int(L), "model_name": model})
        return network.eval()

    def _trained_here(self, L: int) -> str:
        folder = self.results / "models" / f"L{int(L)}"
        found = sorted(f"{path.parent.name} seed {path.stem[4:]}" for path in folder.glob("*/seed*.pt"))
        return f"trained at L = {L} so far: {', '.join(found) or 'none'}"

    @property
    def summary(self) -> dict:
        """``results/summary.json``: every headline number with the table row it comes from,
        the answer in words and the software versions (rule ``summary``)."""
        path = self.results / "summary.json"
        if not path.is_file():
            raise _missing(path, "summary", "`snakemake results/summary.json` makes it (it needs the whole study)")
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def figures(self) -> dict[str, Path]:
        """Figure name -> path of every figure written so far (``results/figures``)."""
        folder = self.results / "figures"
        return {str(path.relative_to(folder).with_suffix("")): path for path in sorted(folder.rglob("*.png"))}


def load_study(path: str | Path = ".", config: str | Path | None = None) -> Study:
    """The study in the folder ``path`` (or ``path`` its ``results/`` folder): the config it ran
    with (``config``, default ``config.yaml`` beside ``results/``), validated as the workflow
    validates it, and its ``results/``.

    Raises :class:`StudyError` where the folder has no ``results/`` (no study ran there) and
    :class:`deeprenorm.config.ConfigError` for a config the workflow would refuse."""
    root = Path(path).resolve()
    if root.name == "results" and not (root / "results").is_dir() and (root.parent / "config.yaml").is_file():
        root = root.parent
    if not (root / "results").is_dir():
        raise StudyError(f"{root}: no results/ folder: run the study there first (`make run`, or `snakemake`)")
    config_path = Path(config) if config is not None else root / "config.yaml"
    if not config_path.is_file():
        raise StudyError(
            f"{config_path}: no config file; pass the one the study ran with: load_study(path, config=...)"
        )
    return Study(root=root, config=validate_config(load_config_file(config_path), SCHEMA_PATH))
