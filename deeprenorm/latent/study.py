"""Every latent table of the study from its encoded datasets."""

from __future__ import annotations

import pandas as pd

from .codes import REDUCTIONS
from .critical import latent_critical_temperatures
from .phase import phase_summary, phase_table
from .seeds import combine_seeds

__all__ = ["study_tables"]


def study_tables(encodings, reductions=REDUCTIONS, *, window=None) -> dict[str, pd.DataFrame]:
    """Every latent table of the study from its encoded datasets.

    ``encodings`` maps ``(model, training_seed)`` to that model's encoded datasets, one per L.
    A one-unit code is analysed as itself (``"mean"``: the three reductions agree up to a sign,
    which no estimate sees); wider codes in each of ``reductions``. Returns the frames

    ``tc``
        :func:`combine_seeds` of the per-seed :func:`latent_critical_temperatures` on the test
        split: ``results/tables/tc_latent.csv``;
    ``tc_per_seed``
        the same before combining, with a ``training_seed`` column;
    ``phase``
        :func:`phase_table` of the test and the training split, per seed;
    ``summary``
        :func:`phase_summary` of both parts, per seed and L;
    ``curves``
        the reweighted test-split curves, per seed.
    """
    per_seed, phase, summary, curves = [], [], [], []
    for (_model, seed), by_size in sorted(encodings.items()):
        width = int(by_size[0].sizes["unit"])
        for reduction in reductions if width > 1 else ("mean",):
            estimates, curve = latent_critical_temperatures(by_size, reduction, part="test", window=window)
            per_seed.append(estimates.assign(training_seed=seed))
            curves.append(curve.assign(training_seed=seed))
            for encoded in by_size:
                for part in ("test", "train"):
                    phase.append(phase_table(encoded, reduction, part).assign(training_seed=seed))
                    summary.append(phase_summary(encoded, reduction, part) | {"training_seed": seed})
    by_seed = {}
    for frame in per_seed:
        by_seed.setdefault(int(frame["training_seed"].iloc[0]), []).append(frame.drop(columns="training_seed"))
    combined = combine_seeds([pd.concat(frames, ignore_index=True) for frames in by_seed.values()])
    return {
        "tc": combined,
        "tc_per_seed": pd.concat(per_seed, ignore_index=True),
        "phase": pd.concat(phase, ignore_index=True),
        "summary": pd.DataFrame(summary),
        "curves": pd.concat(curves, ignore_index=True),
    }
