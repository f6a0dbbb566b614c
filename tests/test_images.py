"""Reading any photo safely, and writing atomically with parameters in the metadata."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

import deepdreamer as dd
from deepdreamer.images import read_image, write_image


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_exif_orientation_is_applied(tmp_path, cat):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    path = tmp_path / "sideways.jpg"
    cat.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif, quality=98)
    picture = read_image(path)
    assert picture.image.size == cat.size
    assert np.abs(pixels(picture.image) - pixels(cat)).mean() < 3


def test_cmyk_becomes_rgb(tmp_path, cat):
    path = tmp_path / "cmyk.jpg"
    cat.convert("CMYK").save(path, quality=98)
    picture = read_image(path)
    assert picture.image.mode == "RGB" and picture.image.size == cat.size
    assert np.abs(pixels(picture.image) - pixels(cat)).mean() < 4


def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 64 * 48).reshape(48, 64).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    picture = read_image(path)
    assert picture.image.mode == "RGB"
    expected = np.rint(ramp / 257)
    assert np.abs(pixels(picture.image)[..., 1] - expected).max() <= 1
    assert pixels(picture.image).max() == 255


@pytest.mark.parametrize("mode, expected", [("L", "RGB"), ("LA", "RGBA"), ("RGBA", "RGBA"), ("1", "RGB")])
def test_other_modes_become_rgb_or_rgba(tmp_path, cat, mode, expected):
    path = tmp_path / f"{mode}.png"
    cat.convert(mode).save(path)
    assert read_image(path).image.mode == expected


def test_palette_with_transparency_keeps_its_alpha(tmp_path, cat):
    palette = cat.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    path = tmp_path / "palette.png"
    palette.save(path, transparency=0)
    image = read_image(path).image
    assert image.mode == "RGBA"
    assert (np.asarray(image)[..., 3] == 0).any()


def test_icc_profile_is_kept_through_a_write(tmp_path, cat):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = tmp_path / "tagged.png"
    cat.save(source, icc_profile=profile)
    picture = read_image(source)
    assert picture.icc_profile == profile
    out = tmp_path / "out.png"
    write_image(out, picture.image, icc_profile=picture.icc_profile)
    with Image.open(out) as written:
        assert written.info["icc_profile"] == profile


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"])
def test_parameters_round_trip_through_metadata(tmp_path, cat, suffix):
    path = tmp_path / f"out{suffix}"
    params = {"model": "x", "layers": {"block8": 1.5}, "guide": "/photos/été.png"}
    write_image(path, cat, params=params)
    assert read_image(path).params == params
    assert dd.images.read_params(path) == params  # without decoding the pixels


@pytest.mark.parametrize(("name", "message"), [
    ("out.bmp", r"cannot write \.bmp; use \.png, \.jpg, \.webp or \.tif"),
    ("out", "cannot write a file without an extension"),
    ("folder", r"is a folder; give a file name, such as .*folder/dream\.png"),
])
def test_outputs_that_would_lose_the_record_are_refused(tmp_path, cat, name, message):
    (tmp_path / "folder").mkdir()
    with pytest.raises(dd.DeepDreamError, match=message):
        write_image(tmp_path / name, cat, params={"model": "x"})


def test_a_camera_description_is_not_a_record(tmp_path, cat):
    exif = Image.Exif()
    exif[270] = "OLYMPUS DIGITAL CAMERA"
    cat.save(tmp_path / "camera.jpg", exif=exif)
    assert read_image(tmp_path / "camera.jpg").params is None


def test_truncated_file_is_refused(tmp_path, cat):
    buffer = io.BytesIO()
    cat.save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(dd.DeepDreamError, match=r"cut\.jpg: truncated or corrupt"):
        read_image(path)


def test_pixel_limit_refuses_before_decoding(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("1", (4000, 3000)).save(path)
    with pytest.raises(dd.DeepDreamError, match=r"12 megapixels, above the limit of 1 megapixel \(raise it with "
                                                 r"deepdreamer\.read_image\(path, max_pixels=N\)\)"):
        read_image(path, max_pixels=1_000_000)
    with pytest.raises(dd.DeepDreamError, match=r"is 12 megapixels, above the limit of 0\.001 megapixels"):
        read_image(path, max_pixels=1000)
    for limit in (0, -5, float("nan")):
        with pytest.raises(dd.DeepDreamError, match="max pixels must be a positive number"):
            read_image(path, max_pixels=limit)


def test_written_files_get_the_usual_permissions(tmp_path, cat):
    write_image(tmp_path / "out.png", cat)
    (tmp_path / "plain").write_bytes(b"")  # what any program's new file gets under this umask
    assert (tmp_path / "out.png").stat().st_mode & 0o777 == (tmp_path / "plain").stat().st_mode & 0o777


def test_interrupted_write_leaves_nothing(tmp_path, cat, monkeypatch):
    def save_half_then_interrupt(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"\x89PNG half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", save_half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_image(tmp_path / "out.png", cat)
    assert list(tmp_path.iterdir()) == []
