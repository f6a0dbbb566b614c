"""What the commands share: the copies of the API's constants they keep for an instant --help, and ``-o``."""

from __future__ import annotations

from pathlib import Path

from deepdreamer import exploration, filters
from deepdreamer.audio import dream as audio_dream
from deepdreamer.audio import examples, io, spectrogram
from deepdreamer.cli import audio, explore
from deepdreamer.cli import filters as filters_command
from deepdreamer.cli.options import output_path


def test_the_commands_copies_of_the_apis_constants_are_equal():
    api = {
        "audio presets": tuple(audio_dream.SPECTROGRAM_PRESETS), "phases": spectrogram.PHASES,
        "stereo modes": audio_dream.STEREO_MODES, "examples": tuple(examples.EXAMPLES),
        "mask threshold": audio_dream.DEFAULT_MASK_DB, "max seconds": io.DEFAULT_MAX_SECONDS,
        "sound formats": tuple(io.OUTPUT_FORMATS), "filter size": filters.FilterSettings.size,
        "filter steps": filters.FilterSettings.steps, "explore side": exploration.EXPLORE_SIDE,
        "explore count": exploration.MAX_DREAMS,
    }
    copies = {
        "audio presets": audio.PRESETS, "phases": audio.PHASES, "stereo modes": audio.STEREO_MODES,
        "examples": audio.EXAMPLES, "mask threshold": audio.DEFAULT_MASK_DB, "max seconds": audio.DEFAULT_MAX_SECONDS,
        "sound formats": audio.OUTPUT_FORMATS, "filter size": filters_command.DEFAULT_SIZE,
        "filter steps": filters_command.DEFAULT_STEPS, "explore side": explore.EXPLORE_SIDE,
        "explore count": explore.MAX_DREAMS,
    }
    assert api == copies


def test_output_is_a_file_or_a_folder_to_put_the_usual_name_in(tmp_path):
    default = Path("photo_dream.png")
    assert output_path(None, default) == default
    assert output_path(tmp_path / "mine.jpg", default) == tmp_path / "mine.jpg"
    assert output_path(tmp_path, default) == tmp_path / "photo_dream.png"
