"""Loss curves of one training run: train and validation MSE per epoch, the learning rate."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from .style import new_figure, save, use_style

__all__ = ["plot_loss_curves"]


def plot_loss_curves(history: pd.DataFrame, path, title: str, best_epoch: int) -> None:
    """``history`` has the columns of :data:`deeprenorm.ml.train.HISTORY_COLUMNS`; the best
    epoch (the weights kept) is marked."""
    with use_style():
        fig, axes = new_figure(1, 2, figsize=(11, 4))
        loss_ax, rate_ax = axes[0]
        loss_ax.plot(history["epoch"], history["train_loss"], "o-", ms=3, label="train")
        loss_ax.plot(history["epoch"], history["validation_loss"], "s-", ms=3, label="validation")
        loss_ax.axvline(best_epoch, color="0.4", ls=":", label=f"best epoch {best_epoch} (kept)")
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("reconstruction MSE per spin")
        loss_ax.set_yscale("log")
        loss_ax.legend()
        rate_ax.plot(history["epoch"], history["learning_rate"], "o-", ms=3, color="0.3")
        rate_ax.set_xlabel("epoch")
        rate_ax.set_ylabel("learning rate")
        rate_ax.set_yscale("log")
        for ax in axes[0]:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.suptitle(title)
        save(fig, path)
