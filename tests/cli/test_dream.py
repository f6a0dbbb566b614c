"""The command line: bad input is one line and exit 2 with nothing written; good runs are repeatable."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
import pytest
from PIL import Image

import deepdreamer as dd
from deepdreamer.cli import main
from deepdreamer.models.weights import file_sha256

from ..conftest import small_photo

FAST = ["--iterations", "2", "--octaves", "2", "-q"]


def run_cli(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _truncated(folder: Path) -> Path:
    path = folder / "cut.jpg"
    small_photo().save(path)
    path.write_bytes(path.read_bytes()[:600])
    return path


def _huge(folder: Path) -> Path:
    path = folder / "wide.png"
    Image.new("L", (3000, 2000)).save(path)
    return path


def _text(folder: Path) -> Path:
    path = folder / "notes.jpg"
    path.write_text("not a picture")
    return path


def _square_mask(folder: Path) -> Path:
    path = folder / "mask.png"
    Image.new("L", (50, 50), 255).save(path)
    return path


def _copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


def _record(folder: Path, changes: dict) -> Path:
    """A PNG whose deepdreamer record is a real dream's with one value made wrong."""
    params = {"deepdreamer": "0.1.0", "model": "efficientnet_lite0", "layers": None, "objective": "block8",
              "seed": 1, **changes}
    path = folder / "recorded.png"
    dd.write_image(path, small_photo(), params=params)
    return path


def _sheet(folder: Path) -> Path:
    path = folder / "sheet.png"
    dd.write_image(path, small_photo(), params={"explore_seed": 3, "photo": "cat.png"})
    return path


BAD_RUNS = {
    "missing file": lambda d, cat: [d / "nope.jpg"],
    "not an image": lambda d, cat: [_text(d)],
    "truncated": lambda d, cat: [_truncated(d)],
    "too many pixels": lambda d, cat: [_huge(d), "--max-pixels", "1000000"],
    "bad layer": lambda d, cat: [cat, "--layer", "blok8=1"],
    "bad layer weight": lambda d, cat: [cat, "--layer", "block8=lots"],
    "negative step": lambda d, cat: [cat, "--step", "-1"],
    "step not a number": lambda d, cat: [cat, "--step", "abc"],
    "zero octaves": lambda d, cat: [cat, "--octaves", "0"],
    "nan max loss": lambda d, cat: [cat, "--max-loss", "nan"],
    "unknown model": lambda d, cat: [cat, "--model", "alexnet"],
    "unknown device": lambda d, cat: [cat, "--device", "tpu"],
    "too small for the octaves": lambda d, cat: [cat, "--octaves", "40"],
    "like without settings": lambda d, cat: [cat, "--like", cat],
    "bad objective": lambda d, cat: [cat, "--objective", "block8 +"],
    "objective with unknown layer": lambda d, cat: [cat, "--objective", "channel('blok8', 3)"],
    "unknown class": lambda d, cat: [cat, "--class", "unicorn"],
    "class and objective": lambda d, cat: [cat, "--class", "tabby", "--objective", "block8"],
    "layers and objective": lambda d, cat: [cat, "--layer", "block8=1", "--objective", "block8"],
    "guide objective without guide": lambda d, cat: [cat, "--objective", "guide('block8')"],
    "missing guide": lambda d, cat: [cat, "--guide", d / "nope.png"],
    "missing mask": lambda d, cat: [cat, "--mask", d / "nope.png"],
    "mask of another shape": lambda d, cat: [cat, "--mask", _square_mask(d)],
    "negative smoothing": lambda d, cat: [cat, "--smoothing", "-2"],
    "max memory not a size": lambda d, cat: [cat, "--max-memory", "lots"],
    "max memory too small": lambda d, cat: [cat, "--max-memory", "1M"],
    "guide the objective ignores": lambda d, cat: [cat, "--guide", cat, "--objective", "block8"],
    "output is the mask": lambda d, cat: [cat, "--mask", _copy(cat, d / "out.png")],
    **{f"like with bad {key}": (lambda d, cat, key=key, value=value: [cat, "--like", _record(d, {key: value})])
       for key, value in [("layers", "abc"), ("step", "x"), ("num_octaves", 2.5), ("seed", "7"), ("max_loss", "inf"),
                          ("guide", 3), ("model", ["x"]), ("keep_colors", "no"), ("objective", 5)]},
    "like a contact sheet": lambda d, cat: [cat, "--like", _sheet(d)],
    "layer given twice": lambda d, cat: [cat, "--layer", "block8=1", "--layer", "block8=2"],
    "zero max pixels": lambda d, cat: [cat, "--max-pixels", "0"],
    "output that cannot hold the record": lambda d, cat: [cat, "-o", d / "out.bmp"],
    "huge seed": lambda d, cat: [cat, "--seed", str(2**64)],
    "unknown scale": lambda d, cat: [cat, "--scale", "huge"],
    "scale too small": lambda d, cat: [cat, "--scale", "10"],
    "overflowing objective": lambda d, cat: [cat, "--objective", "block8 * 1e308 * 10"],
}


@pytest.mark.parametrize("case", list(BAD_RUNS))
def test_bad_input_is_one_line_exit_2_and_nothing_written(capsys, tmp_path, cat_file, case):
    args = BAD_RUNS[case](tmp_path, cat_file)
    before = files_in(tmp_path)
    status, _, err = run_cli(capsys, "dream", "-o", tmp_path / "out.png", *FAST, *args)  # later options win
    assert status == 2
    assert err.startswith("deepdreamer: error: ") and err.count("\n") == 1, err
    assert files_in(tmp_path) == before


def test_bad_output_paths_are_refused(capsys, tmp_path, cat_file):
    for output in [cat_file, tmp_path / "out.xyz", tmp_path / "no-such-folder" / "out.png"]:
        status, _, err = run_cli(capsys, "dream", cat_file, "-o", output, *FAST)
        assert status == 2 and err.count("\n") == 1, err
    assert files_in(tmp_path) == {"cat.png"}
    assert np.array_equal(np.asarray(Image.open(cat_file)), np.asarray(small_photo()))


def test_a_tiled_dream_says_so_in_one_line_and_records_its_tiles(capsys, tmp_path, cat_file):
    out = tmp_path / "out.png"
    status, _, err = run_cli(capsys, "dream", cat_file, "-o", out, "--tile-size", "128", *FAST[:-1])
    assert status == 0
    tiles = dd.read_image(out).params["tiles"]
    assert tiles == {"max_memory": None, "octaves": {"160x106": "96x128"}}  # 114x75 fits in one tile
    notes = [line for line in err.splitlines() if line.startswith("tiled")]
    assert notes == ["tiled (160x106 in 96x128 tiles): as --tile-size asks (how tiles differ: docs/tiling.md)"]
    err = run_cli(capsys, "dream", cat_file, "-o", out, *FAST[:-1])[2]
    assert not any(line.startswith("tiled") for line in err.splitlines())  # whole: nothing to say


def test_max_memory_is_recorded_but_not_repeated_by_like(capsys, tmp_path, cat_file):
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    assert run_cli(capsys, "dream", cat_file, "-o", first, "--max-memory", "3G", *FAST)[0] == 0
    assert dd.read_image(first).params["max_memory"] == 3 << 30
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--like", first, *FAST)[0] == 0
    assert dd.read_image(again).params["max_memory"] is None  # the machine's budget, not the recorded one


def test_dream_writes_the_image_its_octaves_and_its_settings(capsys, tmp_path, cat_file):
    out = tmp_path / "out.png"
    status, _, _ = run_cli(capsys, "dream", cat_file, "-o", out, "--seed", "3", "--save-octaves", *FAST)
    assert status == 0
    params = dd.read_image(out).params
    assert params["seed"] == 3 and params["iterations"] == 2 and params["num_octaves"] == 2
    assert params["model"] == "efficientnet_lite0" and params["deepdreamer"] == dd.__version__
    assert params["weights_sha256"] == file_sha256(
        Path(dd.model_spec("efficientnet_lite0").weights.locate()))
    assert json.dumps(params)  # plain JSON
    assert Image.open(out).size == Image.open(cat_file).size
    assert {"out_at_scale_114x75.png", "out_at_scale_160x106.png"} <= files_in(tmp_path)


def test_like_repeats_a_dream_and_explicit_options_win(capsys, tmp_path, cat_file):
    first, again, changed = tmp_path / "first.png", tmp_path / "again.png", tmp_path / "changed.png"
    assert run_cli(capsys, "dream", cat_file, "-o", first, "--layer", "block5=2", *FAST)[0] == 0
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--like", first, "-q")[0] == 0
    assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(again)))
    assert dd.read_image(again).params == dd.read_image(first).params
    assert run_cli(capsys, "dream", cat_file, "-o", changed, "--like", first, "--iterations", "1", "-q")[0] == 0
    params = dd.read_image(changed).params
    assert params["iterations"] == 1 and params["layers"] == {"block5": 2.0}


def test_a_feature_scale_is_recorded_and_repeated_by_like(capsys, tmp_path, cat_file):
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    options = ["--scale", "128", "--detail-iterations", "1", "--seed", "2", "--layer", "block8"]
    assert run_cli(capsys, "dream", cat_file, "-o", first, *options, *FAST)[0] == 0
    params = dd.read_image(first).params
    assert params["scale"] == 128 and params["detail_iterations"] == 1
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--like", first, "-q")[0] == 0
    assert dd.read_image(again).params == params
    assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(again)))
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--scale", "fine", *FAST)[0] == 0
    assert dd.read_image(again).params["scale"] == 1024


def test_layers_lists_names_channels_and_strides(capsys):
    status, out, _ = run_cli(capsys, "layers")
    assert status == 0
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:]}
    assert rows["block8"] == ["112", "16"] and rows["head"] == ["1280", "32"]
    status, out, _ = run_cli(capsys, "layers", "inception_v3")
    assert "mixed3" in out and "Mixed_6a" in out


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_exits_cleanly_and_leaves_no_file(tmp_path, sent):
    photo = tmp_path / "big.png"
    small_photo("astronaut", width=512).save(photo)
    out = tmp_path / "out.png"
    process = subprocess.Popen(
        [sys.executable, "-m", "deepdreamer", "dream", str(photo), "-o", str(out), "--iterations", "200"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # A shell that starts CI in the background makes children ignore SIGINT; a user's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    assert process.stderr is not None
    seen = ""
    # the first progress update: the dream is under way (the bar is throttled, so on a fast machine the first
    # step it shows may be a later one)
    while not re.search(r"step \d+/", seen) and process.poll() is None and time.monotonic() < deadline:
        seen += process.stderr.read(1)
    process.send_signal(sent)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted; no partial file was left" in err
    assert files_in(tmp_path) == {"big.png"}


def test_guided_masked_dream_records_its_files_and_repeats(capsys, tmp_path, cat_file):
    guide, mask = tmp_path / "guide.png", tmp_path / "mask.png"
    small_photo("coffee").save(guide)
    half = np.zeros((106, 160), np.uint8)
    half[:, 80:] = 255
    Image.fromarray(half).save(mask)
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    args = ["--guide", guide, "--mask", mask, "--keep-colors", "--smoothing", "1", *FAST]
    assert run_cli(capsys, "dream", cat_file, "-o", first, *args)[0] == 0
    params = dd.read_image(first).params
    assert params["guide"] == str(guide) and params["mask"] == str(mask) and params["keep_colors"] is True
    assert params["layers"] is None and params["objective"] == "guide('block8') + guide('block10')"
    dreamed, photo = np.asarray(Image.open(first), int), np.asarray(Image.open(cat_file), int)
    assert (dreamed[:, :80] == photo[:, :80]).all() and (dreamed[:, 80:] != photo[:, 80:]).any()
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--like", first, "-q")[0] == 0
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(first)))


def test_objective_and_class_options(capsys, tmp_path, cat_file):
    out = tmp_path / "out.png"
    assert run_cli(capsys, "dream", cat_file, "-o", out, "--objective", "block10:7 - 0.5*block8", *FAST)[0] == 0
    assert dd.read_image(out).params["objective"] == "channel('block10', 7) - 0.5*layer('block8')"
    assert run_cli(capsys, "dream", cat_file, "-o", out, "--class", "Golden Retriever", *FAST)[0] == 0
    assert dd.read_image(out).params["objective"] == "logit('golden retriever')"
    again = tmp_path / "again.png"
    assert run_cli(capsys, "dream", cat_file, "-o", again, "--like", out, "-q")[0] == 0
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(out)))


def test_filters_and_layer_previews_write_grids(capsys, tmp_path, cat_file):
    grid = tmp_path / "grid.png"
    status, _, err = run_cli(capsys, "filters", "block8", "--model", "efficientnet_lite0", "--channels", "0-1",
                             "--size", "48", "--iterations", "2", "-o", grid, "-q")
    assert status == 0, err
    assert dd.read_image(grid).params["channels"] == [0, 1]
    previews = tmp_path / "layers.png"
    status, _, err = run_cli(capsys, "layers", "--preview", cat_file, "--size", "48", "--iterations", "1",
                             "-o", previews, "-q")
    assert status == 0, err
    assert Image.open(previews).width > 4 * 48


@pytest.mark.parametrize("args", [
    ["filters", "efficientnet_lite0", "block99"],
    ["filters", "block8", "--model", "alexnet"],
    ["filters", "efficientnet_lite0", "block8", "--model", "vgg16"],
    ["layers", "inception_v3", "--model", "googlenet"],
    ["explore", "CAT", "-n", "101"],
    ["explore", "CAT", "--max-pixels", "10"],
    ["filters", "efficientnet_lite0", "block8", "--channels", "500"],
    ["filters", "efficientnet_lite0", "block8", "--size", "5"],
    ["explore", "nope.jpg"],
    ["explore", "CAT", "-n", "0"],
    ["explore", "CAT", "--size", "0"],
    ["layers", "--preview", "CAT", "--size", "-3"],
    ["filters", "efficientnet_lite0", "logits"],
    ["filters", "efficientnet_lite0", "block8", "--channels", "0-1000000"],
    ["layers", "--preview", "nope.jpg"],
])
def test_exploration_commands_refuse_bad_input_in_one_line(capsys, tmp_path, cat_file, args):
    before = files_in(tmp_path)
    args = [cat_file if a == "CAT" else a for a in args]
    status, _, err = run_cli(capsys, *args, "-o", tmp_path / "out.png", "-q")
    assert status == 2 and err.count("\n") == 1, err
    assert files_in(tmp_path) == before


def test_dream_help_is_grouped_and_lists_every_option():
    from deepdreamer.cli import cli
    from deepdreamer.cli.dream import GROUPS

    headings = ["What to dream", "How strong", "Octaves", "Output", "Performance and limits", "Reproducibility"]
    assert [title for title, _ in GROUPS] == headings
    grouped = [name for _, names in GROUPS for name in names]
    assert sorted(grouped) == sorted(p.name for p in cli.commands["dream"].params if p.name not in ("input_path",
                                                                                                     "help"))
    text = cli.commands["dream"].get_help(click.Context(cli.commands["dream"], info_name="dream"))
    assert [line[:-1] for line in text.splitlines() if line.endswith(":") and not line.startswith(" ")] == \
        [*headings, "Options"]  # Options: only --help


def test_old_spellings_work_and_are_hidden():
    from deepdreamer.cli import cli

    filters, layers = cli.commands["filters"], cli.commands["layers"]
    old = filters.make_context("filters", ["efficientnet_lite0", "block8", "--steps", "3"]).params
    assert (old["first"], old["second"], old["iterations"]) == ("efficientnet_lite0", "block8", 3)
    assert layers.make_context("layers", ["inception_v3"]).params["old_model"] == "inception_v3"
    usage = {command.name: command.get_help(click.Context(command, info_name=command.name)).splitlines()[0]
             for command in (filters, layers)}
    assert usage == {"filters": "Usage: filters [OPTIONS] LAYER", "layers": "Usage: layers [OPTIONS]"}
    assert "--steps" not in filters.get_help(click.Context(filters, info_name="filters"))


def test_a_folder_as_output_gets_the_dream_under_its_usual_name(capsys, tmp_path, cat_file):
    folder = tmp_path / "dreams"
    folder.mkdir()
    status, _, err = run_cli(capsys, "dream", cat_file, "-o", folder, "--save-octaves", *FAST)
    assert status == 0, err
    assert files_in(folder) == {"cat_dream.png", "cat_dream_at_scale_114x75.png", "cat_dream_at_scale_160x106.png"}


@pytest.mark.parametrize("suffix", [".webp", ".tif"])
def test_webp_and_tiff_dreams_repeat_with_like(capsys, tmp_path, cat_file, suffix):
    first, again = tmp_path / f"first{suffix}", tmp_path / "again.png"
    assert run_cli(capsys, "dream", cat_file, "-o", first, "--layer", "block5=2", "--seed", "4", *FAST)[0] == 0
    status, _, err = run_cli(capsys, "dream", cat_file, "-o", again, "--like", first, "-q")
    assert status == 0, err
    assert dd.read_image(again).params == dd.read_image(first).params


def test_like_of_a_dream_whose_mask_is_gone_names_the_setting_and_the_way_out(capsys, tmp_path, cat_file):
    mask, first = _square_mask(tmp_path), tmp_path / "first.png"
    Image.new("L", Image.open(cat_file).size, 255).save(mask)
    assert run_cli(capsys, "dream", cat_file, "-o", first, "--mask", mask, *FAST)[0] == 0
    mask.unlink()
    status, _, err = run_cli(capsys, "dream", cat_file, "-o", tmp_path / "again.png", "--like", first, "-q")
    assert status == 2
    assert f"{mask}: no such file (the mask recorded in {first}; give --mask FILE for another)" in err


def test_like_of_a_stopped_dream_says_what_it_will_do(capsys, tmp_path, cat_file):
    import threading

    stop = threading.Event()
    stopped = dd.dream(small_photo(width=96), seed=1, num_octaves=1, iterations=3, stop=stop,
                       progress=lambda record: stop.set() if record.step == 1 else None)
    stopped.save(tmp_path / "stopped.png")
    status, _, err = run_cli(capsys, "dream", cat_file, "-o", tmp_path / "again.png", "--like",
                             tmp_path / "stopped.png")
    assert status == 0, err
    assert f"{tmp_path / 'stopped.png'}: it was stopped at octave 1, step 1; repeating it runs every octave" in err
    assert dd.read_image(tmp_path / "again.png").params["iterations"] == 3 and "stopped_at" not in \
        dd.read_image(tmp_path / "again.png").params
