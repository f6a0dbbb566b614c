"""Shared fixtures: the real Lite0 weights and small real photos (bundled, public domain)."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import deepdreamer as dd
from deepdreamer.images import read_image
from deepdreamer.models import DreamNet


@pytest.fixture
def one_thread():
    """Dreams on a machine shared with other work run far faster on one thread, and repeat bit for bit on it (as a
    1-CPU Ray worker runs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def lite0() -> DreamNet:
    return dd.load_model("efficientnet_lite0", device="cpu")


@pytest.fixture(scope="session")
def random_inception() -> DreamNet:
    torch.manual_seed(0)
    return dd.load_model("inception_v3", device="cpu", pretrained=False)


def small_photo(name: str = "chelsea", width: int = 160) -> Image.Image:
    image = read_image(dd.example_path(name)).image
    return image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)


@pytest.fixture
def cat() -> Image.Image:
    return small_photo("chelsea")


@pytest.fixture
def cat_file(tmp_path, cat):
    path = tmp_path / "cat.png"
    cat.save(path)
    return path
