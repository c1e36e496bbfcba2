"""Why the JS divergence fails and the Wasserstein distance does not.

The example of Arjovsky et al. (2017, Example 1): real points (0, z) and
fake points (d, z), z ~ U[0, 1]: two parallel segments d apart. For each
distance d we train, from scratch,
  * a classic discriminator (minimax loss): at its optimum the loss is
    2 log 2 - 2 JS, so JS_hat = log 2 - loss / 2;
  * a WGAN critic (gradient penalty, lambda 10): W_hat = E D(real) - E D(fake).
Once the two sets stop overlapping (d >= 1), JS_hat sits at log 2 whatever d
is: the discriminator gives a generator no signal about how far it is. W_hat
keeps growing with d (the true W1 distance is d).

2-D, not 1-D, on purpose: in 1-D a critic initialised with the wrong slope
must pass through slope 0 to flip it, which the gradient penalty forbids
(seen here: it settles at slope ~+0.9 and reports -d). In 2-D the gradient
can rotate while keeping norm 1.

    python benchmarks/js_vs_wasserstein.py [--out docs/js_vs_wasserstein.png]
"""

import argparse
import json
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import zoo  # noqa: E402,F401  (before TensorFlow: it turns oneDNN on, zoo.cpu)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import layers, losses  # noqa: E402

DISTANCES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def _critic(seed):
    keras.utils.set_random_seed(seed)
    return layers.mlp_discriminator((2,), hidden_units=(64, 64))


def _train(distance, kind, steps, batch, seed):
    critic = _critic(seed)
    optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
    rng = tf.random.Generator.from_seed(seed)

    def draw():
        z = rng.uniform((batch, 1))
        return tf.concat([tf.zeros_like(z), z], 1), tf.concat([tf.fill(tf.shape(z), distance), z], 1)

    @tf.function
    def step():
        real, fake = draw()
        with tf.GradientTape() as tape:
            real_logits, fake_logits = critic(real, training=True), critic(fake, training=True)
            if kind == "js":
                loss = tf.reduce_mean(losses.minimax_discriminator_loss(real_logits, fake_logits))
            else:
                mix = rng.uniform((batch, 1))
                penalty = losses.gradient_penalty(critic, real, fake, mix)
                loss = tf.reduce_mean(losses.wasserstein_discriminator_loss(real_logits, fake_logits) + 10.0 * penalty)
        grads = tape.gradient(loss, critic.trainable_variables)
        optimizer.apply_gradients(zip(grads, critic.trainable_variables))

    for _ in range(steps):
        step()
    real, fake = draw()
    real_logits, fake_logits = critic(real), critic(fake)
    if kind == "js":
        loss = float(tf.reduce_mean(losses.minimax_discriminator_loss(real_logits, fake_logits)))
        return math.log(2) - loss / 2
    return float(tf.reduce_mean(real_logits) - tf.reduce_mean(fake_logits))


def signal(distances=DISTANCES, steps=600, batch=256, seed=0):
    """``{"distance": [...], "js": [...], "wasserstein": [...]}``."""
    out = {"distance": list(distances), "js": [], "wasserstein": []}
    for d in distances:
        out["js"].append(_train(d, "js", steps, batch, seed))
        out["wasserstein"].append(_train(d, "wasserstein", steps, batch, seed))
    return out


def plot(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(result["distance"], result["js"], "o-", label="JS estimate (optimal classic D)")
    ax.plot(result["distance"], result["wasserstein"], "s-", label="W estimate (WGAN-GP critic)")
    ax.plot(result["distance"], result["distance"], ":", color="grey", label="true W1 = d")
    ax.axhline(math.log(2), color="C0", ls="--", lw=0.8, label="log 2")
    ax.set_xlabel("distance d between the segments {0} x [0,1] and {d} x [0,1]")
    ax.set_ylabel("estimate")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--out", default="docs/js_vs_wasserstein.png")
    args = parser.parse_args()
    result = signal(steps=args.steps)
    print(f"{'d':>5} {'JS_hat':>8} {'W_hat':>8}   (log 2 = {math.log(2):.3f})")
    for d, js, w in zip(result["distance"], result["js"], result["wasserstein"]):
        print(f"{d:>5.2f} {js:>8.3f} {w:>8.3f}")
    plot(result, args.out)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(result, f, indent=1)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
