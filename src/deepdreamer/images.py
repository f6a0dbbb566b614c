"""Images in and out: safe reading of any photo, atomic writing, the record in the metadata (no torch here)."""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageCms, ImageOps, PngImagePlugin, UnidentifiedImageError

from . import checks, records
from .errors import DeepDreamError
from .files import atomic_output
from .settings import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    import numpy as np

_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N"}
#: The formats written, by extension: those whose metadata carries the record, so ``--like`` can repeat any output.
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}
#: EXIF tag 270 (ImageDescription): where WebP and TIFF files carry the record.
_DESCRIPTION_TAG = 270
#: How a Python user raises the pixel limit; the commands name their option (``--max-pixels``) instead.
LIMIT_HINT = "deepdreamer.read_image(path, max_pixels=N)"


@dataclass
class Picture:
    """A decoded photo ready to dream: RGB or RGBA (alpha is re-attached, not dreamed), upright, 8-bit."""

    image: Image.Image
    icc_profile: bytes | None  # the input's RGB colour profile, re-attached on output
    params: dict[str, Any] | None  # deepdreamer parameters found in the file's metadata
    path: Path | None = None  # the file it was read from (absolute), if any


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS, *, limit_hint: str = LIMIT_HINT) -> Picture:
    """Decode an image file completely, or raise a one-line :class:`DeepDreamError` naming file and reason.

    Images above ``max_pixels`` are refused before they are decoded (a guard against decompression bombs);
    the message says how to raise the limit: ``limit_hint``.
    """
    path = Path(path)
    checks.positive_limit(max_pixels, "max pixels")
    if max_pixels > (Image.MAX_IMAGE_PIXELS or 0) * 2:
        Image.MAX_IMAGE_PIXELS = max_pixels  # let our own limit, not Pillow's, decide
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise DeepDreamError(f"{path}: {width}x{height} is {_megapixels(width * height)}, above the limit "
                                         f"of {_megapixels(max_pixels)} (raise it with {limit_hint})")
                img.load()
                params = _params_of(img)
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
        raise DeepDreamError(f"{path}: too many pixels (raise the limit with {limit_hint})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise DeepDreamError(f"{path}: truncated or corrupt image ({str(exc).splitlines()[0]})") from None
    image, icc = _to_rgb(img, icc)
    return Picture(image, icc, params, path.resolve())


def read_params(path: str | Path) -> dict[str, Any] | None:
    """The record in an image file's metadata, read without decoding the pixels; None if there is none."""
    try:
        with Image.open(path) as img:
            return _params_of(img)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return None


def as_picture(value: Any, what: str = "image") -> Picture:
    """A picture from what a Python user passes: a path (read like the CLI reads it), a PIL image, or an
    H x W x 3 (or H x W) NumPy array of uint8, or of floats in 0..1. Anything else is a one-line error."""
    if isinstance(value, Picture):
        return value
    if isinstance(value, str | os.PathLike):
        return read_image(value)
    if isinstance(value, Image.Image):
        return Picture(value, value.info.get("icc_profile") or None, None) if value.mode in ("RGB", "RGBA") \
            else Picture(*_to_rgb(value, None), None)
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":  # without importing numpy
        return Picture(_from_array(value, what), None, None)
    raise DeepDreamError(f"{what} must be a file path, a PIL image or a NumPy array, not {type(value).__name__}")


def _from_array(array: np.ndarray, what: str) -> Image.Image:
    import numpy as np

    shape = "x".join(map(str, array.shape))
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)) or 0 in array.shape:
        raise DeepDreamError(f"{what}: an array of shape {shape}; expected height x width x 3 (RGB)")
    if array.dtype == np.uint8:
        levels = array
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise DeepDreamError(f"{what}: a float array must hold values from 0 to 1")
        levels = np.rint(array * 255).astype(np.uint8)
    else:
        raise DeepDreamError(f"{what}: an array of {array.dtype}; expected uint8 (0..255) or float (0..1)")
    if levels.ndim == 3 and levels.shape[2] == 1:
        levels = levels[..., 0]
    return Image.fromarray(np.ascontiguousarray(levels)).convert("RGBA" if levels.ndim == 3 and
                                                                  levels.shape[2] == 4 else "RGB")


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
        import numpy as np

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


def _megapixels(pixels: float) -> str:
    value = pixels / 1e6
    return f"{value:.3g} megapixel{'' if value == 1 else 's'}"


def _params_of(img: Image.Image) -> dict[str, Any] | None:
    """The record in a PNG text chunk, a JPEG comment, or (WebP, TIFF) the EXIF image description."""
    return records.loads(img.info.get(records.METADATA_KEY) or img.info.get("comment")
                         or img.getexif().get(_DESCRIPTION_TAG))


def output_format(path: Path) -> str:
    """Pillow's format name for ``path``'s extension (one that carries the record), or a one-line error."""
    if path.is_dir():
        raise DeepDreamError(f"{path}: is a folder; give a file name, such as {path / 'dream.png'}")
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise DeepDreamError(f"{path}: cannot write {path.suffix or 'a file without an extension'}; use .png, .jpg, "
                             ".webp or .tif (formats that keep the settings for --like)")
    return OUTPUT_FORMATS[path.suffix.lower()]


def check_output_path(output: Path, inputs: list[Path]) -> None:
    """Fail before any work if the output cannot be written or would overwrite an input."""
    output_format(output)
    if not output.parent.is_dir():
        raise DeepDreamError(f"{output}: folder {output.parent} does not exist")
    for source in inputs:
        if output.exists() and source.exists() and os.path.samefile(output, source):
            raise DeepDreamError(f"{output}: refusing to overwrite the input image")


#: zlib level of a PNG kept only until a clip is made of it: a dreamed 960x540 frame saves in 55 ms instead of
#: 176 ms (Pillow's default, 6) and is 12% larger.
QUICK_PNG = 1


def write_image(path: str | Path, image: Image.Image, *, icc_profile: bytes | None = None,
                params: dict[str, Any] | None = None, quick: bool = False) -> None:
    """Save atomically: into a temporary file in the same folder, then rename over ``path``.

    An interrupted or failed save leaves no file behind. ``params`` go into the metadata as JSON. ``quick`` is
    for a picture kept only until a clip is made of it: a PNG gets zlib's fastest level (:data:`QUICK_PNG`).
    """
    path = Path(path)
    fmt = output_format(path)
    options: dict[str, Any] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    record = records.dumps(params) if params is not None else None
    if fmt == "PNG" and record is not None:
        text = PngImagePlugin.PngInfo()
        text.add_text(records.METADATA_KEY, record)
        options["pnginfo"] = text
    if fmt == "PNG" and quick:
        options["compress_level"] = QUICK_PNG
    if fmt == "JPEG":
        image = image.convert("RGB")  # JPEG has no alpha
        options["quality"] = 95
        if record is not None:
            options["comment"] = record
    if fmt == "WEBP":
        options["quality"] = 95
    if fmt in ("WEBP", "TIFF") and record is not None:
        exif = Image.Exif()
        exif[_DESCRIPTION_TAG] = record  # ASCII: the record's JSON escapes anything else
        options["exif"] = exif.tobytes()
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
