"""deeprenorm.ising.lattice: the energy and magnetisation kernel against numpy, the sublattice
form the Metropolis kernel keeps them in, and the staggered map from the ferromagnet to the
antiferromagnet."""

import numpy as np
import pytest
from helpers import ML_L, random_square_lattice

from deeprenorm.ising.lattice import energy_magnetization, staggered, staggered_sign
from deeprenorm.ising.metropolis import join_sublattices, split_sublattices, sublattice_energy_magnetization


def reference_energy(spins):
    return -int(np.sum(spins * (np.roll(spins, 1, 0) + np.roll(spins, 1, 1)))), int(spins.sum())


@pytest.mark.parametrize("length", [2, 4, 6, 8, 10])
def test_energy_and_magnetization_match_numpy(length):
    spins = random_square_lattice(length, length)
    assert energy_magnetization(spins) == reference_energy(spins)
    a, b = split_sublattices(spins)
    assert sublattice_energy_magnetization(a, b) == reference_energy(spins)
    np.testing.assert_array_equal(join_sublattices(a, b), spins)


def test_staggered_map_sends_the_ferromagnet_to_the_antiferromagnet(ml_reader):
    """Exact on the even-L torus: every bond joins the sublattices, so E_AFM(s') = E_FM(s) with
    E_AFM = + sum s_i s_j, and the staggered magnetisation of s' is the magnetisation of s."""
    spins = ml_reader.read(1)
    mapped = staggered(spins)
    sign = staggered_sign(ML_L)
    for s, t in zip(spins, mapped):
        energy, magnetization = energy_magnetization(s)
        mapped_energy, _ = energy_magnetization(t)
        assert mapped_energy == -energy  # the ferromagnetic energy function of s' is -E(s): J -> -J
        assert int(np.sum(sign * t)) == magnetization
    np.testing.assert_array_equal(staggered(mapped), spins)
    with pytest.raises(ValueError, match="even L"):
        staggered_sign(5)
