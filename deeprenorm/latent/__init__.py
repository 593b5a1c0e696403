"""Does the latent variable locate T_c? Phase identification and T_c from autoencoder codes.

Pure functions of what is passed in: *encoded datasets* (the ``xarray.Dataset`` written by
:mod:`deeprenorm.ml.encode`) or the tables built here; no file I/O, no torch.  An encoded
dataset holds, for one L and one trained model,

* ``latent(temperature, sample, unit)`` float32: the code z of every sample (k = ``unit`` wide);
* ``split(temperature, sample)`` int8: :data:`TRAIN` 0, :data:`VALIDATION` 1, :data:`TEST` 2,
  the split the model was trained with (equal counts of each part at every temperature);
* ``energy``, ``magnetization`` ``(temperature, sample)`` float64, per spin;
* coordinate ``temperature`` in J/k_B; attributes ``L``, ``kind`` (the model's name), ``latent``.

Two studies are the reference.  Alexandrou et al. (2019) train a dense autoencoder with a
one-unit code on 2D Ising configurations, find the code z tracks the magnetisation and read T_c
off it.  Broomberg & Rabinovich (2019) -- "the original study" below -- average the k units of
a wider code, define a latent susceptibility from its fluctuations, and report T_c from its
peak (2.308 at L = 25, 2.288 at L = 50, and a headline 2.369) together with a Pearson
correlation between the curves chi_z(T) and chi_m(T).  This module repeats that analysis with
the statistics the magnetic analysis of :mod:`deeprenorm.thermo` gets:

* :func:`reduce_latent` -- one number per sample from a k-unit code (:data:`REDUCTIONS`);
* :func:`phase_table`, :func:`phase_summary` -- per-temperature <|z|>, chi_z, U_z beside
  <|m|>, chi_m on one part of the split, with jackknife errors, and the correlations;
* :func:`latent_critical_temperatures` -- T_c(L) from the peaks of multi-histogram reweighted
  chi_z(T) and chi_m(T) and from crossings of U_z(T), with blocked-jackknife errors, and their
  finite-size extrapolations (:func:`deeprenorm.stats.fit_finite_size`);
* :func:`combine_seeds` -- the estimates of several training seeds of one model combined, with
  the data noise (shared by all seeds) and the training noise (averaging down) kept apart;
* :func:`latent_sample_table` -- the reduced per-sample values, for scatter plots.

Definitions (the replicators' convention; J = k_B = 1, N = L^2)::

    chi_x = N Var(|x|) / T = (N / T) (<x^2> - <|x|>^2),      x = z or m
    U_z   = 1 - <z^4> / (3 <z^2>^2)

so chi_m is :mod:`deeprenorm.thermo`'s connected susceptibility chi', and chi_z = chi' exactly
when |z| = |m|.  The reduced code enters every estimate only through |z|, z^2 and z^4: its sign
convention (see :func:`reduce_latent`) changes nothing but scatter plots.  A code is a
deterministic function of the configuration (the encoder runs in eval mode), so it reweights
with the sample energies unchanged (:meth:`deeprenorm.reweighting.MultiHistogram.expectations`).

Samples are stored >= 2 tau_int apart, yet near T_c the stored series stay correlated: the
per-temperature errors are jackknife errors over contiguous blocks of the part's samples in chain
order (:func:`deeprenorm.stats.resampling_block_length`); the reweighted analysis uses the
blocked jackknife of :mod:`deeprenorm.ensemble` (the same block left out at every temperature),
as the thermodynamic T_c does.

The package's modules: :mod:`~deeprenorm.latent.codes` (parts of the split, reductions),
:mod:`~deeprenorm.latent.phase` (per-temperature tables), :mod:`~deeprenorm.latent.critical`
(reweighted T_c), :mod:`~deeprenorm.latent.seeds` (several training seeds) and
:mod:`~deeprenorm.latent.study` (every table of the study).
"""

from .codes import (
    PARTS,
    REDUCTIONS,
    SAMPLE_COLUMNS,
    TEST,
    TRAIN,
    VALIDATION,
    encoded_model_name,
    latent_sample_table,
    part_code,
    reduce_latent,
)
from .critical import LATENT_CURVE_COLUMNS, LATENT_ESTIMATE_COLUMNS, latent_critical_temperatures
from .phase import PHASE_COLUMNS, phase_summary, phase_table
from .seeds import COMBINED_COLUMNS, combine_seeds
from .study import study_tables

__all__ = [
    "TRAIN",
    "VALIDATION",
    "TEST",
    "PARTS",
    "REDUCTIONS",
    "PHASE_COLUMNS",
    "LATENT_ESTIMATE_COLUMNS",
    "LATENT_CURVE_COLUMNS",
    "COMBINED_COLUMNS",
    "SAMPLE_COLUMNS",
    "reduce_latent",
    "encoded_model_name",
    "part_code",
    "latent_sample_table",
    "phase_table",
    "phase_summary",
    "latent_critical_temperatures",
    "combine_seeds",
    "study_tables",
]
