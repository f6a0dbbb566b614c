"""Audio in and out: read any sound file safely, write atomically with the parameters in its tags.

soundfile (libsndfile) reads and writes WAV, FLAC, OGG and MP3; anything else it cannot open (M4A, AAC,
a video's sound track) is decoded with PyAV. Both are the optional extra ``deepdreamer[audio]``, imported
only when audio is read or written, so the image commands never pay for them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .. import __version__, checks, records
from ..defaults import MAX_SOUND_SECONDS, SOUND_FORMATS
from ..errors import DeepDreamError
from ..files import atomic_output, check_readable

#: Sample rates outside this range are refused: below it nothing is audible, above it no converter exists.
MIN_RATE = 1_000
MAX_RATE = 768_000
#: Keep the input's sample encoding (24-bit, float) when writing the same format, if it is one of these.
_KEEPABLE_SUBTYPES = {"PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}
INSTALL_HINT = 'pip install "deepdreamer[audio]"'
#: How a Python user raises the length limit; the command names its option (``--max-seconds``) instead.
LIMIT_HINT = "deepdreamer.audio.read_audio(path, max_seconds=S)"


@dataclass
class Sound:
    """Decoded audio: ``samples`` is frames x channels float32 (full scale is 1.0), at ``rate`` Hz."""

    samples: np.ndarray
    rate: int
    subtype: str | None = None  # libsndfile's sample encoding of the file, when soundfile read it
    params: dict[str, Any] | None = None  # deepdreamer parameters found in the file's tags

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.rate


def _soundfile() -> ModuleType:
    try:
        import soundfile
    except (ImportError, OSError):  # OSError: the wheel is there but libsndfile cannot be loaded
        raise DeepDreamError(f"audio needs soundfile and PyAV: {INSTALL_HINT}") from None
    return soundfile


def _av() -> ModuleType | None:
    try:
        import av
    except ImportError:
        return None
    return av


def read_audio(path: str | Path, max_seconds: float = MAX_SOUND_SECONDS, *, limit_hint: str = LIMIT_HINT) -> Sound:
    """Decode a whole sound file, or raise a one-line :class:`DeepDreamError` naming the file and the reason.

    Sounds longer than ``max_seconds`` are refused before they are decoded whole (a small compressed file
    can hold hours of silence: gigabytes of samples); the message says how to raise it: ``limit_hint``.
    """
    path = Path(path)
    checks.positive_limit(max_seconds, "max seconds")
    sf = _soundfile()
    check_readable(path, "a sound file")
    try:
        with sf.SoundFile(path) as f:
            rate, subtype, comment = f.samplerate, f.subtype, f.comment
            _check_length(path, f.frames, rate, max_seconds, limit_hint)
            samples = f.read(dtype="float32", always_2d=True)
        sound = Sound(samples, rate, subtype, records.loads(comment))
    except sf.LibsndfileError:
        sound = _decode_with_av(path, max_seconds, limit_hint)
    return check_sound(sound, path)


def _check_length(path: Path, frames: int, rate: int, max_seconds: float, limit_hint: str) -> None:
    if rate > 0 and frames / rate > max_seconds:
        raise DeepDreamError(f"{path}: longer than the limit of {max_seconds:g} seconds (raise it with {limit_hint})")


def _decode_with_av(path: Path, max_seconds: float, limit_hint: str) -> Sound:
    """MP3, AAC, M4A, a video's first sound track: anything FFmpeg decodes, as float32 at the stream's rate."""
    av = _av()
    if av is None:
        raise DeepDreamError(f"{path}: not a format soundfile reads, and PyAV (compressed audio, video) is "
                             f"missing: {INSTALL_HINT}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise DeepDreamError(f"{path}: no sound track")
            stream = container.streams.audio[0]
            rate, channels = stream.rate, stream.channels
            if not rate or not channels:
                raise DeepDreamError(f"{path}: sound track without a sample rate or channels")
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate)
            chunks: list[np.ndarray] = []
            decoded = 0
            for frame in container.decode(stream):
                chunks.extend(_resampled(resampler, frame))
                decoded += frame.samples
                _check_length(path, decoded, rate, max_seconds, limit_hint)  # stream durations in headers can lie
            chunks.extend(_resampled(resampler, None))
            comment = container.metadata.get("comment")
    except DeepDreamError:
        raise
    except av.FFmpegError:
        raise DeepDreamError(f"{path}: not a sound file (neither soundfile nor PyAV can decode it)") from None
    samples = np.concatenate(chunks, axis=1).T if chunks else np.zeros((0, channels), np.float32)
    return Sound(np.ascontiguousarray(samples, dtype=np.float32), rate, None, records.loads(comment))


def _resampled(resampler: Any, frame: Any) -> list[np.ndarray]:
    """Frames converted to planar float32 (decoders output int16, s32 or float, planar or packed)."""
    return [out.to_ndarray() for out in resampler.resample(frame)]


def check_sound(sound: Sound, name: str | Path = "audio") -> Sound:
    """Refuse audio that cannot be dreamed: no samples, NaN or infinite values, an absurd sample rate."""
    if not MIN_RATE <= sound.rate <= MAX_RATE:
        raise DeepDreamError(f"{name}: sample rate {sound.rate} Hz is outside {MIN_RATE // 1000} kHz .. "
                             f"{MAX_RATE // 1000} kHz")
    if sound.samples.ndim != 2 or sound.channels == 0:
        raise DeepDreamError(f"{name}: no sound channels")
    if sound.samples.shape[0] == 0:
        raise DeepDreamError(f"{name}: no samples (zero length)")
    if not np.isfinite(sound.samples).all():
        raise DeepDreamError(f"{name}: holds NaN or infinite samples")
    return sound


def output_format(path: Path) -> tuple[str, str]:
    """libsndfile's (format, subtype) for ``path``'s extension, or a one-line error."""
    try:
        return SOUND_FORMATS[path.suffix.lower()]
    except KeyError:
        raise DeepDreamError(f"{path}: unknown output format {path.suffix or '(no extension)'!r}; use "
                             f"{', '.join(SOUND_FORMATS)}") from None


def _subtype(path: Path, keep: str | None) -> tuple[str, str]:
    fmt, subtype = output_format(path)
    sf = _soundfile()
    if keep in _KEEPABLE_SUBTYPES and sf.check_format(fmt, keep):
        subtype = keep
    return fmt, subtype


def check_output(path: Path, inputs: list[Path], rate: int, channels: int) -> None:
    """Fail before any work if the output cannot be written: format, folder, the input itself, rate, channels."""
    fmt, subtype = output_format(path)
    if not path.parent.is_dir():
        raise DeepDreamError(f"{path}: folder {path.parent} does not exist")
    for source in inputs:
        if path.exists() and source.exists() and os.path.samefile(path, source):
            raise DeepDreamError(f"{path}: refusing to overwrite the input")
    sf = _soundfile()
    try:  # libsndfile refuses unsupported rates and channel counts when the file is opened
        with sf.SoundFile(io.BytesIO(), "w", samplerate=rate, channels=channels, format=fmt, subtype=subtype):
            pass
    except sf.LibsndfileError:
        raise DeepDreamError(f"{path}: {fmt} cannot hold {channels} channels at {rate} Hz; try .wav or .flac") from None


def write_audio(path: str | Path, samples: np.ndarray, rate: int, *, params: dict[str, Any] | None = None,
                subtype: str | None = None) -> None:
    """Save atomically (a temporary file in the same folder, then a rename): a failed write leaves no file.

    ``params`` go into the file's comment tag as JSON (WAV INFO chunk, FLAC/OGG Vorbis comment, MP3 ID3), and
    the software tag names deepdreamer. ``subtype`` keeps the input's sample encoding when the format allows.
    """
    path = Path(path)
    fmt, chosen = _subtype(path, subtype)
    sf = _soundfile()
    with atomic_output(path, errors=(OSError, sf.LibsndfileError)) as temporary, sf.SoundFile(
        temporary, "w", samplerate=rate, channels=samples.shape[1], format=fmt, subtype=chosen
    ) as f:
        f.software = f"deepdreamer {__version__}"
        if params is not None:
            f.comment = records.dumps(params)
        f.write(samples)
