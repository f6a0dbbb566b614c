"""The metadata record: how an output was made, written into its file and read back by ``--like``.

One schema for every kind of output (a dream, a sound, a zoom, a dreamed video, an explore sheet, a filters or
layers sheet), one text form (JSON under the key ``deepdreamer`` in a PNG text chunk; a JPEG comment; the EXIF
image description of a WebP or TIFF; a sound's comment tag; a clip's ``comment`` tag, or a GIF's comment), and
one ``--like`` rule (:func:`taken_by_like`). Records are read from files a user hands over, so every value is
type-checked before it reaches a dream.

Records written by deepdreamer 0.1.0 carry no ``record`` key: their kind is told by their keys.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from typing import Any

from . import __version__
from .errors import DeepDreamError

#: Key of the record in a PNG text chunk (and of nothing else: other formats use their comment field).
METADATA_KEY = "deepdreamer"

#: The kinds of output that carry a record.
DREAM, SOUND, EXPLORE, FILTERS, LAYERS = "dream", "sound", "explore", "filters", "layers"
ZOOM, VIDEO = "zoom", "video"

#: What each recorded key may hold: types, ``"number"`` (an int or float, never a bool), ``"weights"``
#: (layer names to numbers), ``"ints"`` (a list of ints), ``"schedule"`` (a number, or keyframes as text:
#: ``"0:1.02,60:1.08"``, checked when the zoom is planned), ``"schedules"`` (layer names to schedules),
#: ``"pair"`` (two schedules), or None (absent or off).
SCHEMA: dict[str, tuple[Any, ...]] = {
    "deepdreamer": (str,), "record": (str,),
    # what is dreamed
    "model": (str,), "preset": (str, None), "layers": ("weights", None), "objective": (str,),
    "guide": (str, None), "mask": (str, None), "class_name": (str, None),
    # how
    "step": ("number",), "num_octaves": (int,), "octave_scale": ("number",), "iterations": (int,),
    "max_loss": ("number", None), "jitter": (int,), "laplacian_levels": (int,), "smoothing": ("number",),
    "tile_size": (int,), "scale": (int,), "detail_iterations": (int,),
    "keep_colors": (bool,), "seed": (int,), "precision": (str,), "weights": (str, None),
    "weights_sha256": (str, None),
    # recorded, never repeated: the memory budget asked for (the machine's, not the dream's), and the tiles the
    # budget led to (an outcome; None: every octave whole)
    "max_memory": (int, None), "tiles": (dict, None),
    # recorded, never repeated: where a stopped dream stopped (octave and step, from 1), absent when it ran whole
    "stopped_at": (dict, None),
    # sound
    "mode": (str,), "mask_threshold_db": ("number", None), "phase": (str,), "stereo": (str,), "n_fft": (int,),
    "hop": (int,),
    # sheets
    "explore_seed": (int,), "photo": (str,), "layer": (str,), "channels": ("ints",), "size": (int,),
    "steps": (int,),
    # clips: a zoom's frames and camera (keyframes allowed), a video's start of each frame
    "frames": (int,), "fps": ("number",), "zoom": ("schedule",), "rotate": ("schedule",), "translate": ("pair",),
    "guard": ("number",), "temporal": (str,),
    # music videos: the sound a clip follows (a stretch of it), which numbers follow which of its curves
    # (target -> "CURVE:LOW..HIGH"), and the curves themselves (recorded, never repeated: the sound gives them)
    "sound": (str, None), "sound_start": ("number",), "sound_seconds": ("number", None), "react": (dict, None),
    "curves": (dict, None),
}
#: Where a kind's keys hold something else than :data:`SCHEMA` says: a zoom's numbers may follow keyframes, a
#: video's size and step may be left to the source and the preset.
KIND_SCHEMA: dict[str, dict[str, tuple[Any, ...]]] = {
    ZOOM: {"step": ("schedule", None), "iterations": ("schedule",), "layers": ("schedules", None)},
    VIDEO: {"step": ("number", None), "size": (int, None)},
}

#: The settings ``--like`` repeats, per kind: arguments of :func:`deepdreamer.dream` and
#: :func:`deepdreamer.audio.dream_audio` of the same names. ``max_memory`` is not one: it belongs to the machine
#: (a budget right for one would starve or waste another), and whether a dream is tiled follows from it.
REPEATABLE = {
    DREAM: ("model", "preset", "layers", "objective", "guide", "mask", "step", "num_octaves", "octave_scale",
            "iterations", "max_loss", "jitter", "laplacian_levels", "smoothing", "tile_size", "scale",
            "detail_iterations", "keep_colors", "seed", "precision", "weights"),
    SOUND: ("model", "preset", "layers", "step", "num_octaves", "octave_scale", "iterations", "mask_threshold_db",
            "phase", "stereo", "seed"),
    ZOOM: ("model", "preset", "layers", "step", "num_octaves", "iterations", "precision", "weights", "frames", "fps",
           "zoom", "rotate", "translate", "guard", "size", "seed", "sound", "sound_start", "sound_seconds", "react"),
    VIDEO: ("model", "preset", "layers", "step", "num_octaves", "iterations", "precision", "weights", "temporal",
            "size", "seed", "sound", "sound_start", "react"),
}

#: Options that together say what is dreamed: given any of them, ``--like`` takes none of the recorded ones.
TARGET_OPTIONS = ("layers", "objective", "class_name", "guide")


def new_record(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """A record of ``kind`` holding ``settings``, stamped with the version that made it."""
    return {"deepdreamer": __version__, "record": kind, **settings}


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)


def loads(text: str | bytes | None) -> dict[str, Any] | None:
    """The record in a file's metadata text, or None if the text holds none."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def kind_of(record: Mapping[str, Any]) -> str | None:
    """What made the record; 0.1.0 records are told apart by their keys. None: not deepdreamer's."""
    if isinstance(record.get("record"), str):
        return record["record"]
    if "explore_seed" in record:
        return EXPLORE
    if "layer" in record and "channels" in record:
        return FILTERS
    if "deepdreamer" not in record or "model" not in record:
        return None
    return SOUND if "mode" in record else DREAM


def checked(record: Mapping[str, Any], keys: Collection[str], kind: str = DREAM) -> dict[str, Any]:
    """The ``keys`` present in ``record``, each checked against :data:`SCHEMA` (and the ``kind``'s
    :data:`KIND_SCHEMA`); a one-line error otherwise."""
    schema = {**SCHEMA, **KIND_SCHEMA.get(kind, {})}
    values = {key: record[key] for key in keys if key in record}
    for key, value in values.items():
        if not any(_is_kind(value, type_) for type_ in schema[key]):
            raise DeepDreamError(f"its recorded setting {key}={_short(value)} is not valid")
    return values


#: Before the memory budget (records without ``tiles``), every dream recorded ``tile_size=768``, which meant
#: "tiles of 768 px above 1.2 megapixels"; now a tile size forces tiles. Such a record repeats with the budget
#: instead: whole where it fits, as those dreams of up to 1.2 megapixels were.
OLD_DEFAULT_TILE_SIZE = 768


def params_to_options(record: Mapping[str, Any], kind: str = DREAM) -> dict[str, Any]:
    """Keyword arguments that repeat a recorded dream (``DreamResult.params``, ``AudioDream.params``).

    ``kind`` is the function they are for: :data:`DREAM` (:func:`deepdreamer.dream`), :data:`SOUND`
    (:func:`deepdreamer.audio.dream_audio`), :data:`ZOOM` or :data:`VIDEO` (the settings of
    :func:`deepdreamer.animate.render.render_zoom` and ``render_video``). A record of another kind (a contact
    sheet) is refused.
    A guided or masked dream's ``guide`` and ``mask`` come back as the recorded paths.
    """
    found = kind_of(record)
    if found != kind:
        what = {None: "not a deepdreamer record", EXPLORE: "an explore sheet's (repeat one of its single dreams)",
                FILTERS: "a filters sheet's", LAYERS: "a layer preview sheet's", SOUND: "a sound dream's",
                DREAM: "a picture dream's", ZOOM: "a zoom's", VIDEO: "a dreamed video's"}.get(found,
                                                                                        f"a {found} record")
        raise DeepDreamError(f"its metadata is {what}, not the settings of a {_NAMES[kind]}")
    options = checked(record, REPEATABLE[kind], kind)
    if kind == ZOOM and "translate" in options:
        options["translate"] = tuple(options["translate"])
    if kind == DREAM:
        objective = options.pop("objective", None)
        if options.get("layers") is None:  # dreamed with an objective of its own
            options.pop("layers", None)
            if objective is not None:
                options["objective"] = objective
        options = {key: value for key, value in options.items() if value is not None or key not in ("guide", "mask")}
        if "max_loss" in options and options["max_loss"] is None:
            options["max_loss"] = math.inf  # recorded as null: the early stop was off
        if "tiles" not in record and options.get("tile_size") == OLD_DEFAULT_TILE_SIZE:
            options["tile_size"] = 0  # the old default, recorded before the memory budget: see the constant
        if "scale" not in record:
            options["scale"] = 0  # recorded before feature scales: every octave was below the photo's own size
    return options


_NAMES = {DREAM: "picture dream", SOUND: "sound dream", ZOOM: "zoom", VIDEO: "dreamed video"}


def stopped_note(record: Mapping[str, Any]) -> str | None:
    """What ``--like`` (or the page's Repeat) of a stopped dream does, in words; None for a dream that ran whole."""
    where = record.get("stopped_at")
    if not isinstance(where, dict):
        return None
    return (f"it was stopped at octave {where.get('octave')}, step {where.get('step')}; repeating it runs every "
            "octave to its last step")


def taken_by_like(recorded: Mapping[str, Any], given: Collection[str]) -> dict[str, Any]:
    """The ``--like`` rule, one for every command: recorded settings fill every option not ``given``.

    What is dreamed counts as one setting (:data:`TARGET_OPTIONS`): given any of it, none of the recorded
    target is taken, so ``--like old.png --objective block9`` does not also keep the old layers.
    """
    target_given = any(key in given for key in TARGET_OPTIONS)
    return {key: value for key, value in recorded.items()
            if key not in given and not (key in TARGET_OPTIONS and target_given)}


def _is_kind(value: Any, kind: Any) -> bool:
    if kind is None:
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # a bool is an int to Python, never a number or a name here
        return False
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "weights":
        return isinstance(value, dict) and all(isinstance(k, str) and _is_kind(v, "number") for k, v in value.items())
    if kind == "schedule":
        return isinstance(value, str | int | float)
    if kind == "schedules":
        return isinstance(value, dict) and all(isinstance(k, str) and _is_kind(v, "schedule") for k, v in value.items())
    if kind == "pair":
        return isinstance(value, list) and len(value) == 2 and all(_is_kind(v, "schedule") for v in value)
    if kind == "ints":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, kind)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
