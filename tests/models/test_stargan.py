"""StarGAN: beyond the shared checks (test_shared_checks.py), the
loss terms, domain inputs and their errors."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import build, default_batch, fit_once
from tiny import TINY as CASES
from zoo.models.stargan import StarGAN

TINY = CASES["stargan"].kwargs


def test_the_generator_reads_the_target_domain():
    model = build(StarGAN, TINY)
    fit_once(model, default_batch(model), steps=2)
    image = default_batch(model)[0][:2]
    outputs = [model.generate(image=image, domain=d) for d in range(3)]
    assert np.abs(outputs[0] - outputs[1]).max() > 1e-4 and np.abs(outputs[1] - outputs[2]).max() > 1e-4
    named = build(StarGAN, dict(TINY, domain_names=["mnist", "usps", "svhn"]))
    np.testing.assert_array_equal(named.generate(image=image, domain="usps"), named.generate(image=image, domain=1))


def test_logged_terms_are_the_papers_losses():
    model = build(StarGAN, dict(TINY, d_steps=1))
    real, domains = default_batch(model)
    # D's domain head is trained on the real images and their own domains:
    # logged from the forward pass before the update.
    _, domain_logits = model.discriminator(real)
    cross_entropy = tf.keras.losses.sparse_categorical_crossentropy(domains, domain_logits, from_logits=True).numpy().mean()
    accuracy = (domain_logits.numpy().argmax(-1) == domains).mean()
    logs = fit_once(model, (real, domains), steps=1)
    assert np.isclose(logs["d_domain_loss"], cross_entropy, rtol=1e-4), (logs["d_domain_loss"], cross_entropy)
    assert np.isclose(logs["real_domain_accuracy"], accuracy)


def test_reconstruction_term_is_the_round_trip_error():
    # Without the domain term, G mostly learns the round trip: an image sent
    # to a random domain and back to its own returns close to itself.
    model = build(StarGAN, dict(TINY, domain_weight=0.0, gp_weight=0.0), g_optimizer={"learning_rate": 3e-3})
    real, domains = default_batch(model)
    logs_before = fit_once(model, (real, domains), steps=1)
    fit_once(model, (real, domains), steps=40)
    logs_after = fit_once(model, (real, domains), steps=1)
    assert logs_after["reconstruction"] < 0.5 * logs_before["reconstruction"], (logs_before, logs_after)


def test_bad_inputs_are_clear_errors():
    model = build(StarGAN, dict(TINY, domain_names=["a", "b", "c"]))
    image = np.zeros((2, 16, 16, 1), "float32")
    with pytest.raises(ValueError, match=r"domain must be domain ids in \[0, 3\); got \[3\]"):
        model.generate(image=image, domain=3)
    with pytest.raises(ValueError, match=r"Unknown domain name\(s\) \['d'\]"):
        model.generate(image=image, domain="d")
    with pytest.raises(ValueError, match="needs image=.*and domain="):
        model.generate(image=image)
    with pytest.raises(ValueError, match=r"image must have shape \[n, 16, 16, 1\]"):
        model.generate(image=np.zeros((2, 16, 16, 3), "float32"), domain=0)
    with pytest.raises(ValueError, match="num_domains must be >= 2"):
        StarGAN(num_domains=1)
    with pytest.raises(ValueError, match="must name all 3"):
        StarGAN(num_domains=3, domain_names=["a"])
    with pytest.raises(ValueError, match="with_labels=True"):
        fit_once(model, default_batch(model)[0], steps=1)


def test_cli_translates_to_a_domain_from_keras_file_and_export(tmp_path, capsys):
    from PIL import Image

    from zoo import cli, export

    model = build(StarGAN, dict(TINY, domain_names=["a", "b", "c"]))
    fit_once(model, default_batch(model), steps=1)
    model.save(tmp_path / "m.keras")
    export.saved_model(model, str(tmp_path / "serving"), "sg")
    folder = tmp_path / "inputs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).save(folder / f"{i}.png")
    grids = []
    for where, domain in ((tmp_path / "m.keras", "c"), (tmp_path / "m.keras", "2"), (tmp_path / "serving" / "sg", "2")):
        assert cli.main(["translate", str(where), str(folder), "-o", str(tmp_path / "t.png"), "--scale", "1",
                         "--domain", domain]) == 0
        grids.append(np.asarray(Image.open(tmp_path / "t.png")))
    np.testing.assert_array_equal(grids[0], grids[1])
    np.testing.assert_array_equal(grids[0], grids[2])
    inputs = np.stack([np.asarray(Image.open(folder / f"{i}.png"), np.float32)[..., None] / 127.5 - 1 for i in range(2)])
    expected = np.round((model.generate(image=inputs, domain=2) + 1) * 127.5)[..., 0]
    assert np.abs(grids[0][:, 16:].reshape(2, 16, 16).astype(int) - expected).max() <= 1
    assert cli.main(["translate", str(tmp_path / "m.keras"), str(folder)]) == 2
    assert "--domain" in capsys.readouterr().err
    assert cli.main(["translate", str(tmp_path / "serving" / "sg"), str(folder), "--domain", "7"]) == 2
    assert "domain must be domain ids in [0, 3)" in capsys.readouterr().err


def test_domain_terms_use_the_source_for_d_and_the_target_for_g():
    """A D that reads every image as domain 0 (zero weights, biases [10,
    -10], learning rate 0), on a batch drawn entirely from domain 0: D's
    domain loss on real images (source labels) is ~0, G's domain loss on
    its translations is ~20 for each target of domain 1, so about 10 on
    average. Computed against the source domains it would be ~0."""
    import keras

    from helpers import random_images

    image = keras.Input((16, 16, 1))
    critic = keras.layers.Conv2D(1, 3, padding="same")(image)
    domains = keras.layers.Dense(2, kernel_initializer="zeros",
                                 bias_initializer=keras.initializers.Constant([10.0, -10.0]))(keras.layers.Flatten()(image))
    frozen = keras.Model(image, [critic, domains])
    model = build(StarGAN, dict(TINY, num_domains=2, discriminator=frozen, d_steps=1),
                  d_optimizer=keras.optimizers.SGD(0.0))
    logs = fit_once(model, (random_images((16, 16, 1), 16), np.zeros(16, np.int32)))
    assert logs["d_domain_loss"] < 1e-3
    assert 2.0 < logs["g_domain_loss"] < 18.0, logs["g_domain_loss"]
