"""Loading weight files into a model, with one-line errors instead of tracebacks (sources: ``sources.py``)."""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path

import torch
from torch import nn

from ..errors import DeepDreamError
from ..files import first_line

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: ONNX files (protobuf) have no signature: they are told by their suffix.
ONNX_SUFFIX = ".onnx"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_hdf5(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE


#: Keys under which training scripts commonly nest a model's state dict (``{"state_dict": ...}``).
STATE_DICT_WRAPPERS = ("state_dict", "model")
#: What ``nn.DataParallel`` and ``DistributedDataParallel`` put before every key.
PARALLEL_PREFIX = "module."
#: BatchNorm's counter, absent from files saved before PyTorch 0.4.1 (torchvision's InceptionV3 file):
#: torch's own loader fills it, and it plays no part in inference.
BATCH_COUNTER = "num_batches_tracked"


def load_state_dict(model: nn.Module, path: Path, model_name: str) -> None:
    """Load a checkpoint file into ``model``, accepting what ``torch.load`` + ``load_state_dict`` would.

    Files saved before BatchNorm counted batches (no ``num_batches_tracked``), from ``DataParallel``
    (``module.`` prefixes) or inside a training checkpoint (``{"state_dict": ...}``, ``{"model": ...}``)
    load as they are; anything else that does not match is reported in one line.
    """
    state = _tensors_of(_read_checkpoint(path), path)
    expected = model.state_dict()
    for key, value in expected.items():  # as torch's BatchNorm does for files saved without counters
        if key.rsplit(".", 1)[-1] == BATCH_COUNTER:
            state.setdefault(key, value.clone())
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
    if wrong_shape:
        k = wrong_shape[0]
        problems.append(
            f"{len(wrong_shape)} tensors of the wrong shape (e.g. {k}: {tuple(state[k].shape)} "
            f"instead of {tuple(expected[k].shape)})"
        )
    if problems:
        raise DeepDreamError(f"{path} does not match {model_name}: {'; '.join(problems)}")
    model.load_state_dict(state, strict=True)


def _read_checkpoint(path: Path) -> object:
    """``torch.load`` without running pickled code; a whole pickled model is named as such."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        if found is None:
            raise DeepDreamError(f"{path} is not a PyTorch checkpoint ({first_line(exc)})") from None
        raise DeepDreamError(
            f"{path} holds pickled Python objects ({found.group(1)}), such as a whole model saved with "
            "torch.save(model), which are not loaded for safety: save torch.save(model.state_dict(), FILE) "
            "where the model was made and pass that file"
        ) from None
    except Exception as exc:  # torch raises many types for a bad file; all mean the same to the user
        raise DeepDreamError(f"{path} is not a PyTorch checkpoint ({first_line(exc)})") from None


def _tensors_of(state: object, path: Path) -> dict[str, torch.Tensor]:
    """The state dict inside a checkpoint: unwrapped from a training dict, without DataParallel's prefix."""
    for key in STATE_DICT_WRAPPERS:
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DeepDreamError(f"{path} does not hold a state dict of tensors")
    if state and all(isinstance(k, str) and k.startswith(PARALLEL_PREFIX) for k in state):
        return {k.removeprefix(PARALLEL_PREFIX): v for k, v in state.items()}
    return dict(state)
