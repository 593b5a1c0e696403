"""Plain functions and constants that several test files share; the fixtures built on them are in
tests/conftest.py. Each section names the test files that use it."""

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import image as mpimg

from deeprenorm.data import simulation_to_xarray
from deeprenorm.ising import sample
from deeprenorm.latent import TEST, TRAIN, VALIDATION
from deeprenorm.sweep import reconstruction_curve, unit_correlations

# --------------------------------------------------------------------------
# lattices (test_rg_blocking, test_rg_information, test_rg_observables, test_rg_study)


def random_spins(shape, seed=0) -> np.ndarray:
    """Independent +-1 spins, int8, of any shape."""
    return (2 * np.random.default_rng(seed).integers(0, 2, size=shape) - 1).astype(np.int8)


def checkerboard(L) -> np.ndarray:
    """The antiferromagnetic ground state of an L x L torus (L even), int8."""
    y, x = np.indices((L, L))
    return (1 - 2 * ((x + y) % 2)).astype(np.int8)


# --------------------------------------------------------------------------
# the RG stage's small datasets (the fixtures rg_datasets and rg_tables, test_rg_study)

RG_SEED = 11
# T_c's neighbours 2.25 and 2.3; no target of REPEATED_TEMPERATURES halfway between two of them
RG_TEMPERATURES = (2.0, 2.1, 2.25, 2.3, 2.36, 2.45, 2.6)


# --------------------------------------------------------------------------
# plain-Python references of the numba kernels (test_ising_*)

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15


def _py_mix64(z: int) -> int:
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class PyStream:
    """SplitMix64 in Python integers, from the (key, counter) state of deeprenorm.ising.rng."""

    def __init__(self, state):
        self.key, self.counter = int(state[0]), int(state[1])

    def draw(self, counter=None) -> int:
        if counter is not None:
            return _py_mix64(self.key + counter * _GAMMA)
        self.counter += 1
        return _py_mix64(self.key + self.counter * _GAMMA)


def random_square_lattice(length, seed) -> np.ndarray:
    """A length x length int8 lattice of independent +-1 spins, for the kernel references."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((length, length)) < 0.5, -1, 1).astype(np.int8)


# --------------------------------------------------------------------------
# in-memory datasets (test_reweighting, test_thermo, test_plots_thermodynamics)

# the temperatures of the fixture reweighting_datasets
REWEIGHTING_GRID = np.round(np.arange(2.05, 2.751, 0.05), 4)


def stacked_dataset(L, temperatures, n_samples, seed) -> xr.Dataset:
    """Wolff samples of L at each temperature stacked as a per-L dataset, without files."""
    parts = [simulation_to_xarray(sample(L, T, n_samples, "wolff", seed=seed)) for T in temperatures]
    dataset = xr.concat(parts, dim="temperature", combine_attrs="drop_conflicts")
    dataset.attrs.update(L=L, seed=seed)
    return dataset


# --------------------------------------------------------------------------
# figures (test_plots_*)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_bytes=20_000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes
    pixels = mpimg.imread(path)
    height, width = pixels.shape[:2]
    assert height > 500 and width > 500
    assert np.ptp(pixels[..., :3]) > 0.5  # not a blank canvas
    # written atomically: no temporary file left beside it
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------
# synthetic encodings of real Monte Carlo samples (test_latent_*, test_plots_latent, and the
# fixtures latent_monte_carlo, identity_encoded, tanh_encoded, tanh_estimates)

LATENT_SIZES = (8, 12, 16)
LATENT_TEMPERATURES = np.round(np.linspace(2.0, 2.7, 15), 4)
LATENT_SAMPLES = 400
_LATENT_FRACTIONS = (0.6, 0.2, 0.2)
_LATENT_WEIGHTS = np.array([1.0, 0.6, -0.3])  # a 3-unit code mixing m with noise


def random_split(shape, seed):
    """TRAIN / VALIDATION / TEST codes with exactly 0.6 / 0.2 / 0.2 of each temperature's samples."""
    rng = np.random.default_rng(seed)
    n_train, n_validation = int(_LATENT_FRACTIONS[0] * shape[1]), int(_LATENT_FRACTIONS[1] * shape[1])
    split = np.full(shape, TEST, dtype=np.int8)
    for row in split:
        order = rng.permutation(shape[1])
        row[order[:n_train]] = TRAIN
        row[order[n_train : n_train + n_validation]] = VALIDATION
    return split


def make_encoded(L, energy, magnetization, latent, split, kind="synthetic"):
    """An encoded dataset (the schema of deeprenorm.ml.encode) on LATENT_TEMPERATURES."""
    latent = np.asarray(latent, dtype=np.float32)
    if latent.ndim == 2:
        latent = latent[..., None]
    return xr.Dataset(
        {
            "latent": (("temperature", "sample", "unit"), latent),
            "split": (("temperature", "sample"), split),
            "energy": (("temperature", "sample"), energy),
            "magnetization": (("temperature", "sample"), magnetization),
        },
        coords={
            "temperature": LATENT_TEMPERATURES,
            "sample": np.arange(energy.shape[1]),
            "unit": np.arange(latent.shape[-1]),
        },
        attrs={"L": L, "kind": kind, "latent": latent.shape[-1]},
    )


def tanh_code(magnetization, seed, noise=0.05, a=1.5):
    """z = tanh(a m w + noise) over the units w of a 3-unit code."""
    rng = np.random.default_rng(seed)
    shape = magnetization.shape + (_LATENT_WEIGHTS.size,)
    return np.tanh(a * magnetization[..., None] * _LATENT_WEIGHTS + noise * rng.standard_normal(shape))


# --------------------------------------------------------------------------
# synthetic encodings with known correlations (test_sweep, test_plots_sweep)

SWEEP_TEMPERATURES = np.array([2.0, 2.25, 2.5, 2.75])
SWEEP_SAMPLES = 500


def _sweep_split(seed=0):
    rng = np.random.default_rng(seed)
    labels = np.empty((SWEEP_TEMPERATURES.size, SWEEP_SAMPLES), dtype=np.int8)
    for row in labels:
        row[:] = rng.permutation(np.repeat([TRAIN, VALIDATION, TEST], [300, 100, 100]))
    return labels


def sweep_encoded(latent_of, L=8, seed=0, model="wide-k3-none", training_seed=0):
    """An encoding whose units are ``latent_of(m, e, rng)`` -> (n_T, n_samples, k)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0, 0.5, (SWEEP_TEMPERATURES.size, SWEEP_SAMPLES))
    e = rng.normal(-1.0, 0.3, m.shape)
    latent = np.asarray(latent_of(m, e, rng), dtype=np.float32)
    errors = (0.1 + 0.05 * np.arange(SWEEP_TEMPERATURES.size))[:, None] + 0.01 * rng.standard_normal(m.shape)
    return xr.Dataset(
        {
            "latent": (("temperature", "sample", "unit"), latent),
            "reconstruction_error": (("temperature", "sample"), errors.astype(np.float32)),
            "split": (("temperature", "sample"), _sweep_split(seed)),
            "energy": (("temperature", "sample"), e),
            "magnetization": (("temperature", "sample"), m),
        },
        coords={
            "temperature": SWEEP_TEMPERATURES,
            "sample": np.arange(SWEEP_SAMPLES),
            "unit": np.arange(latent.shape[-1]),
        },
        attrs={"L": L, "kind": "wide", "model": model, "training_seed": training_seed},
    )


def _tc_rows(model, L, T_z, T_m, reductions=("mean",)):
    rows = []
    for reduction in reductions:
        for method, T_c, T_c_err in (("chi_z_peak", T_z, 0.01), ("chi_m_peak", T_m, 0.005)):
            labels = {"model": model, "reduction": reduction, "part": "test", "method": method, "L": L}
            rows.append(labels | {"T_c": T_c, "T_c_err": T_c_err})
    return rows


def _noisy_m(width):
    return lambda m, e, rng: m[..., None] + 0.1 * rng.standard_normal(m.shape + (width,))


def sweep_inputs():
    """Two wide models at L = 24 (two seeds each) and an alexandrou k1 at L = 16 and 32."""
    specs = {
        "wide-k4-dropout": {"kind": "wide", "latent": 4, "regularisation": "dropout"},
        "wide-k16-l1": {"kind": "wide", "latent": 16, "regularisation": "l1"},
        "alexandrou-k1-none": {"kind": "alexandrou", "latent": 1, "regularisation": "none"},
    }
    encodings = []
    for model, spec in specs.items():
        sizes = (16, 32) if spec["kind"] == "alexandrou" else (24,)
        for L in sizes:
            for seed in (0, 1):
                encodings.append(
                    sweep_encoded(_noisy_m(spec["latent"]), L=L, seed=seed + L, model=model, training_seed=seed)
                )
    tc = pd.DataFrame(
        _tc_rows("wide-k4-dropout", 24, 2.36, 2.35, ("mean", "pc1", "norm"))
        + _tc_rows("wide-k16-l1", 24, 2.30, 2.35, ("mean", "pc1", "norm"))
        + _tc_rows("alexandrou-k1-none", 16, 2.40, 2.39)
        + _tc_rows("alexandrou-k1-none", 32, 2.33, 2.33)
    )
    summary = pd.DataFrame(
        [
            {
                "model": e.attrs["model"],
                "reduction": "mean",
                "part": "test",
                "L": e.attrs["L"],
                "training_seed": e.attrs["training_seed"],
                "r_curves_chi_z_chi_m": 0.9 + 0.02 * e.attrs["training_seed"],
                "r_samples_abs_z_abs_m": 0.95,
            }
            for e in encodings
        ]
    )
    reconstruction = pd.concat([reconstruction_curve(e) for e in encodings], ignore_index=True)
    units = pd.concat([unit_correlations(e) for e in encodings], ignore_index=True)
    return specs, tc, summary, reconstruction, units


# --------------------------------------------------------------------------
# tiny autoencoders on L = 8 data (test_ml_*, test_ising_sizes, test_ising_lattice, and the
# fixtures ml_dataset, ml_reader, ml_labels)

ML_L = 8
ML_TEMPERATURES = np.linspace(1.8, 3.2, 6)
ML_SAMPLES = 60
ML_FRACTIONS = (0.6, 0.2, 0.2)
ML_SEED = 1
# one small model of each kind, by (kind, latent, block)
ML_KINDS = [("alexandrou", 2, None), ("wide", 3, None), ("conv", None, 2)]


def torch_spins(n, length=ML_L, seed=0):
    """n lattices of independent +-1 spins as a float32 tensor, the input of a model."""
    import torch  # here, not at the top: most of the files that use helpers never import torch

    return torch.from_numpy(
        np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, length, length)).astype(np.float32)
    )


def model_of(kind, latent, block, dropout=0.0, length=ML_L):
    """An untrained model of that kind, with dropout at that rate (none if 0)."""
    from deeprenorm.ml import ModelSpec, build_model

    return build_model(
        ModelSpec(kind, latent, block, regularisation="dropout" if dropout else "none", dropout=dropout), length
    )


#: The smallest valid study config, for the tests of the config and of the plan.
GOOD_CONFIG = {
    "seed": 1,
    "lattice_sizes": [16, 24],
    "temperatures": [2.0, 2.5],
    "samples_per_temperature": 20,
    "algorithm": "auto",
}


def ar1(rho, shape, seed):
    """Stationary AR(1) series ``x_t = rho x_{t-1} + e_t`` along the last axis, unit innovations
    (variance ``1 / (1 - rho^2)``, ``tau_int = (1 + rho) / (2 (1 - rho))``), started in
    equilibrium: the model of correlated Monte Carlo samples whose error of the mean is known,
    ``sqrt(var / n * (1 + rho) / (1 - rho))``."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(shape)
    noise[..., 0] /= np.sqrt(1.0 - rho * rho)
    return lfilter([1.0], [1.0, -rho], noise, axis=-1)
