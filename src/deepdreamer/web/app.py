"""The page's layout and the wiring of its events to :mod:`.handlers` (Gradio Blocks).

Tabs: Dream (photo, model, what to dream, the numbers; live picture, Stop, before/after, download), Explore
(random layer mixes on a grid; a click dreams the whole photo with one), Layers (a small dream per layer; a
click dreams with that layer), Zoom (fly into the Dream tab's photo: a short clip), Video (a short uploaded clip
dreamed frame by frame without flicker), Music (a zoom as long as a stretch of a sound, following it) and
Repeat (a dropped dreamed PNG restores every setting). Every job
joins the same device queue (``concurrency_id=DEVICE``).

Widgets carry ``elem_id`` s: the end-to-end tests (``tests/web``) find them by these ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import gradio as gr

from ..animate import defaults as clip_defaults
from ..examples import EXAMPLE_PHOTOS
from ..models.registry import DEFAULT_MODEL
from ..precision import AUTO
from ..precision import CHOICES as PRECISIONS
from . import animation, choices, defaults, form, handlers, live
from .workspace import Workspace

#: The queue every job that runs a network joins: one job at a time per device.
DEVICE = "device"
#: Events that only rearrange the form, and Stop: outside the queue, so nothing delays them.
QUICK: dict[str, Any] = {"queue": False, "show_progress": "hidden"}
#: Events that may answer with a message (uploads, checks before a job, restores): in the queue, where Gradio
#: can show a toast, but not in the device's, so a running dream does not delay them either.
TALKING: dict[str, Any] = {"show_progress": "hidden", "concurrency_limit": None}
TITLE = "deepdreamer"
#: The status line; and Gradio's pulsing border on a running job's outputs held still: browsers without a GPU
#: (headless, remote desktops) repaint it all the time, which took CPU from the dream on a 2-core machine.
#: The clip upload's trim button is hidden: its cut is made in the browser and the server dreams the clip it
#: checked, so a trim would look done and not be.
CSS = """
.dd-status { display: flex; gap: .6em; align-items: center; min-height: 1.6em; }
.dd-status progress { width: 9em; }
.dd-error span { color: var(--error-text-color); }
.dd-stopped span { font-weight: 600; }
.generating { animation: none !important; }
#video-input button[aria-label="Trim video to selection"] { display: none; }
"""


def build(workspace: Workspace, *, device: str = "auto", preview_every: float = defaults.PREVIEW_EVERY) -> gr.Blocks:
    """The page, for ``launch()``; its files go into ``workspace``. The default model starts loading now."""
    page = handlers.Page(workspace, device, preview_every)
    page.warm_up()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown("## deepdreamer\nDeepDream a photo: upload one (or pick a bundled one), choose a model and what "
                    "to dream, press Dream. Dreams run on the server, one at a time.")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Dream", id="dream"):
                ui = _dream_tab()
            with gr.Tab("Explore", id="explore"):
                explore = _grid_tab("explore", "Random layer mixes on a small copy of the photo; click one to "
                                               "dream the whole photo with it.", count=True)
            with gr.Tab("Layers", id="layers"):
                layers = _grid_tab("layers", "One small dream per layer of the model, shallowest first: what each "
                                             "depth does. Click one to dream the whole photo with that layer.")
            missing = animation.missing_extra()
            with gr.Tab("Zoom", id="zoom"):
                zoom = _zoom_tab(missing)
            with gr.Tab("Video", id="video"):
                video = _video_tab(missing)
            with gr.Tab("Music", id="music"):
                music = _music_tab(missing or animation.missing_music())
            with gr.Tab("Repeat", id="repeat"):
                repeat = _repeat_tab()
            with gr.Tab("Live", id="live"):
                live.tab(page, demo, tabs)
        ui.form = _Form(ui)
        ui.restored = [*ui.fields.values(), ui.model_note, ui.add_layer, tabs, ui.status]  # handlers.RESTORE_EXTRAS
        _wire_dream(page, ui)
        _wire_grid(page, ui, explore, page.explore, [explore.count, explore.seed, explore.size])
        _wire_grid(page, ui, layers, page.layer_previews, [layers.size])
        _wire_zoom(page, ui, zoom)
        _wire_video(page, ui, video)
        _wire_music(page, ui, music)
        repeat.file.upload(page.repeat, repeat.file, [*ui.restored, *zoom.inputs, *video.inputs, repeat.file],
                           preprocess=False, **TALKING)
        demo.load(page.models_listed, None, ui.model, **QUICK)  # weights put in place since the start show up
        demo.unload(page.ended)
    return demo


def _dream_tab() -> SimpleNamespace:
    ui = SimpleNamespace()
    presets = choices.presets(DEFAULT_MODEL)
    values = form.preset_values(DEFAULT_MODEL)
    layer_menu = choices.layers(DEFAULT_MODEL)
    with gr.Row():
        with gr.Column(scale=5):
            ui.photo = gr.Image(label="Photo", type="filepath", sources=["upload", "clipboard"], height=300,
                                elem_id="input-image")
            ui.example = gr.Radio(list(EXAMPLE_PHOTOS), label="or a bundled photo", elem_id="example")
            ui.model = gr.Dropdown(handlers.model_menu(), value=DEFAULT_MODEL, label="Model", elem_id="model")
            ui.model_note = gr.Markdown(handlers.model_note(DEFAULT_MODEL), elem_id="model-note")
            ui.preset = gr.Dropdown(list(presets), value=values["preset"], label="Preset", elem_id="preset",
                                    info="fills the layers and the numbers below")
            ui.target = gr.Radio([("layers", form.LAYERS), ("one channel", form.CHANNEL),
                                  ("an ImageNet class", form.CLASS), ("an objective", form.OBJECTIVE)],
                                 value=form.LAYERS, label="Dream on", elem_id="target")
            with gr.Group(visible=True) as layers_box:
                ui.layers = gr.Textbox(values["layers"], label="Layers and weights", elem_id="layers",
                                       info="NAME=WEIGHT, ... (from the preset; edit, or add from the list)")
                ui.add_layer = gr.Dropdown(layer_menu, value=None, label="Add a layer", elem_id="add-layer")
            with gr.Group(visible=False) as channel_box, gr.Row():
                ui.channel_layer = gr.Dropdown(layer_menu, value=None, label="Layer", elem_id="channel-layer")
                ui.channel = gr.Number(0, precision=0, minimum=0, label="Channel", elem_id="channel")
            with gr.Group(visible=False) as class_box:
                ui.class_name = gr.Dropdown(choices.class_names(), value=None, filterable=True, label="Class",
                                            info="type to search the 1000 ImageNet classes", elem_id="class-name")
            with gr.Group(visible=False) as objective_box:
                ui.objective = gr.Textbox("", label="Objective", elem_id="objective",
                                          placeholder="channel('block10', 97) - 0.5*block8")
            ui.boxes = [layers_box, channel_box, class_box, objective_box]  # in form.TARGETS order
            with gr.Accordion("Guide, colours, mask", open=False):
                ui.keep_colors = gr.Checkbox(False, label="Keep the photo's colours", elem_id="keep-colors")
                with gr.Row():
                    ui.guide = gr.Image(label="Guide image (grow its features)", type="filepath",
                                        sources=["upload"], height=160, elem_id="guide-image")
                    ui.mask = gr.Image(label="Mask (white: dream, black: keep)", type="filepath",
                                       sources=["upload"], height=160, elem_id="mask-image")
            with gr.Accordion("Numbers (from the preset; empty: the preset's)", open=True):
                with gr.Row():
                    ui.num_octaves = _number(values, "num_octaves", "Octaves", integer=True)
                    ui.octave_scale = _number(values, "octave_scale", "Octave scale")
                    ui.iterations = _number(values, "iterations", "Iterations", integer=True)
                with gr.Row():
                    ui.step = _number(values, "step", "Step")
                    ui.max_loss = _number(values, "max_loss", "Max loss (0: off)")
                    ui.jitter = _number(values, "jitter", "Jitter (px)", integer=True)
                with gr.Row():
                    ui.laplacian_levels = _number(values, "laplacian_levels", "Laplacian levels", integer=True)
                    ui.smoothing = _number(values, "smoothing", "Smoothing (px)")
                    ui.tile_size = _number(values, "tile_size", "Tile size (0: by memory)", integer=True)
                with gr.Row():
                    ui.scale = _number(values, "scale", "Working size (px; 0: the photo's own)", integer=True)
                    ui.detail_iterations = _number(values, "detail_iterations", "Detail steps", integer=True)
                with gr.Row():
                    ui.seed = gr.Textbox("", label="Seed (empty: random)", elem_id="seed")
                    ui.precision = gr.Radio(list(PRECISIONS), value=AUTO, label="Precision", elem_id="precision")
                    ui.size = gr.Number(0, precision=0, minimum=0, label="Longest side (0: as is)", elem_id="size")
        with gr.Column(scale=6):
            with gr.Row():
                ui.dream = gr.Button("Dream", variant="primary", elem_id="dream")
                ui.stop = gr.Button("Stop", variant="stop", elem_id="stop")
            ui.status = gr.HTML("", elem_id="status")
            ui.preview = gr.Image(label="Dream", type="filepath", interactive=False, height=420,
                                  elem_id="output-image")
            ui.compare = gr.ImageSlider(label="Before / after", type="filepath", interactive=False,
                                        elem_id="compare")
            ui.download = gr.DownloadButton("Download the PNG (its settings inside)", interactive=False,
                                            elem_id="download")
    ui.fields = {name: getattr(ui, name) for name in form.FIELDS}
    return ui


def _number(values: dict[str, Any], name: str, label: str, integer: bool = False) -> gr.Number:
    return gr.Number(values[name], precision=0 if integer else None, minimum=0, label=label,
                     elem_id=name.replace("_", "-"))


def _grid_tab(name: str, about: str, count: bool = False) -> SimpleNamespace:
    tab = SimpleNamespace()
    gr.Markdown(about + " The model and numbers come from the Dream tab.")
    with gr.Row():
        if count:
            tab.count = gr.Number(6, precision=0, minimum=1, maximum=24, label="Dreams", elem_id=f"{name}-count")
            tab.seed = gr.Textbox("", label="Seed (empty: random)", elem_id=f"{name}-seed")
        tab.size = gr.Number(256 if count else 192, precision=0, minimum=32, label="Longest side of each",
                             elem_id=f"{name}-size")
    with gr.Row():
        tab.run = gr.Button("Explore" if count else "Preview every layer", variant="primary", elem_id=f"{name}-run")
        tab.stop = gr.Button("Stop", variant="stop", elem_id=f"{name}-stop")
    tab.status = gr.HTML("", elem_id=f"{name}-status")
    tab.grid = gr.Gallery(label="Click one", columns=4, allow_preview=False, object_fit="contain",
                          elem_id=f"{name}-grid")
    return tab


def _zoom_tab(missing: str | None) -> SimpleNamespace:
    tab = SimpleNamespace()
    gr.Markdown("Fly into the Dream tab's photo: every frame dreams the last one after a small zoom and turn "
                "(Google's infinite zoom). The model and preset come from the Dream tab." + _missing_note(missing))
    with gr.Row():
        with gr.Column(scale=5):
            with gr.Row():
                tab.frames = gr.Number(animation.ZOOM_FRAMES, precision=0, minimum=1, maximum=animation.ZOOM_MAX_FRAMES,
                                       label=f"Frames (at most {animation.ZOOM_MAX_FRAMES}; "
                                             f"{clip_defaults.ZOOM_FPS:g} a second)", elem_id="zoom-frames")
                tab.zoom = gr.Number(clip_defaults.ZOOM_FACTOR, minimum=1 / clip_defaults.MAX_ZOOM_PER_FRAME,
                                     maximum=clip_defaults.MAX_ZOOM_PER_FRAME, step=0.01,
                                     label="Zoom per frame (>1 flies in)", elem_id="zoom-factor")
                tab.rotate = gr.Number(0, label="Turn per frame (degrees)", elem_id="zoom-rotate")
            with gr.Row():
                tab.side = _side("zoom-size")
                tab.iterations = gr.Number(clip_defaults.ZOOM_ITERATIONS, precision=0, minimum=1,
                                           label="Iterations per octave", elem_id="zoom-iterations")
                tab.seed = gr.Textbox("", label="Seed (empty: random)", elem_id="zoom-seed")
        _clip_outputs(tab, "zoom", "Make zoom", missing)
    tab.inputs = [tab.frames, tab.zoom, tab.rotate, tab.side, tab.iterations, tab.seed]
    return tab


def _video_tab(missing: str | None) -> SimpleNamespace:
    tab = SimpleNamespace()
    gr.Markdown("Dream a short video frame by frame without flicker (each frame starts from the last dream, "
                "carried along the motion); its timing and sound are kept. The model and preset come from the "
                "Dream tab." + _missing_note(missing))
    with gr.Row():
        with gr.Column(scale=5):
            tab.source = gr.Video(label="A short clip", sources=["upload"], height=260, interactive=missing is None,
                                  elem_id="video-input")
            tab.temporal = gr.Radio([(f"{mode} (no flicker)" if mode == "flow" else mode, mode)
                                     for mode in clip_defaults.TEMPORAL_MODES], value=clip_defaults.DEFAULT_TEMPORAL,
                                    label="Each frame starts from", elem_id="video-temporal")
            with gr.Row():
                tab.side = _side("video-size")
                tab.iterations = gr.Number(clip_defaults.VIDEO_ITERATIONS, precision=0, minimum=1,
                                           label=f"Iterations (first frame; the others {clip_defaults.WARM_SHARE:.0%})",
                                           elem_id="video-iterations")
                tab.seed = gr.Textbox("", label="Seed (empty: random)", elem_id="video-seed")
        _clip_outputs(tab, "video", "Dream video", missing)
    tab.inputs = [tab.temporal, tab.side, tab.iterations, tab.seed]
    return tab


def _music_tab(missing: str | None) -> SimpleNamespace:
    tab = SimpleNamespace()
    gr.Markdown("A music video: fly into the Dream tab's photo for as long as a stretch of your sound lasts, the "
                "sound under it. Following the sound, the zoom flies with its swells, the dream kicks on its beats "
                "and rests in its pauses, deep shapes grow on the bass. The model and preset come from the Dream "
                "tab." + _missing_note(missing))
    with gr.Row():
        with gr.Column(scale=5):
            tab.sound = gr.Audio(label="A sound (a song, a beat)", sources=["upload"], type="filepath",
                                 interactive=missing is None, elem_id="music-sound")
            with gr.Row():
                tab.start = gr.Number(0, minimum=0, label="Start (seconds)", elem_id="music-start")
                tab.seconds = gr.Number(animation.MUSIC_MAX_SECONDS / 2, minimum=0,
                                        maximum=animation.MUSIC_MAX_SECONDS,
                                        label=f"Seconds (at most {animation.MUSIC_MAX_SECONDS:g}; "
                                              f"{animation.MUSIC_FPS:g} frames a second)", elem_id="music-seconds")
            with gr.Row():
                tab.side = _side("music-size")
                tab.follow = gr.Checkbox(True, label="Follow the sound", elem_id="music-follow")
                tab.seed = gr.Textbox("", label="Seed (empty: random)", elem_id="music-seed")
        _clip_outputs(tab, "music", "Make music video", missing)
    tab.inputs = [tab.start, tab.seconds, tab.side, tab.follow, tab.seed]
    return tab


def _missing_note(missing: str | None) -> str:
    return "" if missing is None else f"\n\n**Unavailable**: {missing}."


def _side(elem_id: str) -> gr.Number:
    return gr.Number(animation.SIDE, precision=0, minimum=animation.MIN_SIDE, maximum=animation.MAX_SIDE,
                     label=f"Longest side (at most {animation.MAX_SIDE})", elem_id=elem_id)


def _clip_outputs(tab: SimpleNamespace, name: str, run: str, missing: str | None) -> None:
    """The right-hand column of a clip tab: run, Stop, status, the live frame, the clip and its download."""
    with gr.Column(scale=6):
        with gr.Row():
            tab.run = gr.Button(run, variant="primary", interactive=missing is None, elem_id=f"{name}-run")
            tab.stop = gr.Button("Stop", variant="stop", elem_id=f"{name}-stop")
        tab.status = gr.HTML("", elem_id=f"{name}-status")
        tab.preview = gr.Image(label="Latest frame", type="filepath", interactive=False, height=300,
                               elem_id=f"{name}-preview")
        tab.result = gr.Video(label="The clip", interactive=False, loop=True, height=300, elem_id=f"{name}-result")
        tab.download = gr.DownloadButton("Download the clip", interactive=False, elem_id=f"{name}-download")


def _repeat_tab() -> SimpleNamespace:
    tab = SimpleNamespace()
    gr.Markdown("Drop a PNG this page (or `deepdreamer dream`) made: its record restores every setting in the "
                "Dream tab. Guide and mask images are not in the record: upload them again. Drop a zoom or a "
                "dreamed video to restore its tab's settings.")
    tab.file = gr.File(label="Dreamed PNG or clip", file_types=["image", "video"], type="filepath",
                       elem_id="repeat-file")
    return tab


class _Form:
    """The Dream tab's fields as Gradio inputs, handed to the handlers by field name (Gradio hands them by widget)."""

    def __init__(self, ui: SimpleNamespace) -> None:
        self.fields = ui.fields
        self.inputs = set(ui.fields.values())

    def named(self, values: dict) -> dict[str, Any]:
        return {name: values[widget] for name, widget in self.fields.items()}


def _wire_dream(page: handlers.Page, ui: SimpleNamespace) -> None:
    from_preset = [ui.layers, *(ui.fields[name] for name in form.SETTINGS)]
    for what in ("photo", "guide", "mask"):
        widget = getattr(ui, what)
        widget.upload(page.upload(what), widget, [widget, ui.status], preprocess=False, **TALKING)
        widget.clear(page.cleared(what), None, None, **QUICK)
    ui.example.input(page.example, ui.example, [ui.photo, ui.status], **TALKING)
    ui.model.input(page.model_changed, ui.model, [ui.preset, ui.model_note, ui.add_layer, ui.channel_layer,
                                                  *from_preset], **QUICK)
    ui.preset.input(page.preset_changed, [ui.model, ui.preset], from_preset, **QUICK)
    ui.target.change(page.target_changed, ui.target, ui.boxes, **QUICK)
    ui.add_layer.input(page.layer_added, [ui.layers, ui.add_layer], [ui.layers, ui.add_layer], **QUICK)
    ui.channel_layer.change(page.channel_layer_changed, [ui.model, ui.channel_layer], ui.channel, **QUICK)
    _then_dream(page, ui, ui.dream.click(_prepare(page, ui), ui.form.inputs, ui.status, **TALKING))
    ui.stop.click(page.stop, None, None, **QUICK)


def _prepare(page: handlers.Page, ui: SimpleNamespace) -> Callable[[dict, gr.Request], str]:
    def prepare(values: dict, request: gr.Request) -> str:
        return page.prepare(ui.form.named(values), request)

    return prepare


def _then_dream(page: handlers.Page, ui: SimpleNamespace, checked: Any) -> None:
    """After ``checked`` (an event that ran :meth:`handlers.Page.prepare`) succeeds: the dream, in the device queue."""

    def dream(values: dict, request: gr.Request) -> Iterator[list[Any]]:
        yield from page.dream(ui.form.named(values), request)

    checked.success(dream, ui.form.inputs, [ui.status, ui.preview, ui.compare, ui.download],
                    concurrency_limit=1, concurrency_id=DEVICE, show_progress_on=[ui.preview])
    checked.failure(page.refused, None, [ui.status, ui.preview, ui.compare, ui.download], **QUICK)


def _wire_grid(page: handlers.Page, ui: SimpleNamespace, tab: SimpleNamespace,
               job: Callable[..., Iterator[list[Any]]], extra: list[gr.components.Component]) -> None:
    """A grid tab: its job in the device queue; a click on a result restores its settings and dreams them."""

    def run(values: dict, request: gr.Request) -> Iterator[list[Any]]:
        yield from job(ui.form.named(values), *(values[widget] for widget in extra), request)

    tab.run.click(_prepare(page, ui), ui.form.inputs, tab.status, **TALKING).success(
        run, ui.form.inputs | set(extra), [tab.status, tab.grid], concurrency_limit=1, concurrency_id=DEVICE,
        show_progress_on=[tab.grid])
    tab.stop.click(page.stop, None, None, **QUICK)
    picked = tab.grid.select(page.pick, None, ui.restored, **TALKING)
    _then_dream(page, ui, picked.success(_prepare(page, ui), ui.form.inputs, ui.status, **TALKING))


def _wire_zoom(page: handlers.Page, ui: SimpleNamespace, tab: SimpleNamespace) -> None:
    _wire_clip(page, ui, tab, page.prepare_zoom, page.zoom)


def _wire_music(page: handlers.Page, ui: SimpleNamespace, tab: SimpleNamespace) -> None:
    _wire_clip(page, ui, tab, page.prepare_music, page.music, (tab.sound, page.sound_uploaded, page.sound_cleared))


def _wire_video(page: handlers.Page, ui: SimpleNamespace, tab: SimpleNamespace) -> None:
    _wire_clip(page, ui, tab, page.prepare_video, page.dream_video,
               (tab.source, page.video_uploaded, page.video_cleared))


def _wire_clip(page: handlers.Page, ui: SimpleNamespace, tab: SimpleNamespace, prepare: Any, run: Any,
               upload: tuple[Any, Any, Any] | None = None) -> None:
    """A clip tab: its upload (the widget, what checks it, what forgets it), then run after the checks, and Stop."""
    if upload is not None:
        widget, uploaded, cleared = upload
        widget.upload(uploaded, widget, [widget, tab.status], preprocess=False, **TALKING)
        widget.clear(cleared, None, None, **QUICK)
    tab.run.click(prepare, [ui.model, *tab.inputs], tab.status, **TALKING).success(
        run, [ui.model, ui.preset, *tab.inputs], [tab.status, tab.preview, tab.result, tab.download],
        concurrency_limit=1, concurrency_id=DEVICE, show_progress_on=[tab.preview])
    tab.stop.click(page.stop, None, None, **QUICK)
