"""Render the README's sound examples: before/after spectrograms and short dreamed clips.

    python docs/make_audio_examples.py     # writes docs/audio-*.ogg and docs/audio-spectrograms.jpg (~1 minute)

Rows: a synthesized melody in a small room (16 kHz) dreamed with the ``strong`` preset, and speech (espeak-ng,
22.05 kHz; without espeak-ng, the synthesized percussion) with ``mild``. Columns: the input, the dream with
the defaults (mask on, original phase), and the same dream with no mask and Griffin-Lim.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import deepdreamer as dd
from deepdreamer.audio import dream_audio, read_audio, write_audio
from deepdreamer.audio.examples import melody, percussion

HERE = Path(__file__).parent
SENTENCE = "Dreams are the royal road to the unconscious. Listen closely, and the machine will sing back."
TILE = (400, 256)  # each spectrogram on the sheet: time x frequency, squeezed


def speech() -> tuple[str, object, int]:
    if shutil.which("espeak-ng") is None:
        return "percussion", percussion(16_000, 6.0)[:, None], 16_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), SENTENCE], check=True)
        sound = read_audio(path)
    return "speech", sound.samples, sound.rate


def main() -> None:
    name, voice, voice_rate = speech()
    rows = [("melody", melody(16_000, 6.0)[:, None], 16_000, "strong"), (name, voice, voice_rate, "mild")]
    font = ImageFont.load_default(size=16)
    label = 24
    sheet = Image.new("RGB", (3 * TILE[0], len(rows) * (TILE[1] + label)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (clip_name, samples, rate, preset) in enumerate(rows):
        dream = dream_audio(samples, rate, preset=preset, seed=0, device="cpu")
        wild = dream_audio(samples, rate, preset=preset, seed=0, device="cpu", mask_threshold_db=None,
                           phase="griffin-lim")
        write_audio(HERE / f"audio-{clip_name}.ogg", samples, rate)
        write_audio(HERE / f"audio-{clip_name}-dream.ogg", dream.samples, rate, params=dream.params)
        before, after = dream.objective
        columns = [
            (f"{clip_name}, {rate / 1000:g} kHz", dream.spectrogram_before),
            (f"{preset}: objective {before:.0f} -> {after:.0f}", dream.spectrogram_after),
            (f"{preset}, no mask, Griffin-Lim: {wild.objective[1]:.0f}", wild.spectrogram_after),
        ]
        top = r * (TILE[1] + label)
        for c, (caption, picture) in enumerate(columns):
            sheet.paste(picture.resize(TILE, Image.Resampling.LANCZOS), (c * TILE[0], top + label))
            draw.text((c * TILE[0] + 4, top + 4), caption, fill="black", font=font)
        print(clip_name, columns[1][0], flush=True)
    dd.write_image(HERE / "audio-spectrograms.jpg", sheet)


if __name__ == "__main__":
    main()
