"""Images in and out: safe reading of any photo, atomic writing, parameters in metadata, tensor conversion."""

from __future__ import annotations

import io
import json
import os
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps, PngImagePlugin, UnidentifiedImageError
from torch import Tensor

from .errors import DeepDreamError
from .files import atomic_output

#: Refuse images above this many pixels unless told otherwise (a 24 MP photo is 24e6; bombs are far larger).
DEFAULT_MAX_PIXELS = 120_000_000
#: Key of the JSON parameter record in a PNG text chunk (JPEG: the comment segment).
METADATA_KEY = "deepdreamer"
#: Photos bundled with the package (public domain / CC0, from scikit-image's data set).
EXAMPLE_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")

_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N"}


@dataclass
class Picture:
    """A decoded photo ready to dream: RGB or RGBA (alpha is re-attached, not dreamed), upright, 8-bit."""

    image: Image.Image
    icc_profile: bytes | None  # the input's RGB colour profile, re-attached on output
    params: dict[str, Any] | None  # deepdreamer parameters found in the file's metadata


def example_path(name: str) -> Path:
    """Path of a bundled example photo."""
    if name not in EXAMPLE_PHOTOS:
        raise DeepDreamError(f"unknown example {name!r}; choose from {', '.join(EXAMPLE_PHOTOS)}")
    return Path(str(resources.files("deepdreamer") / "photos" / f"{name}.jpg"))


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Picture:
    """Decode an image file completely, or raise a one-line :class:`DeepDreamError` naming file and reason."""
    path = Path(path)
    if max_pixels > (Image.MAX_IMAGE_PIXELS or 0) * 2:
        Image.MAX_IMAGE_PIXELS = max_pixels  # let our own limit, not Pillow's, decide
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise DeepDreamError(
                        f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, above the limit of "
                        f"{max_pixels / 1e6:g} (raise it with --max-pixels)"
                    )
                img.load()
                params = _params_from_info(img.info)
                icc = img.info.get("icc_profile") or None
                img = ImageOps.exif_transpose(img)
    except DeepDreamError:
        raise
    except FileNotFoundError:
        raise DeepDreamError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DeepDreamError(f"{path}: is a folder, not an image") from None
    except PermissionError:
        raise DeepDreamError(f"{path}: permission denied") from None
    except UnidentifiedImageError:
        raise DeepDreamError(f"{path}: not an image file Pillow can read") from None
    except Image.DecompressionBombError:
        raise DeepDreamError(f"{path}: too many pixels (raise the limit with --max-pixels)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise DeepDreamError(f"{path}: truncated or corrupt image ({str(exc).splitlines()[0]})") from None
    image, icc = _to_rgb(img, icc)
    return Picture(image, icc, params)


def _to_rgb(img: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Bring any Pillow mode to 8-bit RGB or RGBA; returns the image and the ICC profile that still applies."""
    mode = img.mode
    if mode in ("RGB", "RGBA"):
        return img, icc
    if mode == "CMYK":
        if icc:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode="RGB"), None
            except (ImageCms.PyCMSError, OSError):
                pass  # a broken profile: fall back to Pillow's naive conversion
        return img.convert("RGB"), None
    if mode in _SIXTEEN_BIT_MODES or mode in ("I", "F"):
        values = np.asarray(img, dtype=np.float64)
        if mode == "F" and values.max(initial=0) <= 1.0:
            values = values * 255
        elif mode in _SIXTEEN_BIT_MODES or values.max(initial=0) > 255:
            values = values / 257  # 0..65535 -> 0..255
        gray = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
        return gray.convert("RGB"), None
    has_alpha = "A" in mode or "a" in mode or (mode == "P" and "transparency" in img.info)
    keeps_profile = mode in ("RGBa", "RGBX")
    return img.convert("RGBA" if has_alpha else "RGB"), icc if keeps_profile else None


def _params_from_info(info: dict[str, Any]) -> dict[str, Any] | None:
    raw = info.get(METADATA_KEY) or info.get("comment")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return parse_params(raw) if isinstance(raw, str) else None


def parse_params(text: str | None) -> dict[str, Any] | None:
    """A JSON parameter record from a file's metadata (image or sound), or None if it holds none."""
    if not text:
        return None
    try:
        params = json.loads(text)
    except json.JSONDecodeError:
        return None
    return params if isinstance(params, dict) else None


def output_format(path: Path) -> str:
    """Pillow's format name for ``path``'s extension, or a one-line error."""
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None or fmt not in Image.SAVE:
        raise DeepDreamError(f"{path}: unknown output format {path.suffix or '(no extension)'!r}; use .png or .jpg")
    return fmt


def check_output_path(output: Path, inputs: list[Path]) -> None:
    """Fail before any work if the output cannot be written or would overwrite an input."""
    output_format(output)
    if not output.parent.is_dir():
        raise DeepDreamError(f"{output}: folder {output.parent} does not exist")
    for source in inputs:
        if output.exists() and source.exists() and os.path.samefile(output, source):
            raise DeepDreamError(f"{output}: refusing to overwrite the input image")


def write_image(path: str | Path, image: Image.Image, *, icc_profile: bytes | None = None,
                params: dict[str, Any] | None = None) -> None:
    """Save atomically: into a temporary file in the same folder, then rename over ``path``.

    An interrupted or failed save leaves no file behind. ``params`` go into the metadata as JSON.
    """
    path = Path(path)
    fmt = output_format(path)
    options: dict[str, Any] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    record = json.dumps(params, sort_keys=True) if params is not None else None
    if fmt == "PNG" and record is not None:
        text = PngImagePlugin.PngInfo()
        text.add_text(METADATA_KEY, record)
        options["pnginfo"] = text
    if fmt == "JPEG":
        image = image.convert("RGB")  # JPEG has no alpha
        options["quality"] = 95
        if record is not None:
            options["comment"] = record
    with atomic_output(path) as temporary:
        image.save(temporary, format=fmt, **options)


def shrink(image: Image.Image, side: int) -> Image.Image:
    """A copy no larger than ``side`` on its longest edge (Lanczos)."""
    small = image.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return small


def split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    if image.mode == "RGBA":
        return image.convert("RGB"), image.getchannel("A")
    return image.convert("RGB"), None


def attach_alpha(rgb: Image.Image, alpha: Image.Image | None) -> Image.Image:
    if alpha is None:
        return rgb
    rgba = rgb.copy()
    rgba.putalpha(alpha.resize(rgb.size))
    return rgba


def to_tensor(image: Image.Image) -> Tensor:
    """An RGB image as a 1x3xHxW float32 tensor of 0..255 values (channels-last in memory)."""
    array = np.array(image.convert("RGB"), dtype=np.uint8)  # 1 byte a value until the one float copy
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).float()


def to_image(tensor: Tensor) -> Image.Image:
    """Inverse of :func:`to_tensor`: rounds to the nearest level and clips to 0..255."""
    levels = tensor.detach().round().clamp_(0, 255).to(torch.uint8)
    return Image.fromarray(levels.squeeze(0).permute(1, 2, 0).cpu().contiguous().numpy(), "RGB")


#: Mask and photo may differ in size, but their aspect ratios must agree within this fraction.
MASK_ASPECT_TOLERANCE = 0.02


def to_mask_tensor(mask: Image.Image, size: tuple[int, int]) -> Tensor:
    """A grayscale mask (white: dream, black: keep, grey: blend) as a 1x1xHxW tensor of 0..1, resized to ``size``."""
    width, height = size
    if abs(mask.width / mask.height - width / height) > MASK_ASPECT_TOLERANCE * width / height:
        raise DeepDreamError(f"the mask is {mask.width}x{mask.height} but the photo is {width}x{height}: "
                             "give a mask of the photo's size or aspect ratio")
    gray = mask.convert("L").resize(size, Image.Resampling.BILINEAR)
    return torch.from_numpy(np.array(gray, dtype=np.float32) / 255.0)[None, None]
