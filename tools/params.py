"""Parameter counts of RNN, LSTM and GRU layers, in PyTorch's layout.

A layer of ``cell`` with input size ``d`` and hidden size ``H`` stacks ``G`` gate blocks
(1 for the RNN, 3 for the GRU, 4 for the LSTM): ``weight_ih`` is ``(G*H, d)``,
``weight_hh`` is ``(G*H, H)``, and PyTorch adds two bias vectors, ``bias_ih`` and
``bias_hh``, of ``G*H`` each. Textbooks (and the lesson's equations) write one bias per
gate block, so both conventions are counted. Stacked layers read the layer below
(``H`` inputs, ``2H`` when bidirectional); a bidirectional layer has two directions with
their own weights. The count is exact integer arithmetic; ``tests/tools/test_params.py``
checks it against ``torch.nn.RNN/LSTM/GRU``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.errors import InvalidInput

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
MAX_SIZE = 1_000_000  # any layer a learner asks about; keeps the integers honest, not huge


@dataclass(frozen=True)
class LayerCount:
    layer: int
    input_size: int
    weight_ih: int  # per direction
    weight_hh: int
    bias: int  # one bias vector per gate block, per direction

    def total(self, directions: int, biases: int) -> int:
        return directions * (self.weight_ih + self.weight_hh + biases * self.bias)


@dataclass(frozen=True)
class ParamCount:
    cell: str
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    layers: tuple[LayerCount, ...]

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def pytorch(self) -> int:
        """Two bias vectors per gate block (``bias_ih`` and ``bias_hh``), as nn.RNN/LSTM/GRU."""
        return sum(layer.total(self.directions, 2) for layer in self.layers)

    @property
    def one_bias(self) -> int:
        """One bias vector per gate block, as the equations write it."""
        return sum(layer.total(self.directions, 1) for layer in self.layers)

    @property
    def no_bias(self) -> int:
        return sum(layer.total(self.directions, 0) for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "gates": GATES[self.cell],
            "pytorch": self.pytorch,
            "one_bias": self.one_bias,
            "no_bias": self.no_bias,
        }


def _size(value: object, name: str, lo: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}.")
    if not lo <= value <= MAX_SIZE:
        raise InvalidInput(f"{name} must be from {lo} to {MAX_SIZE:,}, got {value:,}.")
    return value


def parameter_count(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
) -> ParamCount:
    """The exact parameter count of ``torch.nn.<CELL>(input_size, hidden_size, ...)``."""
    if cell not in GATES:
        raise InvalidInput(f"unknown cell {cell!r}; use one of {', '.join(GATES)}.")
    d = _size(input_size, "input_size")
    H = _size(hidden_size, "hidden_size")
    L = _size(num_layers, "num_layers")
    if L > 64:
        raise InvalidInput(f"num_layers must be from 1 to 64, got {L}.")
    G = GATES[cell]
    directions = 2 if bidirectional else 1
    layers = []
    for layer in range(L):
        fan_in = d if layer == 0 else directions * H
        layers.append(LayerCount(layer, fan_in, G * H * fan_in, G * H * H, G * H))
    return ParamCount(cell, d, H, L, bool(bidirectional), tuple(layers))


@dataclass(frozen=True)
class DenseCount:
    """The first fully connected layer of an MLP over a window of word vectors: the
    ``window`` vectors of ``embedding_size`` numbers laid end to end, each number wired
    to every one of ``units`` units, plus one bias per unit."""

    window: int
    embedding_size: int
    units: int

    @property
    def inputs(self) -> int:
        return self.window * self.embedding_size

    @property
    def weights(self) -> int:
        return self.inputs * self.units

    @property
    def biases(self) -> int:
        return self.units

    @property
    def total(self) -> int:
        return self.weights + self.biases

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "inputs": self.inputs, "weights": self.weights,
                "biases": self.biases, "total": self.total}  # fmt: skip


def mlp_first_layer(window: int, embedding_size: int, units: int) -> DenseCount:
    """The exact parameter count of an MLP's first layer over a window of word vectors."""
    return DenseCount(
        _size(window, "window"), _size(embedding_size, "embedding_size"), _size(units, "units")
    )
