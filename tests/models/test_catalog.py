"""The catalog (what ``models``, ``layers`` and ``--help`` read without torch) equals the live registry."""

from __future__ import annotations

from pathlib import Path

import torch

from deepdreamer.models import catalog
from deepdreamer.models.sources import hub_folder


def test_the_catalog_equals_the_registry():
    # after changing a model or preset: python -m deepdreamer.models.catalog
    assert catalog.load() == catalog.build()


def test_weights_sources_are_rebuilt_from_the_catalog():
    from deepdreamer.models import model_spec

    for name in catalog.load():
        assert catalog.weights_source(name) == model_spec(name).weights


def test_the_hub_folder_is_torchs():
    assert hub_folder() == Path(torch.hub.get_dir())
