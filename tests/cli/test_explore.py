"""``deepdreamer explore``: a sheet and its single dreams, each repeatable on the full photo; a rerun replaces only
its own numbered dreams."""

from __future__ import annotations

from PIL import Image

import deepdreamer as dd

from ..conftest import small_photo
from .test_dream import files_in, run_cli


def test_explore_writes_a_sheet_and_single_dreams_that_repeat(capsys, tmp_path, cat_file):
    sheet = tmp_path / "sheet.png"
    status, _, err = run_cli(capsys, "explore", cat_file, "-n", "3", "--seed", "5", "-o", sheet, "--size", "96",
                             "--iterations", "2")
    assert status == 0, err
    singles = sorted((tmp_path / "sheet").iterdir())
    assert [p.name for p in singles] == ["01.png", "02.png", "03.png"]
    assert Image.open(sheet).width > 2 * 96 and Image.open(sheet).height > 2 * 64  # 3 tiles in a 2x2 grid
    params = dd.read_image(singles[0]).params
    assert params["iterations"] == 2 and len(params["layers"]) >= 1
    full = tmp_path / "full.png"
    assert run_cli(capsys, "dream", cat_file, "-o", full, "--like", singles[0], "-q")[0] == 0
    assert dd.read_image(full).params["layers"] == params["layers"]
    assert Image.open(full).size == Image.open(cat_file).size


def test_explore_rerun_keeps_only_its_own_dreams_and_never_other_files(capsys, tmp_path, cat_file):
    sheet, folder = tmp_path / "sheet.png", tmp_path / "sheet"
    args = ["--seed", "5", "-o", sheet, "--size", "48", "--iterations", "1", "-q"]
    assert run_cli(capsys, "explore", cat_file, "-n", "3", *args)[0] == 0
    small_photo().save(folder / "07.png")  # numbered, but no dream's record: not ours
    small_photo().save(folder / "mine.png")
    assert run_cli(capsys, "explore", cat_file, "-n", "2", *args)[0] == 0
    assert files_in(folder) == {"01.png", "02.png", "07.png", "mine.png"}  # 03.png, a dream of the first run, is gone
