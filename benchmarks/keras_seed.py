"""The Keras reference: a faithful TF2 transcription of the seed's DeepDream (InceptionV3, weights=None).

Run by ``benchmarks/speed.py`` in its own process; prints one JSON line. Needs ``tensorflow-cpu``
(a test dependency, never a runtime one):

    python benchmarks/keras_seed.py --size 1024x768 --mode step --steps 3
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import tensorflow as tf

LAYER_CONTRIBUTIONS = {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}


def build(seed: int = 0) -> tf.keras.Model:
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.applications.InceptionV3(weights=None, include_top=False)
    return tf.keras.Model(model.input, [model.get_layer(name).output for name in LAYER_CONTRIBUTIONS])


def make_step(extractor: tf.keras.Model):
    @tf.function(reduce_retracing=True)
    def loss_and_grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = 0.0
            for coeff, act in zip(LAYER_CONTRIBUTIONS.values(), extractor(x, training=False), strict=True):
                scaling = tf.reduce_prod(tf.cast(tf.shape(act), "float32"))
                loss += coeff * tf.reduce_sum(tf.square(act[:, 2:-2, 2:-2, :])) / scaling
        grads = tape.gradient(loss, x)
        grads /= tf.maximum(tf.reduce_mean(tf.abs(grads)), 1e-7)
        return loss, grads

    return loss_and_grads


def resize(img: tf.Tensor, size: tuple[int, int]) -> tf.Tensor:
    return tf.compat.v1.image.resize_bilinear(img, size, align_corners=True)  # = scipy zoom(order=1)


def seed_dream(step_fn, img: np.ndarray, iterations: int = 20, step: float = 0.01, num_octave: int = 3,
               octave_scale: float = 1.4, max_loss: float | None = None) -> tuple[np.ndarray, int]:
    original_shape = img.shape[1:3]
    shapes = [tuple(int(dim / (octave_scale**i)) for dim in original_shape) for i in range(1, num_octave)]
    shapes = [original_shape, *shapes][::-1]
    original = tf.constant(img)
    shrunk_original = resize(original, shapes[0])
    x = shrunk_original
    steps = 0
    for shape in shapes:
        x = resize(x, shape)
        for _ in range(iterations):
            loss, grads = step_fn(x)
            if max_loss is not None and float(loss) > max_loss:
                break
            x += step * grads
            steps += 1
        upscaled_shrunk = resize(shrunk_original, shape)
        same_size_original = resize(original, shape)
        x += same_size_original - upscaled_shrunk
        shrunk_original = same_size_original
    return x.numpy(), steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="512x512", help="WIDTHxHEIGHT")
    parser.add_argument("--mode", choices=["step", "dream"], default="step")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    started = time.perf_counter()
    step_fn = make_step(build())
    img = np.random.default_rng(0).uniform(-1, 1, (1, height, width, 3)).astype("float32")
    if args.mode == "step":
        x = tf.constant(img)
        step_fn(x)  # trace and warm up
        first = time.perf_counter() - started
        t = time.perf_counter()
        for _ in range(args.steps):
            step_fn(x)
        result = {"seconds_per_step": (time.perf_counter() - t) / args.steps, "startup_to_first_step": first}
    else:
        t = time.perf_counter()
        _, steps = seed_dream(step_fn, img, iterations=args.iterations)
        result = {"seconds": time.perf_counter() - t, "steps": steps}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
