"""deeprenorm: does a deep autoencoder trained on 2D Ising configurations learn block-spin RG?

The package holds all the physics and machine learning; the Snakemake workflow only calls it.
"""

__version__ = "0.1.0"
