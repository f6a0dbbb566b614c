"""What every dreamable network offers: named layers, run in order, stopping at the deepest one needed."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import torch
from torch import Tensor, nn

from ..errors import DeepDreamError
from .registry import LayerInfo

#: Name of the classifier's output (ImageNet logits, N x 1000) among a model's activations.
LOGITS = "logits"
#: Input side used to measure each layer's channels and stride (divisible by 32, small enough to be quick).
_PROBE_SIDE = 320
#: The largest stride of any network here. Inputs this much apart give maps 32/stride positions apart,
#: with or without padding, which measures the stride exactly (valid convolutions shrink maps by a few
#: positions, so the probe side over the map side does not).
STRIDE_STEP = 32


class DreamNet(nn.Module):
    """A convnet seen as an ordered list of named stages whose outputs can be dreamed on.

    Subclasses build their modules with the state-dict keys of the standard weight files, then
    call :meth:`_set_stages` with ``(name, callable)`` pairs in forward order, and optionally *taps*:
    modules inside a stage (an inception block's branches) whose outputs are dreamable too.
    ``pixel_mean`` and ``pixel_std`` (one value, or one per RGB channel) map 0..255 RGB to the network's
    input space: ``(x - mean) / std``.
    """

    pixel_mean: float | tuple[float, float, float] = 127.5
    pixel_std: float | tuple[float, float, float] = 127.5
    #: Smallest input side the network accepts (valid convolutions shrink small inputs to nothing).
    min_input_side: int = 1
    #: SHA-256 of the loaded weights file (None for random weights); recorded in output metadata.
    weights_sha256: str | None = None
    #: The layer the classifier reads (see :meth:`logits_from`).
    top_layer: str
    #: False when the weights came without the classifier (Keras "notop" files): no class objectives then.
    has_classifier: bool = True
    #: What a class objective is told when there is no classifier (a loader may say more about its file).
    no_classifier = "these weights have no classifier (a 'notop' file): class objectives need the model's full weights"

    def logits_from(self, top: Tensor) -> Tensor:
        """ImageNet logits (N x 1000) from the activation of :attr:`top_layer`."""
        raise NotImplementedError

    def classify(self, x: Tensor) -> Tensor:
        """ImageNet logits for a batch in the network's input space."""
        return self.activations(x, [LOGITS])[LOGITS]

    def _set_stages(
        self,
        stages: Iterable[tuple[str, Callable[[Tensor], Tensor]]],
        aliases: Mapping[str, str] | None = None,
        taps: Mapping[str, tuple[str, nn.Module]] | None = None,
    ) -> None:
        """``taps`` maps a layer name to (the stage that computes it, the module whose output it is)."""
        self._stages = list(stages)
        self._stage_index = {name: i for i, (name, _) in enumerate(self._stages)}
        self._taps = dict(taps or {})
        self._aliases = dict(aliases or {})
        self._layer_table: list[LayerInfo] | None = None

    @property
    def layer_names(self) -> list[str]:
        """Canonical names of the dreamable layers, shallowest first (a stage's taps follow it)."""
        names = []
        for stage, _ in self._stages:
            names.append(stage)
            names.extend(tap for tap, (tap_stage, _) in self._taps.items() if tap_stage == stage)
        return names

    @property
    def stage_names(self) -> list[str]:
        """The layers that are whole stages (blocks), without the branches inside them."""
        return [name for name, _ in self._stages]

    def _stage_of(self, canonical: str) -> int:
        return self._stage_index[self._taps[canonical][0] if canonical in self._taps else canonical]

    def resolve_layer(self, name: str) -> str:
        """The canonical name for ``name`` (or an alias of it); a one-line error with suggestions otherwise."""
        if name in self._stage_index or name in self._taps or name == LOGITS:
            return name
        if name in self._aliases:
            return self._aliases[name]
        known = [*self._stage_index, *self._taps, *self._aliases]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; valid names: {_summarise(self.layer_names)}"
        raise DeepDreamError(f"unknown layer {name!r} for this model{hint}")

    def activations(self, x: Tensor, names: Iterable[str]) -> dict[str, Tensor]:
        """Activations of the requested layers (canonical names or aliases, or ``LOGITS``), keyed as requested.

        The forward pass stops after the deepest requested layer, so deep unused stages cost nothing.
        """
        self.check_input_side(x.shape[-2], x.shape[-1])
        names = list(names)
        if LOGITS in names:
            self.check_classifier()
            names = [name for name in names if name != LOGITS]
            found = self.activations(x, [*names, self.top_layer])
            found[LOGITS] = self.logits_from(found[self.top_layer])
            return found
        wanted: dict[str, list[str]] = {}
        for name in names:
            wanted.setdefault(self.resolve_layer(name), []).append(name)
        if not wanted:
            return {}
        last = max(self._stage_of(canonical) for canonical in wanted)
        found: dict[str, Tensor] = {}

        def keep(canonical: str, output: Tensor) -> None:
            for requested in wanted[canonical]:
                found[requested] = output

        hooks = [
            self._taps[tap][1].register_forward_hook(lambda _m, _i, out, tap=tap: keep(tap, out))
            for tap in wanted if tap in self._taps
        ]
        try:
            for name, stage in self._stages[: last + 1]:
                x = stage(x)
                if name in wanted:
                    keep(name, x)
        finally:
            for hook in hooks:
                hook.remove()
        return found

    def check_classifier(self) -> None:
        """Refuse class objectives when the weights came without the classifier."""
        if not self.has_classifier:
            raise DeepDreamError(self.no_classifier)

    def channel_count(self, name: str) -> int:
        """Channels of a dreamable layer (not ``LOGITS``); a one-line error otherwise."""
        canonical = self.resolve_layer(name)
        if canonical == LOGITS:
            raise DeepDreamError(f"{LOGITS!r} is the classifier's output, not a layer with channels; "
                                 "use logit(CLASS) for a class")
        return next(info.channels for info in self.layer_table() if info.name == canonical)

    def layer_table(self) -> list[LayerInfo]:
        """Every dreamable layer with its channels and stride, measured once with a probe input.

        The probe is ``STRIDE_STEP`` px wider than high: the difference of its maps' width and height
        gives the stride (the networks treat rows and columns alike).
        """
        if self._layer_table is None:
            param = next(self.parameters())
            probe = torch.zeros(1, 3, _PROBE_SIDE, _PROBE_SIDE + STRIDE_STEP, device=param.device, dtype=param.dtype)
            with torch.no_grad():
                acts = self.activations(probe, self.layer_names)
            aliases: dict[str, list[str]] = {}
            for alias, canonical in self._aliases.items():
                aliases.setdefault(canonical, []).append(alias)
            self._layer_table = [
                LayerInfo(name, tuple(aliases.get(name, ())), acts[name].shape[1],
                          STRIDE_STEP // (acts[name].shape[-1] - acts[name].shape[-2]))
                for name in self.layer_names
            ]
        return self._layer_table

    def _pixel_stats(self, like: Tensor) -> tuple[Tensor, Tensor]:
        mean, std = (like.new_tensor(v).reshape(-1, 1, 1) for v in (self.pixel_mean, self.pixel_std))
        return mean, std

    def to_input(self, pixels: Tensor) -> Tensor:
        """0..255 RGB (N x 3 x H x W) -> the network's input space, in place."""
        mean, std = self._pixel_stats(pixels)
        return pixels.sub_(mean).div_(std)

    def to_pixels(self, x: Tensor) -> Tensor:
        """Inverse of :meth:`to_input`, in place."""
        mean, std = self._pixel_stats(x)
        return x.mul_(std).add_(mean)

    def load_keras_weights(self, path: Path) -> None:
        """Fill the model from a Keras HDF5 weights file; only models with a Keras counterpart can."""
        raise DeepDreamError(f"{path}: Keras HDF5 weights can be loaded for inception_v3 only")

    def load_onnx_weights(self, path: Path) -> None:
        """Fill the model from an ONNX file's tensors; only models with a known ONNX export can."""
        raise DeepDreamError(f"{path}: ONNX weights can be loaded for vgg16 only")

    def conv_bn_pairs(self) -> Iterator[tuple[nn.Module, str, str]]:
        """``(owner, conv attribute, batch-norm attribute)`` for each convolution followed by a batch norm."""
        return iter(())

    def fold_batch_norms(self) -> None:
        """Fold each inference-mode batch norm into the convolution before it (exact up to rounding).

        Saves a third of a step on EfficientNet-Lite. Do it after loading weights: the state dict
        loses its batch-norm keys.
        """
        with torch.no_grad():
            for owner, conv_name, bn_name in list(self.conv_bn_pairs()):
                conv, bn = getattr(owner, conv_name), getattr(owner, bn_name)
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                bias = bn.bias - bn.running_mean * scale
                if conv.bias is not None:
                    bias = bias + conv.bias * scale
                conv.weight.mul_(scale.reshape(-1, 1, 1, 1))
                conv.bias = nn.Parameter(bias)
                setattr(owner, bn_name, nn.Identity())

    def check_input_side(self, height: int, width: int) -> None:
        """Refuse an input the network cannot process, in one line, before it fails deep inside a convolution."""
        if min(height, width) < self.min_input_side:
            raise DeepDreamError(
                f"{width}x{height} is too small for this model: it needs at least {self.min_input_side} px "
                "on each side (use a larger image or fewer octaves)"
            )


def _summarise(names: list[str], limit: int = 12) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... ({len(names)} in all; see 'deepdreamer layers')"


def frozen(model: nn.Module) -> nn.Module:
    """Put a model in inference mode with parameters that never receive gradients."""
    model.eval()
    model.requires_grad_(False)
    return model
