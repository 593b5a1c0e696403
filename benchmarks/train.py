"""Autoencoder training and encoding throughput: deeprenorm's training step next to plain torch.

For the ``alexandrou`` (k = 1) and ``conv`` (b = 2) models at L = 32, with 1 and 2 torch
threads, this prints training samples per second of

* **ours** -- one epoch of :func:`deeprenorm.ml.train_autoencoder`'s training pass, through the
  functions it runs each epoch and in its deterministic mode: spins streamed as int8 from the
  NetCDF dataset (read, checked, shuffled in buffers of temperatures), each batch converted to
  float32 when used, the loss summed on the device;
* **plain** -- the minimal torch loop over the same model, batch size and training samples,
  already in memory as one float32 tensor (``randperm``, forward, MSE, backward, Adam step),
  torch defaults;

and their ratio (the target is ours >= 0.9 x plain), and the samples per second of
:func:`deeprenorm.ml.encode_dataset` over the whole dataset. The two loops alternate epoch by
epoch for ``--rounds`` rounds and each reports its best epoch after the first (which warms up),
so that other processes on the cores slow both alike. The data are random +-1 spins (throughput
does not depend on them): 20 temperatures x 1000 samples (``alexandrou``) or x 250 (``conv``,
about 4 times costlier per sample), 80 % of them for training. The load average is printed: with
other processes on the cores, the 2-thread rows mostly measure the contention.

Run: ``python benchmarks/train.py [--rounds 4]``; about 2 minutes on 2 idle cores.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from deeprenorm.data import SpinReader, write_dataset, write_simulation
from deeprenorm.ising.sampler import SampleSet
from deeprenorm.ml import TRAIN, ModelSpec, TrainingSettings, build_model, encode_dataset, make_split
from deeprenorm.ml.train import _deterministic, _train_epoch, _training_batches

L = 32
BATCH_SIZE = 256
# model -> (its spec, samples per temperature): the convolutional model costs about
# 4x more per sample (its hidden channels are at full resolution), so it gets a quarter of the data
MODELS = {
    "alexandrou": (ModelSpec("alexandrou", latent=1), 1000),
    "conv": (ModelSpec("conv", block=2), 250),
}
TEMPERATURES = 20


def random_samples(length: int, temperature: float, n: int, rng) -> SampleSet:
    """Random +-1 spins with their exact energy and magnetisation, as a simulation's result."""
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, length, length))
    wide = spins.astype(np.int64)
    energy = -(wide * (np.roll(wide, -1, axis=1) + np.roll(wide, -1, axis=2))).sum(axis=(1, 2)) / length**2
    return SampleSet(
        spins=spins,
        energy=energy,
        magnetization=wide.sum(axis=(1, 2)) / length**2,
        L=length,
        T=temperature,
        algorithm="wolff",
        seed=0,
        chain=0,
        tau_int_abs_m=0.5,
        tau_int_abs_m_error=0.0,
        tau_int_energy=0.5,
        tau_int_energy_error=0.0,
        sweeps_between_samples=1,
        thermalization_sweeps=0,
        pilot_sweeps=0,
        cold_start=False,
        tau_int_samples_abs_m=0.5,
        tau_int_samples_energy=0.5,
        seconds_per_sweep=0.0,
    )


def make_dataset(folder: Path, n_samples: int) -> Path:
    """A dataset file of ``TEMPERATURES`` x ``n_samples`` random configurations in ``folder``."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    paths = []
    for temperature in np.linspace(1.5, 3.5, TEMPERATURES):
        path = folder / f"T{temperature:.4f}.nc"
        write_simulation(random_samples(L, float(temperature), n_samples, rng), path)
        paths.append(path)
    write_dataset(paths, folder / f"L{L}.nc")
    return folder / f"L{L}.nc"


def plain_epoch(model, optimizer, spins: torch.Tensor) -> float:
    """Samples per second of one epoch of the minimal torch training loop."""
    model.train()
    start = time.perf_counter()
    for batch in torch.randperm(len(spins)).split(BATCH_SIZE):
        x = spins[batch]
        x_hat, _ = model(x)
        loss = torch.nn.functional.mse_loss(x_hat, x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(spins) / (time.perf_counter() - start)


def our_epoch(model, optimizer, reader, train_index, rng) -> float:
    """Samples per second of one training pass as :func:`train_autoencoder` runs it."""
    start = time.perf_counter()
    with _deterministic(warn_only=False):
        batches = _training_batches(reader, train_index, BATCH_SIZE, TrainingSettings().buffer_temperatures, rng)
        _, seen = _train_epoch(model, batches, optimizer, 0.0, torch.device("cpu"))
    return seen / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="epochs of each loop, alternating (>= 2)")
    rounds = parser.parse_args().rounds
    print(
        f"L = {L}, batch {BATCH_SIZE}, {rounds} rounds, torch {torch.__version__}, load average {os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"{'model':<12}{'samples':>8}{'threads':>8}{'ours /s':>11}{'plain /s':>11}{'ours/plain':>12}{'encode /s':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, (spec, n_samples) in MODELS.items():
            with SpinReader(make_dataset(Path(folder) / name, n_samples)) as reader:
                labels = make_split(reader.n_temperatures, reader.n_samples, (0.8, 0.1, 0.1), 0, L)
                train = np.concatenate([reader.read(t)[labels[t] == TRAIN] for t in range(reader.n_temperatures)])
                train = torch.from_numpy(train).float()
                n_total = reader.n_temperatures * reader.n_samples
                train_index = [np.flatnonzero(row == TRAIN) for row in labels]
                for threads in (1, 2):
                    torch.set_num_threads(threads)
                    torch.manual_seed(0)
                    models = build_model(spec, L), build_model(spec, L)
                    optimizers = [torch.optim.Adam(model.parameters(), lr=1e-3) for model in models]
                    rng = np.random.default_rng(0)
                    rates = [
                        (
                            our_epoch(models[0], optimizers[0], reader, train_index, rng),
                            plain_epoch(models[1], optimizers[1], train),
                        )
                        for _ in range(rounds)
                    ]
                    ours, plain = np.max(rates[1:], axis=0)
                    start = time.perf_counter()
                    encode_dataset(models[0], reader, labels)
                    encoding = n_total / (time.perf_counter() - start)
                    print(
                        f"{name:<12}{n_total:>8}{threads:>8}{ours:>11.0f}{plain:>11.0f}{ours / plain:>12.2f}{encoding:>12.0f}"
                    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end (this benchmark adds up to its thread count)")


if __name__ == "__main__":
    main()
