"""Atomic writes: a file or a folder appears whole or not at all, and a path that cannot be read is one line."""

from __future__ import annotations

import pytest

from deepdreamer.errors import DeepDreamError
from deepdreamer.files import atomic_folder, atomic_output, check_readable


def test_a_failed_write_leaves_nothing_and_keeps_what_was_there(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("before")
    with pytest.raises(RuntimeError), atomic_output(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert path.read_text() == "before" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_output(path) as temporary:
        temporary.write_text("after")
    assert path.read_text() == "after" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_os_error_while_writing_is_one_line_naming_the_output(tmp_path):
    refused = pytest.raises(DeepDreamError, match=r"out\.txt: cannot write \(.*Permission denied\)")
    with refused, atomic_output(tmp_path / "out.txt"):
        raise PermissionError(13, "Permission denied")


def test_a_folder_appears_whole_and_only_into_an_empty_place(tmp_path):
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "frames") as temporary:
        (temporary / "1.png").write_bytes(b"x")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with atomic_folder(tmp_path / "frames") as temporary:
        (temporary / "1.png").write_bytes(b"x")
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["1.png"]
    with pytest.raises(DeepDreamError, match="already holds files"), atomic_folder(tmp_path / "frames"):
        pass


@pytest.mark.parametrize(("name", "message"), [("missing", "no such file"), ("folder", "is a folder, not a video"),
                                               ("empty", "empty file")])
def test_an_input_that_cannot_be_read_is_one_line(tmp_path, name, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty").touch()
    with pytest.raises(DeepDreamError, match=message):
        check_readable(tmp_path / name, "a video")
