"""An objective read through a network: the scalar the engine climbs, for the whole image or one tile of it.

Tiled gradients (``gradients.py``) need more than a function of the input: where each layer's map of a tile
lies in the whole image's map (:meth:`NetworkObjective.maps`), and what a step costs in memory, to choose
between the whole image and tiles (:attr:`NetworkObjective.planner`, ``memory.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .memory import TilePlanner
from .models.base import LOGITS, STRIDE_STEP, DreamNet
from .objectives import Objective
from .precision import autocast_dtype


@dataclass(frozen=True)
class MapGeometry:
    """A layer's map for a given input: its stride in input pixels and its height and width."""

    stride: int
    size: tuple[int, int]


class NetworkObjective:
    """``objective`` on the activations of ``net``; ``dtype`` runs the network in that precision (autocast).

    Calling it on an input gives the objective of the whole input; the tiled path computes a tile's
    :meth:`activations` once and evaluates ``objective`` on them through two sets of windows.
    """

    def __init__(self, net: DreamNet, objective: Objective, dtype: torch.dtype | None = None) -> None:
        self.net = net
        self.objective = objective
        self.dtype = dtype
        self.planner = TilePlanner(self)
        self._maps: dict[tuple[int, int], dict[str, MapGeometry]] = {}

    def __call__(self, x: Tensor) -> Tensor:
        return self.objective(self.activations(x))

    def activations(self, x: Tensor) -> dict[str, Tensor]:
        """The layers the objective reads (and, for class scores, the classifier's input), in fp32."""
        if self.dtype is None:
            return self.net.activations(x, self.objective.layers)
        with torch.autocast(x.device.type, dtype=self.dtype):
            activations = self.net.activations(x, self.objective.layers)
        return {name: act.float() for name, act in activations.items()}

    def map_layer(self, name: str) -> str:
        """The layer whose map a term covers: itself, or for class scores the layer the classifier pools."""
        return self.net.top_layer if name == LOGITS else name

    def maps(self, height: int, width: int) -> dict[str, MapGeometry]:
        """Stride and size of the map of each layer the objective reads, for a ``height`` x ``width`` input.

        Measured on a small input of the same size modulo ``STRIDE_STEP``: inputs that differ by a multiple
        of it have maps that differ by that multiple over the stride, padded or not.
        """
        if (height, width) not in self._maps:
            names = {name: self.map_layer(name) for name in self.objective.layers}
            strides = {info.name: info.stride for info in self.net.layer_table()}
            smallest = max(self.net.min_input_side, 2 * STRIDE_STEP)
            probe = [min(side, smallest + (side - smallest) % STRIDE_STEP) for side in (height, width)]
            param = next(self.net.parameters())
            with torch.no_grad():
                acts = self.net.activations(param.new_zeros(1, 3, *probe), set(names.values()))
            geometry = {}
            for name, layer in names.items():
                stride = strides[self.net.resolve_layer(layer)]
                rows, cols = acts[layer].shape[-2:]
                geometry[name] = MapGeometry(stride, (rows + (height - probe[0]) // stride,
                                                      cols + (width - probe[1]) // stride))
            self._maps[height, width] = geometry
        return self._maps[height, width]


def objective_function(net: DreamNet, objective: Objective, precision: str = "fp32") -> NetworkObjective:
    """The scalar to maximise as a function of the network input, with the network in ``precision`` (``fp32`` or
    ``bf16``: resolved, see ``precision.resolve``); the objective itself is summed in fp32."""
    return NetworkObjective(net, objective, autocast_dtype(precision))
