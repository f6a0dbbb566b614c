"""deepdreamer: DeepDream for photos, from the command line or Python.

>>> from PIL import Image
>>> import deepdreamer
>>> result = deepdreamer.dream(Image.open("photo.jpg"))      # doctest: +SKIP
>>> result.image.save("dream.png")                           # doctest: +SKIP
"""

from .api import DreamResult, dream, params_to_options
from .engine import DreamSettings, Progress
from .errors import DeepDreamError
from .images import example_path, read_image, write_image
from .models import DEFAULT_MODEL, SEED_LAYER_MIX, LayerInfo, list_models, load_model, model_spec
from .objectives import Objective, layer, layer_mix

__all__ = [
    "DEFAULT_MODEL", "SEED_LAYER_MIX", "DeepDreamError", "DreamResult", "DreamSettings", "LayerInfo", "Objective",
    "Progress", "dream", "example_path", "layer", "layer_mix", "list_models", "load_model", "model_spec",
    "params_to_options", "read_image", "write_image",
]
