"""The result of ``tools.fade.memory_fade`` and how it reads: ``FadeReport``, ``CellFade``.

A ``CellFade`` is one cell's forgetting curve (the influence of x_1 on h_t, step by step)
with the numbers that explain it: the half-life and 10 % step, the spectral radius of
W_hh and the mean tanh slope (the RNN), the mean keep gate (the LSTM's f, the GRU's z).
``FadeReport.summary_markdown()`` turns the report into a paragraph a learner can read
and a compact table; the prose lives here, beside the numbers it describes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.errors import InvalidInput


@dataclass(frozen=True)
class CellFade:
    """One cell's forgetting curve and the numbers that explain it."""

    cell: str
    influence: list[float]  # ||dh_t/dx_1|| / ||dh_1/dx_1||, t = 1..T
    raw: list[float]  # ||dh_t/dx_1|| itself
    half_life: int | None  # first t with influence < 0.5 (None: never within T steps)
    tenth_step: int | None  # first t with influence < 0.1
    peak: float  # largest influence (> 1 means it grew: exploding)
    peak_step: int
    spectral_radius: float  # of W_hh (rnn) or its candidate block W_hg / W_hn (lstm / gru)
    mean_tanh_slope: float  # mean of tanh'(a) over steps and units (relu: share active)
    mean_keep_gate: float | None  # mean forget gate f (lstm) or update gate z (gru)
    clipped: list[float] | None  # min(raw, clip) when clip is set


@dataclass(frozen=True)
class FadeReport:
    """The result of ``memory_fade``: one ``CellFade`` per cell, same sequence."""

    cells: list[CellFade]
    inputs: list[list[float]]
    hidden_size: int
    seed: int
    regime: str
    recurrent_scale: float
    keep_bias: float
    clip: float | None
    nonlinearity: str = "tanh"  # of the rnn cell

    @property
    def steps(self) -> int:
        return len(self.inputs)

    def get(self, cell: str) -> CellFade:
        for c in self.cells:
            if c.cell == cell:
                return c
        raise InvalidInput(
            f"this report has no {cell!r} cell; it has {[c.cell for c in self.cells]}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "hidden_size": self.hidden_size,
            "seed": self.seed,
            "regime": self.regime,
            "recurrent_scale": self.recurrent_scale,
            "keep_bias": self.keep_bias,
            "clip": self.clip,
            "nonlinearity": self.nonlinearity,
            "inputs": self.inputs,
            "cells": [asdict(c) for c in self.cells],
        }

    def summary_markdown(self) -> str:
        """A short paragraph a learner can read, plus a compact table."""
        return fade_summary_markdown(self)


def _when(step: int | None, total: int, level: str) -> str:
    if step is None:
        return f"stays above {level} for all {total} steps"
    return f"falls below {level} at step {step}"


def fade_summary_markdown(report: FadeReport) -> str:
    """A learner-friendly paragraph and a compact table for a ``FadeReport``."""
    T = report.steps
    parts = []
    for c in report.cells:
        if c.peak > 1.5:
            parts.append(
                f"in the {c.cell.upper()} the first input's influence *grows* to {c.peak:.3g}× "
                f"its starting size by step {c.peak_step} (exploding gradients)"
            )
        else:
            parts.append(
                f"the {c.cell.upper()}'s memory of x_1 {_when(c.half_life, T, 'half')} and "
                f"{_when(c.tenth_step, T, '10 %')}"
            )
    para = f"Feeding the same sequence of {T} inputs to each cell: " + "; ".join(parts) + "."
    rnn = next((c for c in report.cells if c.cell == "rnn"), None)
    if rnn is not None:
        factor = rnn.spectral_radius * rnn.mean_tanh_slope
        slope = (
            "tanh slope"
            if report.nonlinearity == "tanh"
            else "relu slope, the share of active units"
        )
        para += (
            f" At every step the RNN multiplies the signal by W_hh (spectral radius "
            f"{rnn.spectral_radius:.2f}) and by the {slope} (mean {rnn.mean_tanh_slope:.2f})"
        )
        if rnn.peak > 1.5 and report.nonlinearity == "relu":
            para += ": relu never saturates, so nothing stops the growth."
        elif rnn.peak > 1.5:
            para += (
                ": while h is small the slope is near 1 and a radius above 1 makes the influence "
                "grow; once tanh saturates the slope collapses and it shrinks again."
            )
        else:
            # The measured average shrink per step, so the sentence agrees with the
            # half-life and 10 % columns (the radius × slope product is only the long-run rate).
            n = min(rnn.tenth_step or T, T)
            kept = rnn.influence[n - 1] ** (1.0 / (n - 1)) if n > 1 else 1.0
            para += (
                f". Measured over the first {n} steps, the influence kept on average "
                f"{kept:.2f} of itself per step, and a product of such factors shrinks "
                f"geometrically (radius × slope, {factor:.2f}, is the long-run rate)."
            )
    if any(c.mean_keep_gate is not None for c in report.cells):
        para += (
            " Gated cells keep a share of the old state directly (the LSTM's forget gate f, "
            "the GRU's update gate z), so little is lost per step when that gate is near 1."
        )
    if report.clip is not None:
        para += (
            f" With gradient clipping at {report.clip:g}, any gradient larger than that is "
            "scaled down to it: the direction is kept and training stays stable, but clipping "
            "cannot bring back a gradient that has already vanished."
        )
        for c in report.cells:
            biggest = max(c.raw)
            if biggest > report.clip:
                para += f" The {c.cell.upper()}'s largest gradient, {biggest:.3g}, is cut to {report.clip:g}."
    rows = ["| cell | half-life | 10 % step | peak | spectral radius | mean slope | keep gate |"]
    rows.append("|---|---|---|---|---|---|---|")
    for c in report.cells:
        keep = f"{c.mean_keep_gate:.2f}" if c.mean_keep_gate is not None else "–"
        rows.append(
            f"| {c.cell} | {c.half_life or f'> {T}'} | {c.tenth_step or f'> {T}'} | "
            f"{c.peak:.3g} | {c.spectral_radius:.2f} | {c.mean_tanh_slope:.2f} | {keep} |"
        )
    return para + "\n\n" + "\n".join(rows)
