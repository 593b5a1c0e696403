"""Probes of what a trained autoencoder has learned, read off its weights and gradients.

* :mod:`.fields` -- receptive fields (first-layer weights, Mehta & Schwab's products of weight
  matrices, convolution kernels, gradient maps) and activation maximisation (Broomberg &
  Rabinovich's neuron visualisation);
* :mod:`.locality` -- how much a map looks like a block spin: spread on the torus, the best
  b x b window, the original study's prototype score;
* :mod:`.controls` -- noise, sine-wave and smooth-field control datasets;
* :mod:`.dbn` -- Mehta & Schwab's deep belief network of stacked RBMs;
* :mod:`.study` -- the workflow's probes stage.

Importing this package imports torch.
"""

from . import fields
from .fields import *  # noqa: F403 -- the package re-exports the fields API

__all__ = list(fields.__all__)
