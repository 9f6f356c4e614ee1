"""Small SVG pictures of the lab's results, for the widget and chat surfaces with images.

``hidden_heatmap_svg(trace)`` shows every hidden unit over time, ``fade_curve_svg(report)``
the first input's influence for rnn, lstm and gru on one log-scale axis, and
``gates_svg(trace)`` the gates of an LSTM or GRU over time. Figures are built with
matplotlib's object API on an Agg canvas created inside each function (no pyplot, no
global backend, safe in threads), written as SVG with text kept as text
(``svg.fonttype = none``) and long series thinned, so each picture stays under 60 KB.
They are drawn for a phone: a figure as wide as the widget shows it on a 360 px screen
(about 320 px), with text in points equal to the pixels it gets there (12, titles 13),
long titles on two lines, and an axis of a few units or steps labelled at each one.
``hidden_heatmap_png``, ``fade_curve_png`` and ``gates_png`` draw the same figures as PNG
bytes (about 700 px wide, under 150 KB) for Slack and Discord, which do not show SVG inline.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from core.errors import InvalidInput
from tools.cells import GATE_NAMES
from tools.trace import Trace

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

    from tools.fade_report import FadeReport

WIDTH_IN = 4.5  # 324 pt: about the 320 px a plot gets in the widget on a 360 px phone
TEXT_PT = 12.0  # tick labels, axis labels, legends: ~12 px on that phone
TITLE_PT = 13.0
PNG_DPI = 155  # a 4.5-inch figure is ~700 px wide: sharp in Slack and Discord, under 150 KB
FEW = 12  # an axis of at most this many units or steps gets a tick at each one
MAX_POINTS = 300  # per line
MAX_CELLS = (64, 200)  # heatmap rows (units) x columns (steps)
GATE_TITLES = {  # short enough for one line of a phone-wide figure
    "i": "input gate i: how much new is written",
    "f": "forget gate f: how much old memory is kept",
    "g": "candidate g: the new information",
    "o": "output gate o: how much memory h shows",
    "r": "reset gate r: old state in the candidate",
    "z": "update gate z: how much old state is kept",
    "n": "candidate n: the new information",
}
COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c"}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=72, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _svg(fig: Figure) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rnn-tutor"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buf.getvalue()


def _unit_ticks(axis: Axis, n: int) -> None:
    """Integer ticks on an axis of n units or steps drawn from 0.5 to n + 0.5: each one when
    there are few (a single unit is one labelled row, not 0.6 ... 1.4), else a handful."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if n <= FEW:
        axis.set_major_locator(FixedLocator(list(range(1, n + 1))))
    else:
        axis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def _thin(n: int, most: int) -> np.ndarray:
    """Indices of at most ``most`` evenly spaced points out of n, always keeping the last."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def _blocks(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Average an (R, C) array down to at most (rows, cols) blocks."""
    r_edges = np.linspace(0, a.shape[0], min(rows, a.shape[0]) + 1).astype(int)
    c_edges = np.linspace(0, a.shape[1], min(cols, a.shape[1]) + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(a, r_edges[:-1], axis=0), c_edges[:-1], axis=1)
    means: np.ndarray = sums / np.outer(np.diff(r_edges), np.diff(c_edges))  # (rows', cols')
    return means


def _hidden_heatmap(trace: Trace) -> Figure:
    data = _blocks(trace.hs.T, *MAX_CELLS)  # (H', T')
    limit = max(1.0, float(np.abs(data).max())) if trace.nonlinearity == "relu" else 1.0
    fig = _figure(WIDTH_IN, 3.2)
    ax = fig.add_subplot()
    T, H = trace.steps, trace.hidden_size
    image = ax.imshow(
        data,
        aspect="auto",
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        interpolation="none",
        extent=(0.5, T + 0.5, H + 0.5, 0.5),
    )
    ax.set_title(
        f"What the {trace.cell.upper()} remembers:\nhidden state h_t over time", fontsize=TITLE_PT
    )
    ax.set_xlabel("time step t", fontsize=TEXT_PT)
    ax.set_ylabel("hidden unit", fontsize=TEXT_PT)
    _unit_ticks(ax.xaxis, T)
    _unit_ticks(ax.yaxis, H)
    ax.tick_params(labelsize=TEXT_PT)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label("value of h_t", fontsize=TEXT_PT)
    bar.ax.tick_params(labelsize=TEXT_PT)
    return fig


def hidden_heatmap_svg(trace: Trace) -> str:
    """A heatmap of every hidden unit h_t[j] (rows) over the steps t (columns)."""
    return _svg(_hidden_heatmap(trace))


def hidden_heatmap_png(trace: Trace) -> bytes:
    """The same heatmap as a PNG, for chat apps that do not show SVG (Slack, Discord)."""
    return _png(_hidden_heatmap(trace))


def _fade_curve(report: FadeReport) -> Figure:
    from matplotlib.ticker import FormatStrFormatter

    fig = _figure(WIDTH_IN, 3.6)
    ax = fig.add_subplot()
    for c in report.cells:
        curve = np.maximum(np.asarray(c.influence), 1e-12)
        idx = _thin(curve.size, MAX_POINTS)
        ax.semilogy(idx + 1, curve[idx], label=c.cell.upper(), color=COLORS.get(c.cell), lw=2)
    for level, text in ((0.5, "half"), (0.1, "10 %")):
        ax.axhline(level, color="grey", ls="--", lw=0.8)
        ax.text(
            0.99,
            level,
            text,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            color="grey",
            fontsize=TEXT_PT,
        )
    ax.set_title("How long does the first input\nstay in memory?", fontsize=TITLE_PT)
    ax.set_xlabel("time step t", fontsize=TEXT_PT)
    ax.set_ylabel("influence of x_1 on h_t\n(step 1 = 1)", fontsize=TEXT_PT)
    # Plain numbers (0.1, 0.01): the default 10^-1 has a superscript too small to read.
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.tick_params(labelsize=TEXT_PT)
    ax.legend(frameon=False, fontsize=TEXT_PT)
    ax.grid(True, which="major", alpha=0.3)
    return fig


def fade_curve_svg(report: FadeReport) -> str:
    """How much x_1 still moves h_t, for each cell, relative to step 1 (log scale)."""
    return _svg(_fade_curve(report))


def fade_curve_png(report: FadeReport) -> bytes:
    """The same fade curve as a PNG, for chat apps that do not show SVG (Slack, Discord)."""
    return _png(_fade_curve(report))


def _gates(trace: Trace) -> Figure:
    names = GATE_NAMES[trace.cell]
    if not names:
        raise InvalidInput("gate plots need an lstm or gru trace; a plain rnn has no gates")
    fig = _figure(WIDTH_IN, 1.3 * len(names) + 0.9)
    axes = fig.subplots(len(names), 1, sharex=True)
    idx = _thin(trace.steps, MAX_POINTS // 4)  # a band and a line per gate
    t = idx + 1
    for ax, name in zip(axes, names, strict=True):
        values = trace.gate(name)[idx]  # (T', H)
        ax.fill_between(t, values.min(axis=1), values.max(axis=1), alpha=0.25, lw=0)
        ax.plot(t, values.mean(axis=1), lw=1.5)
        ax.set_ylim(-1.05 if name in ("g", "n") else -0.05, 1.05)
        ax.set_title(GATE_TITLES[name], fontsize=TEXT_PT, loc="left")
        ax.locator_params(axis="y", nbins=3)
        ax.tick_params(labelsize=TEXT_PT)
    _unit_ticks(axes[-1].xaxis, trace.steps)
    axes[-1].set_xlabel("time step t\n(line: mean over units, band: min to max)", fontsize=TEXT_PT)
    fig.suptitle(f"{trace.cell.upper()} gates over time", fontsize=TITLE_PT)
    return fig


def gates_svg(trace: Trace) -> str:
    """Each gate of an LSTM or GRU over time: the mean over units, with the min-max band."""
    return _svg(_gates(trace))


def gates_png(trace: Trace) -> bytes:
    """The same gate plot as a PNG, for chat apps that do not show SVG (Slack, Discord)."""
    return _png(_gates(trace))
