"""Gradient ascent on the waveform itself, through a network that listens to raw audio (CREPE).

The image engine's ideas carried over to sound: octaves are time scales (the signal resampled to
``16 kHz / scale**k`` and played to the network as if it were 16 kHz, so it hears it higher), detail is
re-injected by keeping the dream as a change added to the original, and the gradient is normalised by its
mean magnitude. What audio needs on top: frames start at a random offset each step (jitter), the gradient
is weighted by the input's loudness envelope (CREPE normalises every frame, so quiet frames would otherwise
get the largest steps and pauses would fill with hum), the signal is dreamed in units of its RMS (CREPE's
input space: it normalises every frame), and a peak guard keeps the waveform within full scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import Tensor

from ..engine import gradient_ascent
from ..gradients import GRADIENT_FLOOR, normalize_gradient
from ..models.crepe import FRAME
from ..progress import Job, Progress
from ..settings import DreamSettings

#: Frames overlap by half; each step starts them at a random offset below this.
HOP = FRAME // 2
#: Frames per forward pass: bounds memory (CREPE full's first layer holds 1024 x 512 values a frame).
FRAMES_PER_BATCH = 64
#: The waveform never leaves full scale during the ascent.
PEAK_GUARD = 1.0

WaveformLoss = Callable[[Tensor], Tensor]  # frames x 1024 -> scalar


def resample(signal: Tensor, length: int) -> Tensor:
    """Band-limited resampling of a 1-D signal to ``length`` samples (its spectrum truncated or zero-padded).

    Exact for periodic signals; linear, so gradients and dream changes resample the same way.
    """
    if signal.shape[-1] == length:
        return signal
    # irfft trims the spectrum, or pads it with zeros, to the new length
    return torch.fft.irfft(torch.fft.rfft(signal), n=length) * (length / signal.shape[-1])


def envelope(signal: Tensor, threshold_db: float | None) -> Tensor:
    """The signal's RMS over a frame around each sample, relative to its maximum; 0 below ``threshold_db``."""
    power = F.avg_pool1d(signal.square()[None, None], FRAME + 1, stride=1, padding=FRAME // 2,
                         count_include_pad=False)[0, 0]
    level = power.sqrt()
    level = level / level.max().clamp_min(GRADIENT_FLOOR)
    if threshold_db is not None:
        level = torch.where(level >= 10 ** (-threshold_db / 20), level, torch.zeros_like(level))
    return level


def frames_of(signal: Tensor, offset: int) -> Tensor:
    """Frames of 1024 samples, hop 512, starting ``offset`` samples in; the end zero-padded to a whole frame."""
    usable = signal[offset:]
    count = max(1, math.ceil((usable.shape[-1] - FRAME) / HOP) + 1)
    padded = F.pad(usable, (0, (count - 1) * HOP + FRAME - usable.shape[-1]))
    return padded.unfold(0, FRAME, HOP)


def loss_and_gradient(signal: Tensor, loss_fn: WaveformLoss, offset: int) -> tuple[float, Tensor]:
    """The mean objective over all frames and its gradient w.r.t. ``signal``, a batch of frames at a time."""
    x = signal.detach().requires_grad_(True)
    count = frames_of(signal, offset).shape[0]
    total, grad = 0.0, torch.zeros_like(signal)
    for first in range(0, count, FRAMES_PER_BATCH):
        batch = frames_of(x, offset)[first:first + FRAMES_PER_BATCH]
        loss = loss_fn(batch) * (batch.shape[0] / count)
        (batch_grad,) = torch.autograd.grad(loss, x)
        grad += batch_grad
        total += float(loss.detach())
    return total, grad


def objective_value(signal: Tensor, loss_fn: WaveformLoss) -> float:
    """The objective on frames from the start: how strongly the network responds to ``signal`` (16 kHz)."""
    with torch.no_grad():
        frames = frames_of(signal, 0)
        return sum(float(loss_fn(batch)) * batch.shape[0] for batch in frames.split(FRAMES_PER_BATCH)) / len(frames)


def dream_waveform(
    original: Tensor,
    loss_fn: WaveformLoss,
    settings: DreamSettings,
    *,
    mask_threshold_db: float | None,
    seed: int = 0,
    job: Job | None = None,
) -> tuple[Tensor, list[int]]:
    """The dream's change to ``original`` (1-D, 16 kHz), and the steps run per octave.

    The engine's ascent (:func:`~deepdreamer.engine.gradient_ascent`) runs on the signal in units of its
    own RMS, so ``settings.step`` means what it means for pictures, a step in the network's input space:
    0.01 moves the waveform by 1% of its level. ``num_octaves``, ``octave_scale`` and ``iterations`` are
    time scales and steps per scale; ``max_loss`` and the picture-only settings are not used.
    """
    settings.check()
    job = job or Job("audio")
    generator = torch.Generator().manual_seed(seed)
    length = original.shape[-1]
    level = float(original.square().mean().sqrt().clamp_min(GRADIENT_FLOOR))
    ascent = replace(settings, max_loss=None)
    change = torch.zeros_like(original)
    # resampling rings a little into the gaps: the gate keeps them exactly silent
    gate = None if mask_threshold_db is None else envelope(original, mask_threshold_db) > 0
    sizes = [max(1, round(length / settings.octave_scale ** (settings.num_octaves - 1 - octave)))
             for octave in range(settings.num_octaves)]
    steps_per_octave = []
    for octave, size in enumerate(sizes):
        signal = resample(original + change, size) / level
        before = signal.clone()
        weight = envelope(resample(original, size), mask_threshold_db)

        def direction(x: Tensor, weight: Tensor = weight) -> tuple[float, Tensor]:
            offset = int(torch.randint(0, HOP, (), generator=generator))
            loss, grad = loss_and_gradient(x, loss_fn, offset)
            return loss, normalize_gradient(grad.mul_(weight).view(1, -1), 0).view(-1)

        def record(step: int, loss: float, octave: int = octave, size: int = size, done: bool = False) -> Progress:
            fraction = (octave + step / max(settings.iterations, 1)) / settings.num_octaves
            return Progress(job.stage, octave, settings.num_octaves, step, settings.iterations, loss, job.elapsed(),
                            fraction, (1, size), octave_done=done)

        run = gradient_ascent(signal, direction, ascent, job=job, bounds=(-PEAK_GUARD / level, PEAK_GUARD / level),
                              report=lambda step, loss: job.report(record(step, loss)))
        change += resample((signal - before) * level, length)
        if gate is not None:
            change.mul_(gate)
        steps_per_octave.append(run.steps)
        job.report(record(run.steps, run.loss, done=True))
    return change, steps_per_octave
