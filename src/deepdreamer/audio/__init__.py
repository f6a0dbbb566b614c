"""Dreaming sound: the photo engine on spectrograms, or gradient ascent on the waveform through CREPE.

Reading and writing audio needs the extra ``deepdreamer[audio]`` (soundfile, PyAV); dreaming needs only torch.
"""

from .dream import AudioDream, dream_audio, estimate_audio
from .io import Sound, read_audio, write_audio
from .plan import AudioPlan

__all__ = ["AudioDream", "AudioPlan", "Sound", "dream_audio", "estimate_audio", "read_audio", "write_audio"]
