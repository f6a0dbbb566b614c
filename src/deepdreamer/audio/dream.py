"""The public audio dream: samples in, dreamed samples out, with everything needed to repeat it.

Two ways to dream a sound (``shared/reference/audio.md`` of the project's study measured both):

- **spectrogram** (any image model; default EfficientNet-Lite0): the log-magnitude spectrogram becomes an
  image and the photo engine dreams it, octaves and all; the change is applied to the sound's own STFT.
- **waveform** (``crepe_tiny``, ``crepe_full``): gradient ascent on the samples through CREPE, a pitch
  network that listens to raw audio.

Either way the output has the input's length, rate and channels, is as loud as the input (RMS) and never
clips; by default only sound within 50 dB of the peak is changed, so silence stays silent.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from .. import checks, records
from ..defaults import MASK_DB, PHASES, SOUND_PRESETS, STEREO_MODES
from ..engine import dream_octaves
from ..errors import DeepDreamError
from ..gradients import LossFunction
from ..losses import objective_function
from ..models import WAVEFORM, DreamNet, Preset, load_model, model_spec, resolve_device
from ..models.crepe import SAMPLE_RATE
from ..objectives import layer_mix, mean_square, sum_of
from ..progress import Job, ProgressCallback
from ..settings import DreamSettings
from .io import Sound, check_sound
from .loudness import match_loudness
from .plan import AudioPlan, plan_audio
from .spectrogram import (
    Stft,
    apply_change,
    db_to_pixels,
    griffin_lim,
    picture,
    pixels_to_db,
    step_mask,
    to_db,
)
from .waveform import dream_waveform, objective_value, resample

DEFAULT_AUDIO_MODEL = "efficientnet_lite0"
#: Lite0's stride-16 stage, equally weighted (the study's choice): rings, eye-like dots and loops, which
#: sound as chirps and tone blips; harmonics thicken.
AUDIO_LAYER_MIX = {"block8": 1.0, "block9": 1.0, "block10": 1.0}
#: Dream only bins (and, for CREPE, moments) within this many dB of the peak: pauses stay silent.
#: Spectrogram presets from the study: mild for speech (the best compromise it found), strong for music.
#: Their layers are Lite0's; another image model dreams its own default preset's layers. Waveform models
#: (CREPE) have presets of the same names in the registry.
SPECTROGRAM_PRESETS = dict(zip(SOUND_PRESETS, (
    Preset(AUDIO_LAYER_MIX, DreamSettings(step=0.012, num_octaves=3, iterations=25, max_loss=None),
           "speech and anything fragile: 3 octaves x 25 steps of 0.012"),
    Preset(AUDIO_LAYER_MIX, DreamSettings(step=0.02, num_octaves=4, iterations=40, max_loss=None),
           "music: 4 octaves x 40 steps of 0.02, dense rings and blips"),
), strict=True))
DEFAULT_PRESET = SOUND_PRESETS[0]


@dataclass
class AudioDream:
    """A finished (or stopped) sound dream: the samples, their record (``params``, what ``--like`` repeats),
    and how the dream went."""

    samples: np.ndarray  # same shape, rate and channels as the input, float32, |x| <= 0.98
    rate: int
    params: dict[str, Any]  # everything needed to repeat this dream (see :func:`params_to_options`)
    objective: tuple[float, float]  # the objective before and after, at full size (mean over dreamed channels)
    steps_per_octave: list[int]
    spectrogram_before: Image.Image  # the dreamed channel(s), channel 0 on top; 80 dB shown
    spectrogram_after: Image.Image  # the output's, on the same dB scale
    stopped: bool = False  # the stop event ended the dream early: ``samples`` is the dream as far as it got


def dream_audio(
    samples: np.ndarray,
    rate: int,
    *,
    model: str = DEFAULT_AUDIO_MODEL,
    preset: str | None = None,
    layers: Mapping[str, float] | None = None,
    step: float | None = None,
    num_octaves: int | None = None,
    octave_scale: float | None = None,
    iterations: int | None = None,
    mask_threshold_db: float | None = MASK_DB,
    phase: str = "original",
    stereo: str = "mid",
    seed: int | None = None,
    device: str = "auto",
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> AudioDream:
    """DeepDream a sound: ``samples`` is 1-D (mono) or frames x channels, full scale 1.0, at ``rate`` Hz.

    ``model`` is an image model (the spectrogram is dreamed) or ``crepe_tiny``/``crepe_full`` (the
    waveform is). Settings left as ``None`` come from ``preset`` (``mild`` or ``strong``).
    ``mask_threshold_db=None`` dreams everything, silence included. ``phase="griffin-lim"`` (spectrogram
    only) refines the phase to fit the dreamed spectrogram (clearer patterns, some phasiness); the original
    phase keeps timing and pitch. ``stereo="mid"`` dreams the channels' mean and applies that change to every channel
    (patterns sit in the centre); ``"each"`` dreams every channel on its own (twice the time, wider).
    ``progress`` and ``stop`` work as for :func:`deepdreamer.dream`.
    """
    ready = _prepare(samples, rate, model=model, preset=preset, layers=layers, step=step, num_octaves=num_octaves,
                     octave_scale=octave_scale, iterations=iterations, mask_threshold_db=mask_threshold_db,
                     phase=phase, stereo=stereo, seed=seed)
    signal = torch.from_numpy(np.ascontiguousarray(ready.sound.samples.T))  # channels x samples
    sources = signal.mean(dim=0, keepdim=True) if stereo == "mid" else signal
    options = _Options(model, ready.layers, ready.settings, mask_threshold_db, phase, ready.seed,
                       resolve_device(device), Job("audio", progress, stop), ready.plan.padded)
    run = (_dream_waveform if ready.waveform else _dream_spectrogram)(signal, sources, ready.sound.rate, options)
    output = match_loudness(run.dreamed, signal, ready.sound.rate)
    before, after = np.mean(run.objectives, axis=0)

    stft = Stft.for_rate(ready.sound.rate)
    before_db = to_db(stft.forward(sources).abs())
    after_db = to_db(stft.forward(output.mean(dim=0, keepdim=True) if stereo == "mid" else output).abs())
    peak_db = float(before_db.max())
    params = records.new_record(records.SOUND, {
        "mode": "waveform" if ready.waveform else "spectrogram",
        "model": model,
        "preset": ready.preset,
        "layers": ready.layers,
        **{name: getattr(ready.settings, name) for name in _OVERRIDES},
        "mask_threshold_db": mask_threshold_db,
        "stereo": stereo,
        "seed": ready.seed,
        **run.details,
    })
    return AudioDream(
        samples=output.T.numpy().reshape(np.shape(samples)).astype(np.float32),
        rate=ready.sound.rate,
        params=params,
        objective=(float(before), float(after)),
        steps_per_octave=run.steps_per_octave,
        spectrogram_before=picture(before_db, peak_db),
        spectrogram_after=picture(after_db, peak_db),
        stopped=run.stopped,
    )


def estimate_audio(
    samples: np.ndarray,
    rate: int,
    *,
    model: str = DEFAULT_AUDIO_MODEL,
    preset: str | None = None,
    layers: Mapping[str, float] | None = None,
    step: float | None = None,
    num_octaves: int | None = None,
    octave_scale: float | None = None,
    iterations: int | None = None,
    mask_threshold_db: float | None = MASK_DB,
    phase: str = "original",
    stereo: str = "mid",
    seed: int | None = None,
) -> AudioPlan:
    """What :func:`dream_audio` with the same arguments will do and cost (the picture, its padding, memory and
    time), or the one-line error it would give before starting. Nothing is dreamed, and no model is loaded."""
    return _prepare(samples, rate, model=model, preset=preset, layers=layers, step=step, num_octaves=num_octaves,
                    octave_scale=octave_scale, iterations=iterations, mask_threshold_db=mask_threshold_db,
                    phase=phase, stereo=stereo, seed=seed).plan


_OVERRIDES = ("step", "num_octaves", "octave_scale", "iterations")


@dataclass(frozen=True)
class _Prepared:
    """A sound dream's arguments, checked, with the settings they amount to and the plan."""

    sound: Sound
    waveform: bool
    preset: str
    settings: DreamSettings
    layers: dict[str, float]
    seed: int
    plan: AudioPlan


def _prepare(samples: np.ndarray, rate: int, *, model: str, preset: str | None, layers: Mapping[str, float] | None,
             step: float | None, num_octaves: int | None, octave_scale: float | None, iterations: int | None,
             mask_threshold_db: float | None, phase: str, stereo: str, seed: int | None) -> _Prepared:
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim not in (1, 2):
        raise DeepDreamError(f"samples must be 1-D (mono) or frames x channels, not of shape {array.shape}")
    if not (isinstance(rate, numbers.Integral) and not isinstance(rate, bool)):
        raise DeepDreamError(f"rate must be a whole number of samples per second, not {rate!r:.30}")
    sound = check_sound(Sound(array[:, None] if array.ndim == 1 else array, int(rate)))
    spec = model_spec(model)
    waveform = spec.input == WAVEFORM
    presets = spec.presets if waveform else SPECTROGRAM_PRESETS
    preset = preset or DEFAULT_PRESET
    if preset not in presets:
        raise DeepDreamError(f"unknown audio preset {preset!r}; choose from {', '.join(presets)}")
    overrides = {"step": step, "num_octaves": num_octaves, "octave_scale": octave_scale, "iterations": iterations}
    settings = replace(presets[preset].settings, **{k: v for k, v in overrides.items() if v is not None})
    settings.check()
    if phase not in PHASES:
        raise DeepDreamError(f"unknown phase {phase!r}; choose from {', '.join(PHASES)}")
    if stereo not in STEREO_MODES:
        raise DeepDreamError(f"unknown stereo mode {stereo!r}; choose from {', '.join(STEREO_MODES)}")
    if mask_threshold_db is not None and not (checks.is_number(mask_threshold_db) and
                                              math.isfinite(mask_threshold_db) and mask_threshold_db > 0):
        raise DeepDreamError(f"mask threshold must be a positive number of dB, not {mask_threshold_db!r}")
    if layers is None:
        layers = presets[preset].layers if waveform or model == DEFAULT_AUDIO_MODEL else spec.preset(None).layers
    layer_weights = checks.layer_weights(layers)
    seed = checks.seed_or_drawn(seed)
    sources = 1 if stereo == "mid" else sound.channels
    plan = plan_audio(len(sound.samples), sound.rate, sources, model, layer_weights, settings, waveform=waveform)
    return _Prepared(sound, waveform, preset, settings, layer_weights, seed, plan)


@dataclass(frozen=True)
class _Options:
    model: str
    layers: dict[str, float]
    settings: DreamSettings
    mask_threshold_db: float | None
    phase: str
    seed: int
    device: torch.device
    job: Job
    padded: tuple[int, int]  # the spectrogram's size with the silence a short clip needs (plan.AudioPlan)


@dataclass
class _Run:
    """What one mode's dream gives back: the changed channels (before loudness matching) and its measures."""

    dreamed: Tensor
    objectives: list[tuple[float, float]]  # before, after, per dreamed source
    steps_per_octave: list[int]
    details: dict[str, Any]  # mode-specific parameters for the record
    stopped: bool = False


def _targets(sources: Tensor, index: int) -> slice:
    """The channels that source ``index``'s change goes to: all of them for the mid channel."""
    return slice(None) if len(sources) == 1 else slice(index, index + 1)


def _dream_spectrogram(signal: Tensor, sources: Tensor, rate: int, options: _Options) -> _Run:
    net = load_model(options.model, device=str(options.device))
    objective = layer_mix(options.layers)
    for name in objective.layers:
        net.resolve_layer(name)
    loss_fn = objective_function(net, objective)
    stft = Stft.for_rate(rate)
    spectra = stft.forward(signal)
    source_spectra = spectra if len(sources) == len(signal) else stft.forward(sources)
    peak_db = float(to_db(source_spectra.abs().amax()))
    generator = torch.Generator().manual_seed(options.seed)
    run = _Run(spectra.clone(), [], [], {})
    for index, spectrum in enumerate(source_spectra):
        db = to_db(spectrum.abs())
        job = options.job.part(index, len(source_spectra), _stage(index, len(source_spectra)))
        after_db = _dream_image(net, loss_fn, db, peak_db, options, job, run)
        target = _targets(sources, index)
        run.dreamed[target] = apply_change(spectra[target], db, after_db, peak_db, generator)
    length = signal.shape[-1]
    if options.phase == "griffin-lim":
        run.dreamed = griffin_lim(run.dreamed, stft, length)
    else:
        run.dreamed = stft.inverse(run.dreamed, length)
    run.details = {"phase": options.phase, "n_fft": stft.n_fft, "hop": stft.hop, "objective": str(objective),
                   "weights_sha256": net.weights_sha256}
    return run


def _stage(index: int, count: int) -> str:
    return "audio" if count == 1 else f"audio channel {index + 1}/{count}"


def _dream_image(net: DreamNet, loss_fn: LossFunction, db: Tensor, peak_db: float, options: _Options, job: Job,
                 run: _Run) -> Tensor:
    """Dream one spectrogram (bins x frames of dB) with the photo engine; returns the dreamed dB, same shape."""
    height, width = db.shape
    padding = (0, options.padded[1] - width, options.padded[0] - height, 0)  # silence above the top bin, after the end
    pixels = F.pad(db_to_pixels(db, peak_db), padding)  # 0 is the floor
    mask = None
    if options.mask_threshold_db is not None:
        mask = F.pad(step_mask(db, peak_db, options.mask_threshold_db), padding).to(options.device)
    x = net.to_input(pixels.to(options.device)).contiguous(memory_format=torch.channels_last)
    output = dream_octaves(x, loss_fn, options.settings, seed=options.seed, job=job, step_mask=mask)
    run.stopped |= output.stopped
    with torch.no_grad():
        run.objectives.append((float(loss_fn(x)), float(loss_fn(output.image))))
    run.steps_per_octave = output.steps_per_octave
    dreamed = net.to_pixels(output.image.float().cpu())[..., padding[2]:, :width]
    return pixels_to_db(dreamed, peak_db)


def _dream_waveform(signal: Tensor, sources: Tensor, rate: int, options: _Options) -> _Run:
    net = load_model(options.model, device=str(options.device))
    # CREPE's maps are one sample wide: the seed's border crop would leave nothing, so no border is cropped
    objective = sum_of([weight * mean_square(name) for name, weight in options.layers.items()])
    for name in objective.layers:
        net.resolve_layer(name)

    def loss_fn(frames: Tensor) -> Tensor:
        return objective(net.activations(frames, objective.layers))

    length = signal.shape[-1]
    run = _Run(signal.clone(), [], [], {"objective": str(objective), "weights_sha256": net.weights_sha256})
    for index, source in enumerate(sources):
        heard = resample(source, max(1, round(length * SAMPLE_RATE / rate))).to(options.device)
        job = options.job.part(index, len(sources), _stage(index, len(sources)))
        change, run.steps_per_octave = dream_waveform(heard, loss_fn, options.settings,
                                                      mask_threshold_db=options.mask_threshold_db,
                                                      seed=options.seed, job=job)
        run.stopped |= job.stopped
        run.objectives.append((objective_value(heard, loss_fn), objective_value(heard + change, loss_fn)))
        run.dreamed[_targets(sources, index)] += resample(change.cpu(), length)
    return run
