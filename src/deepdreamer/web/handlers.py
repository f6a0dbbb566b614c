"""What the page's events do: plain functions of the widgets' values, one per event, wired up in :mod:`.app`.

Each works on the browser session's own :class:`~.workspace.Session` (found by Gradio's session hash).
The long ones (dream, explore, layer previews, zoom, video) are generators over :func:`.jobs.run`; they share one
queue per device, so Gradio shows the others their place in it. Messages a user can act on come back as
toasts (``gr.Warning``) and in the status line; nothing else of the server's (paths, tracebacks) is shown.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import gradio as gr

from .. import checks, precision, records
from ..errors import DeepDreamError
from ..examples import example_path
from ..images import Picture, read_image, shrink
from ..models.registry import DEFAULT_MODEL
from . import animation, choices, defaults, form, jobs
from .clips import ClipEvents
from .messages import refusal, status, warn
from .workspace import Session, Workspace, download_name

if TYPE_CHECKING:
    from ..api import DreamResult
    from ..exploration import DreamSet

#: The outputs of a restore (Repeat, a click on a grid), after the form's fields, in this order.
RESTORE_EXTRAS = ("model_note", "add_layer", "tabs", "status")
#: Fields whose choices depend on the model.
_LAYER_MENUS = ("add_layer", "channel_layer")


class Page(ClipEvents):
    """The page's state that outlives one event: the server's workspace, the device and its lock; the Zoom and
    Video tabs' events come from :class:`~.clips.ClipEvents`."""

    def __init__(self, workspace: Workspace, device: str = "auto", preview_every: float = defaults.PREVIEW_EVERY
                 ) -> None:
        self.workspace = workspace
        self.device = device
        self.preview_every = preview_every
        self.device_lock = threading.Lock()  # jobs a closed tab left behind finish their step before the next
        self.loaded: set[str] = set()  # models a job has loaded (they stay cached): no "loading the model" for them

    def warm_up(self) -> None:
        """Import torch and load the default model in the background, holding the device (a dream asked for
        meanwhile waits rather than loading it twice): the first visitor's dream starts at once."""

        def load() -> None:
            from ..models import load_model

            with self.device_lock, contextlib.suppress(DeepDreamError):  # weights missing: a dream will say so
                load_model(DEFAULT_MODEL, device=self.device)
                self.loaded.add(DEFAULT_MODEL)

        threading.Thread(target=load, name="deepdreamer-web-warm-up", daemon=True).start()

    def session(self, request: gr.Request) -> Session:
        return self.workspace.session(request.session_hash or "")

    # --- pictures in ---------------------------------------------------------------------------------------

    def upload(self, what: str) -> Any:
        """The handler of the photo's (or guide's, mask's) upload: check it, keep it under a server name."""

        def handler(payload: Mapping[str, Any] | None, request: gr.Request) -> tuple[Any, str]:
            session = self.session(request)
            setattr(session, what, None)
            if payload is None:
                return None, status("")
            try:
                picture = self.workspace.check_upload(payload["path"], what)
            except DeepDreamError as exc:
                warn(str(exc))
                return None, status(str(exc), kind="error")
            path = session.keep(picture, what)
            setattr(session, what, path)
            if what == "photo":
                session.photo_name = download_name(payload.get("orig_name"), "photo")
            width, height = picture.image.size
            return str(path), status(f"{what} ready: {width}x{height}")

        return handler

    def cleared(self, what: str) -> Any:
        def handler(request: gr.Request) -> None:
            setattr(self.session(request), what, None)

        return handler

    def example(self, name: str, request: gr.Request) -> tuple[Any, str]:
        if not name:
            return gr.skip(), gr.skip()
        session = self.session(request)
        picture = read_image(example_path(name))
        session.photo = session.keep(picture, "photo")
        session.photo_name = name
        width, height = picture.image.size
        return str(session.photo), status(f"photo ready: {name}, {width}x{height}")

    # --- choices -------------------------------------------------------------------------------------------

    @staticmethod
    def models_listed() -> Any:
        return gr.update(choices=model_menu())

    def model_changed(self, model: str) -> list[Any]:
        """A new model: its presets, its layers, the default preset's values (outputs: :func:`preset_outputs`)."""
        return [gr.update(choices=list(choices.presets(model)), value=choices.default_preset(model)),
                model_note(model), *layer_menus(model), *self.preset_changed(model, None)]

    @staticmethod
    def preset_changed(model: str, preset: str | None) -> list[Any]:
        values = form.preset_values(model, preset)
        return [values[name] for name in ("layers", *form.SETTINGS)]

    @staticmethod
    def layer_added(text: str, name: str | None) -> tuple[str, Any]:
        if not name:
            return gr.skip(), gr.skip()
        present = {item.partition("=")[0] for item in text.replace(",", " ").split()}
        if name not in present:
            text = f"{text}, {name}=1" if text.strip() else f"{name}=1"
        return text, None

    @staticmethod
    def channel_layer_changed(model: str, layer: str | None) -> Any:
        count = choices.channel_count(model, layer or "")
        return gr.update(info=None if count is None else f"0 to {count - 1}")

    @staticmethod
    def target_changed(target: str) -> list[Any]:
        return [gr.update(visible=target == name) for name in form.TARGETS]

    # --- dreaming ------------------------------------------------------------------------------------------

    def prepare(self, values: Mapping[str, Any], request: gr.Request) -> str:
        """Checks done before a job joins the queue, so a typo is not told after a wait."""
        return self._enqueue(request, lambda: (choices.check_model(values["model"]), form.to_options(values)),
                             "photo", "upload a photo, or pick a bundled one, first")

    def _enqueue(self, request: gr.Request, check: Callable[[], object], needs: str, missing: str) -> str:
        """Run ``check`` (a refusal on the page if it raises), require the session's ``needs`` file (else
        ``missing``), then put the job in the queue."""
        session = self.session(request)
        session.refused = None
        try:
            check()
            if getattr(session, needs) is None:
                raise DeepDreamError(missing)
        except DeepDreamError as exc:
            session.refused = str(exc)
            print(f"deepdreamer serve: refused before the queue: {exc}", file=sys.stderr, flush=True)
            raise refusal(str(exc)) from None
        session.new_job()
        return status("in the queue for the device")

    def refused(self, request: gr.Request) -> list[Any]:
        """After a refusal before the queue: the reason in the status line, the last result cleared (it is not
        what the form now says). Outputs: status, live picture, before/after, download."""
        reason = self.session(request).refused or ""
        return [status(reason, kind="error"), None, None, gr.update(value=None, interactive=False)]

    def dream(self, values: Mapping[str, Any], request: gr.Request) -> Iterator[list[Any]]:
        """Dream the session's photo; outputs: status, live picture, before/after, download."""
        from ..api import dream

        session = self.session(request)

        def work(progress: Any, stop: threading.Event) -> DreamResult:
            pictures = self._pictures(session, values["size"])
            return dream(pictures["photo"], **form.to_options(values),
                         **{key: pictures[key].image for key in ("guide", "mask") if key in pictures},
                         device=self.device, progress=progress, stop=stop)

        for item in self._run(work, session, values["model"]):
            if isinstance(item, str):
                yield [item, gr.skip(), gr.skip(), gr.skip()]
            elif isinstance(item, jobs.Update):
                yield [status(jobs.describe(item), item.record), _preview(session, item),
                       gr.skip(), gr.skip()]
            else:
                result: DreamResult = item.result
                path = session.download(f"{session.photo_name}_dream.png")
                result.save(path)
                done = (f"stopped after {jobs.duration(item.elapsed)}: kept what was dreamed so far"
                        if result.stopped else f"done in {jobs.duration(item.elapsed)} (seed {result.params['seed']})")
                yield [status(done, kind="stopped" if result.stopped else "done"), str(path),
                       (str(session.photo), str(path)), gr.update(value=str(path), interactive=True)]

    def explore(self, values: Mapping[str, Any], count: int, seed: str, size: int, request: gr.Request
                ) -> Iterator[list[Any]]:
        """Random layer mixes on a small copy; each dream joins the grid as it is done. Outputs: status, grid."""
        from ..exploration import explore

        session = self.session(request)
        drawn = checks.seed_or_drawn(None)  # for an empty seed box

        def work(progress: Any, stop: threading.Event) -> DreamSet:
            chosen = form.parse_seed(seed)
            return explore(self._pictures(session, 0)["photo"], int(count), seed=drawn if chosen is None else chosen,
                           side=int(size), device=self.device, progress=progress, stop=stop,
                           **_settings(form.to_options(values)))

        yield from self._grid(work, session, f"explore seed {(seed or '').strip() or drawn}", values["model"])

    def layer_previews(self, values: Mapping[str, Any], size: int, request: gr.Request) -> Iterator[list[Any]]:
        """One small dream per layer of the model, shallowest first. Outputs: status, grid."""
        from ..exploration import layer_previews

        session = self.session(request)

        def work(progress: Any, stop: threading.Event) -> DreamSet:
            return layer_previews(self._pictures(session, 0)["photo"], side=int(size), device=self.device,
                                  progress=progress, stop=stop, **_settings(form.to_options(values)))

        yield from self._grid(work, session, "layer previews", values["model"])

    def _grid(self, work: jobs.Work, session: Session, what: str, model: str) -> Iterator[list[Any]]:
        session.gallery = []
        tiles: list[tuple[str, str]] = []
        for item in self._run(work, session, model):
            if isinstance(item, str):
                yield [item, gr.skip()]
            elif isinstance(item, jobs.Update):
                for result in item.finished:
                    session.gallery.append(result)
                    path = session.new_file("tile", ".jpg")
                    result.image.convert("RGB").save(path, quality=90)
                    tiles.append((str(path), f"{len(tiles) + 1}: {form.format_layers(result.params['layers'])}"))
                yield [status(jobs.describe(item), item.record), tiles if item.finished else gr.skip()]
            else:
                dreams: DreamSet = item.result
                done = "stopped" if dreams.stopped else "done"
                yield [status(f"{what}: {done}, {len(dreams.dreams)} dreams in {jobs.duration(item.elapsed)}; "
                              "click one to dream the whole photo with its settings", kind=done), tiles]

    def _run(self, work: jobs.Work, session: Session, model: str) -> Iterator[str | jobs.Update | jobs.Finished]:
        """The job's updates, or a status line for a job starting (loading ``model`` the first time), stopped
        before it started, or failed."""
        stop = session.start_job()
        try:
            if stop.is_set():
                yield status("stopped before it started", kind="stopped")
                return
            for item in jobs.run(work, stop, self.device_lock, preview_every=self.preview_every,
                                 tick=min(jobs.TICK, self.preview_every or jobs.TICK)):
                if isinstance(item, jobs.Update) and item.record is None and not item.waiting:
                    yield status("starting" if model in self.loaded else "starting (loading the model)")
                    continue
                if isinstance(item, jobs.Finished):
                    self.loaded.add(model)
                yield item
        except DeepDreamError as exc:
            warn(str(exc))
            yield status(str(exc), kind="error")
        except Exception as exc:  # a bug: the server's log has the details, the page one line
            traceback.print_exc()
            yield status(f"failed: {type(exc).__name__} (see the server's log)", kind="error")
        finally:
            session.end_job(stop)

    def _pictures(self, session: Session, size: int | None) -> dict[str, Picture]:
        """The session's photo (shrunk to ``size`` on its longest side unless 0), guide and mask, read again
        (in the job's thread: an error there becomes the job's message)."""
        if session.photo is None:
            raise DeepDreamError("upload a photo, or pick a bundled one, first")
        pictures = {key: read_image(path) for key in ("photo", "guide", "mask")
                    if (path := getattr(session, key)) is not None}
        photo = pictures["photo"]
        if size and max(photo.image.size) > size:
            pictures["photo"] = Picture(shrink(photo.image, int(size)), photo.icc_profile, None)
        return pictures

    def stop(self, request: gr.Request) -> None:
        self.session(request).stop()

    def ended(self, request: gr.Request) -> None:
        """The tab was closed (Gradio noticed the heartbeat stop): its job stops, its files go."""
        self.workspace.end(request.session_hash or "")

    # --- repeating -----------------------------------------------------------------------------------------

    def repeat(self, payload: Mapping[str, Any] | None, request: gr.Request) -> list[Any]:
        """A dropped dreamed picture: every setting of its record back into the form, then the Dream tab; a
        dropped clip: its settings into the Zoom or Video tab (outputs: :data:`RESTORE_EXTRAS`, then the boxes
        of :data:`~.animation.ZOOM_BOXES` and :data:`~.animation.VIDEO_BOXES`, then the file)."""
        boxes = [gr.skip()] * (len(animation.ZOOM_BOXES) + len(animation.VIDEO_BOXES))
        if payload is None:
            return [gr.skip()] * (len(form.FIELDS) + len(RESTORE_EXTRAS) + len(boxes) + 1)
        try:
            record = self.workspace.upload_record(payload["path"], "dreamed file")
            if record is None:
                raise DeepDreamError("the dropped file holds no deepdreamer settings (a picture or clip saved by "
                                     "this page does)")
            if records.kind_of(record) in (records.ZOOM, records.VIDEO):
                return [*clip_restore_outputs(animation.from_record(record)), None]
            restored = form.from_record(record)
        except DeepDreamError as exc:
            warn(str(exc))
            return [*[gr.skip()] * (len(form.FIELDS) + len(RESTORE_EXTRAS) - 1), status(str(exc), kind="error"),
                    *boxes, None]
        return [*restore_outputs(restored, "settings restored from the dropped file", self.device), *boxes, None]

    def pick(self, event: gr.SelectData, request: gr.Request) -> list[Any]:
        """A click on a grid dream: its settings into the form (the full photo: size 0), then the Dream tab."""
        session = self.session(request)
        if not 0 <= event.index < len(session.gallery):
            raise refusal("that grid is gone: run it again")
        result = session.gallery[event.index]
        return restore_outputs(form.from_record(result.params), f"dreaming the whole photo like grid dream "
                                                                f"{event.index + 1}", self.device)


def restore_outputs(restored: form.Restored, what: str, device: str) -> list[Any]:
    """Updates for the form's fields (in :data:`form.FIELDS` order) and :data:`RESTORE_EXTRAS`. A record holds
    the precision a dream ran in; where ``auto`` runs in that one here, the form gets ``auto`` back."""
    values = restored.values
    model = values["model"]
    if values.get("precision") == _auto_precision(model, values["preset"], device):
        values["precision"] = precision.AUTO
    updates = {name: values[name] if name in values else gr.skip() for name in form.FIELDS}
    updates["preset"] = gr.update(choices=list(choices.presets(model)), value=values["preset"])
    updates["channel_layer"] = gr.update(choices=choices.layers(model), value=values.get("channel_layer"))
    text = "; ".join([what, *restored.notes])
    return [*updates.values(), model_note(model), layer_menus(model)[0], gr.Tabs(selected="dream"),
            status(text, kind="done")]


def clip_restore_outputs(restored: animation.RestoredClip) -> list[Any]:
    """Updates that restore a clip: its model and preset in the form, its tab's boxes, that tab shown."""
    model = restored.model
    choices.check_model(model)
    if restored.preset is not None and restored.preset not in choices.presets(model):
        raise DeepDreamError(f"it was dreamed with the preset {restored.preset!r}, which {model} does not have here")
    updates: dict[str, Any] = {name: gr.skip() for name in form.FIELDS}
    updates["model"] = model
    updates["preset"] = gr.update(choices=list(choices.presets(model)),
                                  value=restored.preset or choices.default_preset(model))
    text = "; ".join([f"{restored.kind} settings restored from the dropped clip", *restored.notes])
    gr.Info(text)
    boxes = [restored.boxes[name] if restored.kind == records.ZOOM else gr.skip() for name in animation.ZOOM_BOXES]
    boxes += [restored.boxes[name] if restored.kind == records.VIDEO else gr.skip() for name in animation.VIDEO_BOXES]
    return [*updates.values(), model_note(model), layer_menus(model)[0], gr.Tabs(selected=restored.kind),
            status(text, kind="done"), *boxes]


def _auto_precision(model: str, preset: str | None, device: str) -> str:
    """What ``auto`` resolves to for ``model``'s ``preset`` on ``device``."""
    from ..models import model_spec, resolve_device

    return precision.resolve(precision.AUTO, resolve_device(device), model_spec(model).preset(preset).precision)


def layer_menus(model: str) -> list[Any]:
    """The add-a-layer and channel-layer menus for ``model`` (outputs in :data:`_LAYER_MENUS` order)."""
    return [gr.update(choices=choices.layers(model), value=None) for _ in _LAYER_MENUS]


def model_menu() -> list[tuple[str, str]]:
    """The model menu: (label, name), the unavailable ones labelled so."""
    return [(choice.label, choice.name) for choice in choices.model_choices()]


def model_note(model: str) -> str:
    chosen = next(choice for choice in choices.model_choices() if choice.name == model)
    if chosen.missing is None:
        return chosen.description
    return f"{chosen.description}. **Unavailable**: {chosen.missing}."


def _settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options an explore or layer preview takes from the form: how to dream, not what (nor the seed)."""
    return {key: options[key] for key in ("model", "preset", "keep_colors", "precision", *form.SETTINGS)
            if options[key] is not None}


def _preview(session: Session, update: jobs.Update) -> Any:
    return gr.skip() if update.picture is None else str(session.preview(update.picture))
