"""deepdreamer: DeepDream for photos, from the command line or Python.

>>> from PIL import Image
>>> import deepdreamer
>>> result = deepdreamer.dream(Image.open("photo.jpg"))      # doctest: +SKIP
>>> result.image.save("dream.png")                           # doctest: +SKIP
"""

from .api import DreamResult, dream, params_to_options
from .engine import DreamSettings, Progress
from .errors import DeepDreamError
from .explore import explore, layer_previews
from .filters import FilterSettings, visualize_channels
from .images import example_path, read_image, write_image
from .models import DEFAULT_MODEL, SEED_LAYER_MIX, LayerInfo, list_models, load_model, model_spec
from .models.classes import imagenet_classes
from .objectives import Objective, channel, channels, layer, layer_mix, logit
from .sheets import contact_sheet

__all__ = [
    "DEFAULT_MODEL", "SEED_LAYER_MIX", "DeepDreamError", "DreamResult", "DreamSettings", "FilterSettings", "LayerInfo",
    "Objective", "Progress", "channel", "channels", "contact_sheet", "dream", "example_path", "explore",
    "imagenet_classes", "layer", "layer_mix", "layer_previews", "list_models", "load_model", "logit", "model_spec",
    "params_to_options", "read_image", "visualize_channels", "write_image",
]
