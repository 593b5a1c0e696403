"""deeprenorm: does a deep autoencoder trained on 2D Ising configurations learn block-spin RG?

The package holds all the physics and machine learning; the Snakemake workflow only calls it.
"""

from .lazy import lazy_attributes

__version__ = "0.1.0"

# A finished study in a notebook: ``from deeprenorm import load_study`` (imported on first use, so
# that the workflow's own imports of the package stay light).
__getattr__, __dir__ = lazy_attributes(__name__, {"load_study": "results", "Study": "results", "StudyError": "results"})
