"""Our InceptionV3 with Keras weights equals Keras's InceptionV3, and our seed dream equals the seed's TF code.

Keras builds its own InceptionV3 (random weights); we save them in the legacy Keras-2 HDF5 layout of the real
``..._notop.h5`` file, under *old* layer names (conv2d_1, batch_normalization_1, ...) so that nothing depends
on today's names, load that file, and compare activations, the seed's loss, and a short seed dream.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

import deepdreamer as dd
from deepdreamer.tensors import to_tensor

from ..conftest import small_photo

tf = pytest.importorskip("tensorflow")
h5py = pytest.importorskip("h5py")
keras = tf.keras

#: The chapter's layer_contributions, copied from its text (not read from the package).
LAYER_CONTRIBUTIONS = {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}
LAYERS = list(LAYER_CONTRIBUTIONS)


def write_legacy_h5(model, path: Path) -> None:
    """Keras-2 ``save_weights`` layout: root attr ``layer_names``; per layer, attr ``weight_names``."""
    counters: dict[str, int] = {}
    layer_names = []
    with h5py.File(path, "w") as f:
        for layer in model.layers:
            kind = {"Conv2D": "conv2d", "BatchNormalization": "batch_normalization"}.get(type(layer).__name__,
                                                                                      "other")
            counters[kind] = counters.get(kind, 0) + 1
            name = f"{kind}_{counters[kind]}"
            group = f.create_group(name)
            weight_names = []
            for weight in layer.weights:
                full = f"{name}/{weight.name}:0"
                group.create_dataset(full, data=np.asarray(weight.numpy()))
                weight_names.append(full.encode())
            group.attrs["weight_names"] = weight_names
            layer_names.append(name.encode())
        f.attrs["layer_names"] = layer_names
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.5"


@pytest.fixture(scope="module")
def keras_pair(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = keras.applications.InceptionV3(weights=None, include_top=False)
    rng = np.random.default_rng(0)
    for layer in model.layers:  # make the batch-norm statistics matter
        if isinstance(layer, keras.layers.BatchNormalization):
            beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(-0.2, 0.2, beta.shape), rng.uniform(-0.2, 0.2, mean.shape),
                               rng.uniform(0.5, 1.5, var.shape)])
    path = tmp_path_factory.mktemp("keras") / "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_legacy_h5(model, path)
    return model, path


def seed_loss_tf(activations):
    loss = 0.0
    for coeff, act in zip(LAYER_CONTRIBUTIONS.values(), activations, strict=True):
        scaling = tf.reduce_prod(tf.cast(tf.shape(act), "float32"))
        loss += coeff * tf.reduce_sum(tf.square(act[:, 2:-2, 2:-2, :])) / scaling
    return loss


def test_activations_and_seed_loss_match_keras(keras_pair):
    model, path = keras_pair
    ours = dd.load_model("inception_v3", weights=path, device="cpu")
    photo = small_photo("coffee", width=299)
    x = to_tensor(photo) / 127.5 - 1
    extractor = keras.Model(model.input, [model.get_layer(name).output for name in LAYERS])
    theirs = extractor(x.permute(0, 2, 3, 1).numpy(), training=False)
    with torch.no_grad():
        acts = ours.activations(x, LAYERS)
        our_loss = float(dd.layer_mix(dd.SEED_LAYER_MIX)(acts))
    for name, their_act in zip(LAYERS, theirs, strict=True):
        our_act = acts[name].permute(0, 2, 3, 1).numpy()
        assert our_act.shape == their_act.shape
        error = np.abs(our_act - their_act.numpy()).max() / np.abs(their_act.numpy()).max()
        print(f"{name}: max |ours - keras| / max |keras| = {error:.1e}")
        assert error < 1e-5, (name, error)
    their_loss = float(seed_loss_tf(theirs))
    print(f"seed loss: ours {our_loss:.6g}, keras {their_loss:.6g}")
    assert abs(our_loss - their_loss) <= 1e-5 * their_loss


def seed_dream_tf(model, image: np.ndarray, iterations: int, step: float) -> np.ndarray:
    """The seed's gradient_ascent and deprocess_image, transcribed to TF2 (one octave)."""
    extractor = keras.Model(model.input, [model.get_layer(name).output for name in LAYERS])
    x = tf.Variable(image[None] / 127.5 - 1)
    for _ in range(iterations):
        with tf.GradientTape() as tape:
            loss = seed_loss_tf(extractor(x, training=False))
        grads = tape.gradient(loss, x)
        grads /= tf.maximum(tf.reduce_mean(tf.abs(grads)), 1e-7)
        x.assign_add(step * grads)
    out = x.numpy()[0]
    out /= 2.0
    out += 0.5
    out *= 255.0
    return np.clip(out, 0, 255).astype("uint8")


def test_a_short_seed_dream_matches_the_seeds_tf_code(keras_pair):
    model, path = keras_pair
    photo = small_photo("chelsea", width=240)
    theirs = seed_dream_tf(model, np.asarray(photo, dtype=np.float32), iterations=3, step=0.01)
    ours = dd.dream(photo, model="inception_v3", weights=path, num_octaves=1, iterations=3, max_loss=math.inf,
                    device="cpu").image
    difference = np.abs(np.asarray(ours, dtype=int) - theirs.astype(int))
    assert np.abs(np.asarray(photo, dtype=int) - theirs.astype(int)).mean() > 1  # the dream did change it
    print(f"seed dream, ours vs TF: max {difference.max()} levels, mean {difference.mean():.3f}")
    assert difference.max() <= 2


def test_wrong_keras_files_are_one_line_errors(keras_pair, tmp_path):
    _, path = keras_pair
    with pytest.raises(dd.DeepDreamError, match="inception_v3 only"):
        dd.load_model("googlenet", weights=path)
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(dd.DeepDreamError, match="not a Keras weights file") as error:
        dd.load_model("inception_v3", weights=cut)
    assert "\n" not in str(error.value)


def test_a_notop_keras_file_refuses_class_objectives(keras_pair):
    _, path = keras_pair
    photo = small_photo("coffee", width=160)
    with pytest.raises(dd.DeepDreamError, match="no classifier"):
        dd.dream(photo, model="inception_v3", weights=path, objective="logit('tabby')", iterations=1)
