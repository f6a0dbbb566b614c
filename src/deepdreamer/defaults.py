"""Defaults and limits that the API, the commands' options and help text, and the page share, owned here once.

For explore sheets, filter grids and sound dreams (the moving dreams' are in :mod:`deepdreamer.animate.defaults`,
the page's in :mod:`deepdreamer.web.defaults`, a dream's settings in :mod:`deepdreamer.settings`). This module
imports nothing, so ``--help`` stays instant without a copy of any of them.
"""

from __future__ import annotations

# --- explore ---------------------------------------------------------------------------------------------------
#: Exploration dreams on a small copy of the photo: many results quickly; ``--like`` repeats one at full size.
EXPLORE_SIDE = 384
#: Most dreams one exploration makes: a 10 x 10 sheet (at 384 px, each dream is a few seconds on 2 CPU cores).
MAX_DREAMS = 100

# --- filters ---------------------------------------------------------------------------------------------------
#: Side of each channel's picture, and Adam's steps to grow it.
FILTER_SIZE, FILTER_STEPS = 128, 256

# --- sound -----------------------------------------------------------------------------------------------------
#: The spectrogram presets (defined in ``audio/dream.py``): mild for speech, strong for music; the first is the default.
SOUND_PRESETS = ("mild", "strong")
#: How a dreamed spectrogram becomes sound again: the original's phase, or Griffin-Lim's estimate.
PHASES = ("original", "griffin-lim")
#: How a stereo sound is dreamed: its mid channel once, or each channel alone.
STEREO_MODES = ("mid", "each")
#: The synthesized examples (``audio/examples.py``).
SOUND_EXAMPLES = ("melody", "percussion")
#: Bins this many dB below the loudest are kept silent by the mask.
MASK_DB = 50.0
#: Longer sounds are refused unless told otherwise (an hour of 16 kHz audio dreams in about 50 minutes).
MAX_SOUND_SECONDS = 3600.0
#: Output extensions and the libsndfile format and sample encoding each one gets.
SOUND_FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS"),
                 ".mp3": ("MP3", "MPEG_LAYER_III")}
