"""SVG and PNG plots (valid, small, titled, readable on a phone) and the Markdown
renderings of traces."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from core.errors import InvalidInput
from tools import plots
from tools.fade import memory_fade
from tools.lab_requests import run_trace_request
from tools.plots import (
    fade_curve_png,
    fade_curve_svg,
    gates_png,
    gates_svg,
    hidden_heatmap_png,
    hidden_heatmap_svg,
)
from tools.text import trace_table_markdown, worked_steps_markdown
from tools.trace import forward, init_weights

SVG_NS = "{http://www.w3.org/2000/svg}"
LIMIT = 60_000
PNG_LIMIT = 150_000


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return " ".join("".join(el.itertext()) for el in root.iter(f"{SVG_NS}text"))


@pytest.fixture(scope="module")
def big_lstm():
    """A trace far larger than one HTTP answer may be (the plots must still cope): run
    by the lab itself, not through the request budget of ``run_trace_request``."""
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(2000, 16))
    return forward("lstm", inputs, init_weights("lstm", 16, 256, rng))


def test_heatmap_is_valid_small_and_titled(big_lstm):
    small = run_trace_request({"inputs": [0.5, -1, 0.25, 1], "hidden_size": 3})
    for trace in (small, big_lstm):
        svg = hidden_heatmap_svg(trace)
        assert len(svg.encode()) < LIMIT
        text = _texts(svg)
        assert "hidden state h_t over time" in text and "time step t" in text
        assert "hidden unit" in text


def test_gates_plot_for_lstm_and_gru(big_lstm):
    gru = run_trace_request({"cell": "gru", "inputs": [0.5, -1, 0.25], "hidden_size": 2})
    for trace, words in ((big_lstm, "forget gate f"), (gru, "update gate z")):
        svg = gates_svg(trace)
        assert len(svg.encode()) < LIMIT
        assert words in _texts(svg) and "gates over time" in _texts(svg)
    with pytest.raises(InvalidInput, match="no gates"):
        gates_svg(run_trace_request({"inputs": [1.0]}))


def test_fade_curve_is_valid_and_labelled():
    for report in (memory_fade(), memory_fade(steps=2000, hidden_size=16)):
        svg = fade_curve_svg(report)
        assert len(svg.encode()) < LIMIT
        text = _texts(svg)
        assert "How long does the first input stay in memory?" in text
        assert all(name in text for name in ("RNN", "LSTM", "GRU"))
        assert "influence of x_1" in text


# The width a plot is shown at in the widget on a 360 px phone (the panel is the whole
# screen; the log's and the bubble's padding take the rest), and the smallest text size
# we call readable there.
SHOWN_PX = 320
READABLE_PX = 11


def _font_px(svg: str) -> list[tuple[str, float]]:
    """(text, size in px as shown SHOWN_PX wide) of every text in an SVG plot."""
    root = ET.fromstring(svg)
    scale = SHOWN_PX / float(root.get("viewBox", "").split()[2])
    out = []
    for el in root.iter(f"{SVG_NS}text"):
        size = re.search(r"font-size:\s*([\d.]+)px", el.get("style", ""))
        assert size, el.get("style")
        out.append(("".join(el.itertext()), float(size.group(1)) * scale))
    return out


def _svgs(big_lstm) -> dict[str, str]:
    tiny = run_trace_request({"inputs": [1, 0, 0], "hidden_size": 1})
    gru = run_trace_request({"cell": "gru", "inputs": [0.5, -1, 0.25], "hidden_size": 2})
    return {
        "one-unit heatmap": hidden_heatmap_svg(tiny),
        "big heatmap": hidden_heatmap_svg(big_lstm),
        "gru gates": gates_svg(gru),
        "lstm gates": gates_svg(big_lstm),
        "fade": fade_curve_svg(memory_fade()),
        "long fade": fade_curve_svg(memory_fade(steps=2000, hidden_size=16)),
    }


def test_every_text_of_every_plot_is_readable_at_phone_width(big_lstm):
    """The widget shows a plot ~320 px wide on a 360 px phone; 10 pt text in a 6.4-inch
    figure came out at ~7 px there. Every label, tick, legend and title is >= 11 px."""
    for name, svg in _svgs(big_lstm).items():
        sizes = _font_px(svg)
        assert len(sizes) >= 8, name  # ticks, labels and a title at least
        small = [(text, round(px, 1)) for text, px in sizes if px < READABLE_PX]
        assert not small, (name, small)
        assert max(px for _, px in sizes) >= 12, name  # the title stands out


def test_no_text_of_a_plot_is_cut_off_at_its_edges(big_lstm):
    """Bigger text in a phone-wide figure must still fit: long titles wrap, gate titles
    are short. Drawn tick labels, labels, titles and legends lie inside the figure."""
    tiny = run_trace_request({"inputs": [1, 0, 0], "hidden_size": 1})
    gru = run_trace_request({"cell": "gru", "inputs": [0.5, -1, 0.25], "hidden_size": 2})
    figures = [
        plots._hidden_heatmap(tiny),
        plots._hidden_heatmap(big_lstm),
        plots._gates(gru),
        plots._gates(big_lstm),
        plots._fade_curve(memory_fade()),
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        hidden = {  # tick labels matplotlib keeps for ticks outside the view, not drawn
            id(label)
            for ax in fig.axes
            for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim()))
            for tick in axis.get_major_ticks()
            if not min(lim) - 1e-9 <= tick.get_loc() <= max(lim) + 1e-9
            for label in (tick.label1, tick.label2)
        }
        texts = [
            t
            for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
            if t.get_visible() and t.get_text() and id(t) not in hidden
        ]
        assert len(texts) >= 8
        for t in texts:
            box = t.get_window_extent(renderer)
            assert fig.bbox.x0 - 0.5 <= box.x0 and box.x1 <= fig.bbox.x1 + 0.5, t.get_text()
            assert fig.bbox.y0 - 0.5 <= box.y0 and box.y1 <= fig.bbox.y1 + 0.5, t.get_text()


def _tick_labels(svg: str, axis: str) -> list[str]:
    """The tick labels of the main axes' x or y axis (``axes_1``; a colorbar is another)."""
    root = ET.fromstring(svg)
    main = next(g for g in root.iter(f"{SVG_NS}g") if g.get("id") == "axes_1")
    number = {"x": "matplotlib.axis_1", "y": "matplotlib.axis_2"}[axis]
    group = next(g for g in main.iter(f"{SVG_NS}g") if g.get("id") == number)
    return [
        "".join(t.itertext())
        for tick in group.iter(f"{SVG_NS}g")
        if (tick.get("id") or "").startswith(f"{axis}tick_")
        for t in tick.iter(f"{SVG_NS}text")
    ]


def test_a_one_unit_heatmap_is_one_labelled_row_and_steps_are_whole_numbers():
    """A single hidden unit got y ticks 0.6, 0.8, ..., 1.4 (and one step the same on x)."""
    one = hidden_heatmap_svg(run_trace_request({"inputs": [1, 0, 0], "hidden_size": 1}))
    assert _tick_labels(one, "y") == ["1"] and "hidden unit" in _texts(one)
    assert _tick_labels(one, "x") == ["1", "2", "3"]
    single_step = hidden_heatmap_svg(run_trace_request({"inputs": [1], "hidden_size": 1}))
    assert _tick_labels(single_step, "x") == ["1"] and _tick_labels(single_step, "y") == ["1"]
    three = hidden_heatmap_svg(run_trace_request({"inputs": [1, 0], "hidden_size": 3}))
    assert _tick_labels(three, "y") == ["1", "2", "3"]
    many = hidden_heatmap_svg(run_trace_request({"inputs": [0.1] * 40, "hidden_size": 30}))
    for axis, top in (("x", 40), ("y", 30)):
        labels = _tick_labels(many, axis)
        assert 3 <= len(labels) <= 7  # a handful, whole numbers within the axis
        assert all(label.isdigit() and 1 <= int(label) <= top for label in labels), labels


def test_plots_are_deterministic():
    trace = run_trace_request({"cell": "gru", "inputs": [1, 2, 3], "hidden_size": 2})
    assert gates_svg(trace) == gates_svg(trace)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    assert len(png) < PNG_LIMIT
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_every_plot_also_draws_a_small_readable_png(big_lstm):
    small = run_trace_request({"inputs": [0.5, -1, 0.25, 1], "hidden_size": 3})
    gru = run_trace_request({"cell": "gru", "inputs": [0.5, -1, 0.25], "hidden_size": 2})
    pngs = [
        hidden_heatmap_png(small),
        hidden_heatmap_png(big_lstm),
        gates_png(big_lstm),
        gates_png(gru),
        fade_curve_png(memory_fade()),
        fade_curve_png(memory_fade(steps=2000, hidden_size=16)),
    ]
    for png in pngs:
        width, height = _png_size(png)
        assert 600 <= width <= 800 and 300 <= height <= 1000  # ~700 px wide at 155 dpi
    assert gates_png(gru) == pngs[3]  # deterministic, like the SVG
    with pytest.raises(InvalidInput, match="no gates"):
        gates_png(run_trace_request({"inputs": [1.0]}))


def test_png_does_not_change_the_svg():
    trace = run_trace_request({"cell": "lstm", "inputs": [1, -1, 0.5], "hidden_size": 2})
    before = hidden_heatmap_svg(trace), gates_svg(trace)
    hidden_heatmap_png(trace), gates_png(trace)
    assert (hidden_heatmap_svg(trace), gates_svg(trace)) == before
    assert "<svg" in before[0] and "PNG" not in before[1][:100]


def test_trace_table_has_four_decimals_and_elides_long_traces():
    trace = run_trace_request(
        {"inputs": [1.0, 0.5], "weights": {"weight_ih": [[0.5]], "weight_hh": [[0.8]]}}
    )
    table = trace_table_markdown(trace)
    h1 = np.tanh(0.5)
    assert f"| 1 | 1.0000 | 0.5000 | {h1:.4f} |" in table
    assert f"| 2 | 0.5000 | {0.25 + 0.8 * h1:.4f} |" in table
    long = trace_table_markdown(
        run_trace_request({"cell": "lstm", "inputs": [0.1] * 100, "hidden_size": 8})
    )
    lines = [line for line in long.splitlines() if line.startswith("| ")]
    assert len(lines) == 21 and "| … |" in long and long.splitlines()[-1].startswith("| 100 |")
    assert "gate f" in long and ", …]" in long  # 8 units shown as the first 4


def test_worked_steps_substitute_numbers():
    trace = run_trace_request(
        {
            "inputs": [1.0, -0.5],
            "weights": {"weight_ih": [[0.5]], "weight_hh": [[0.8]], "bias_ih": [0.1]},
        }
    )
    text = worked_steps_markdown(trace)
    h1 = np.tanh(0.6)
    assert (
        "a_1 = W_xh·x_1 + W_hh·h_0 + b = 0.5000·1.0000 + 0.8000·0.0000 + 0.1000 = **0.6000**"
        in text
    )
    assert f"h_1 = tanh(0.6000) = **{h1:.4f}**" in text
    assert f"0.5000·(-0.5000) + 0.8000·{h1:.4f}" in text
    lstm = worked_steps_markdown(
        run_trace_request({"cell": "lstm", "inputs": [1, 2], "hidden_size": 1})
    )
    assert "c_1 = f·c_0 + i·g" in lstm
