"""Whole folders: natural order, one record per photo, unreadable files listed, resumable with the same result."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import deepdreamer as dd
from deepdreamer.animate.folders import MANIFEST, dream_folder, natural_key, plan_folder
from deepdreamer.cli import main
from deepdreamer.errors import DeepDreamError

from ..conftest import small_photo

FAST = {"iterations": 1, "num_octaves": 2}


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, name in [(10, "chelsea"), (2, "coffee"), (1, "astronaut")]:
        small_photo(name, width=72).save(folder / f"img{index}.jpg")
    (folder / "notes.txt").write_text("not a photo")
    return folder


def test_photos_are_planned_in_natural_order(photos, tmp_path):
    tasks = plan_folder(photos, tmp_path / "out")
    assert [t.source.name for t in tasks] == ["img1.jpg", "img2.jpg", "img10.jpg"]
    assert [t.output.name for t in tasks] == ["img1.png", "img2.png", "img10.png"]
    assert sorted(["b10", "B2", "a"], key=natural_key) == ["a", "B2", "b10"]


def test_every_photo_is_dreamed_with_its_own_record(photos, tmp_path):
    out = tmp_path / "out"
    run = dream_folder(photos, out, seed=3, objective="block10:5", **FAST)
    assert [p.name for p in run.written] == ["img1.png", "img2.png", "img10.png"] and not run.failed
    for path in run.written:
        record = dd.read_image(path).params
        assert record["seed"] == 3 and record["objective"] == "channel('block10', 5)"
        assert dd.read_image(path).image.size == dd.read_image(photos / f"{path.stem}.jpg").image.size


def test_an_unreadable_photo_is_listed_and_the_rest_are_dreamed(photos, tmp_path, capsys):
    (photos / "img3.jpg").write_bytes((photos / "img2.jpg").read_bytes()[:300])
    status = main(["dream", str(photos), "-o", str(tmp_path / "out"), "--iterations", "1", "--octaves", "1", "-q"])
    err = capsys.readouterr().err
    assert status == 2
    assert "skipped img3.jpg: " in err and "truncated" in err
    assert err.splitlines()[-1] == "deepdreamer: error: 1 of 4 photos could not be dreamed (listed above)"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["img1.png", "img10.png", "img2.png"]


def test_a_stopped_run_resumes_and_ends_as_an_uninterrupted_one(photos, tmp_path):
    stop = threading.Event()

    def stop_after_the_first(record):
        if record.result is not None:
            stop.set()

    resumed = tmp_path / "resumed"
    first = dream_folder(photos, resumed, progress=stop_after_the_first, stop=stop, **FAST)
    assert first.stopped and [p.name for p in first.written] == ["img1.png"]
    assert sorted(p.name for p in resumed.iterdir()) == [MANIFEST, "img1.png"]  # nothing partial
    second = dream_folder(photos, resumed, **FAST)  # the same command again, seed drawn the first time
    assert [p.name for p in second.skipped] == ["img1.jpg"] and len(second.written) == 2
    seed = dd.read_image(resumed / "img1.png").params["seed"]
    whole = dream_folder(photos, tmp_path / "whole", seed=seed, **FAST)
    for path in whole.written:
        assert dd.read_image(path).image.tobytes() == dd.read_image(resumed / path.name).image.tobytes()


def test_a_rerun_with_other_settings_is_refused(photos, tmp_path):
    dream_folder(photos, tmp_path / "out", seed=1, **FAST)
    with pytest.raises(DeepDreamError, match=r"other settings \(iterations\)"):
        dream_folder(photos, tmp_path / "out", seed=1, iterations=2, num_octaves=2)


@pytest.mark.parametrize("case", ["not a folder", "into itself", "empty"])
def test_bad_folders_are_one_line_errors(photos, tmp_path, case):
    source, output = {"not a folder": (photos / "img1.jpg", tmp_path / "o"), "into itself": (photos, photos),
                      "empty": (tmp_path / "o", tmp_path / "p")}[case]
    (tmp_path / "o").mkdir(exist_ok=True)
    with pytest.raises(DeepDreamError):
        plan_folder(source, output)
