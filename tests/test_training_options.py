"""Training options every image GAN takes (AdversarialModel): the moving
average of the generator's weights (``ema_decay``)."""

import numpy as np
import pytest

import zoo
from tests import helpers
from tests.tiny import CYCLEGAN, DCGAN_LIKE


def _ema_rate(decay, t):
    return min(decay, (1.0 + t) / (10.0 + t))


@pytest.mark.parametrize("decay", [0.5, 0.95])
def test_ema_weights_follow_the_closed_form(decay):
    """After k generator updates the average equals
    e_t = d_t e_(t-1) + (1 - d_t) w_t, d_t = min(decay, (1 + t) / (10 + t)),
    from e_0 = the initial weights, with w_t read off the live generator."""
    model = helpers.build("dcgan", dict(DCGAN_LIKE, ema_decay=decay))
    data = helpers.default_batch(model)
    trained = [i for i, v in enumerate(model.generator.weights) if v.trainable]
    assert trained and len(trained) < len(model.generator.weights)  # batch norm's statistics too
    expected = [model.generator.weights[i].numpy() for i in trained]
    for t in range(1, 5):
        helpers.fit_once(model, data)
        assert int(model.g_optimizer.iterations) == t
        rate = _ema_rate(decay, t)
        expected = [rate * e + (1 - rate) * model.generator.weights[i].numpy() for e, i in zip(expected, trained)]
    got = [model.generator_ema.weights[i].numpy() for i in trained]
    helpers.assert_weights_close(got, expected, atol=1e-6, what="moving average vs closed form")
    # The average lags: it is not the live generator.
    assert max(np.abs(g - model.generator.weights[i].numpy()).max() for g, i in zip(got, trained)) > 1e-4
    # Non-trainable weights (batch-norm statistics) are copied.
    for i, v in enumerate(model.generator.weights):
        if not v.trainable:
            np.testing.assert_array_equal(model.generator_ema.weights[i].numpy(), v.numpy())


def test_generate_and_the_export_use_the_average(tmp_path):
    model = helpers.build("dcgan", dict(DCGAN_LIKE, ema_decay=0.5), **helpers.sharp_optimizers())
    helpers.fit_once(model, helpers.default_batch(model), steps=3)
    latents = model.latents(4, seed=3)
    averaged = model.generator_ema(latents, training=False).numpy()
    live = model.generator(latents, training=False).numpy()
    assert np.abs(averaged - live).max() > 1e-4  # 10x the tolerances below
    np.testing.assert_allclose(model.generate(latent=latents), averaged, atol=1e-6)
    # The exported network is the average (and only it: check_export bounds
    # the stored bytes by one network's weights).
    assert model.endpoints()[""].network is model.generator_ema
    path = helpers.check_export(model, tmp_path, n=3)
    np.savez(tmp_path / "latents.npz", latent=latents)
    helpers.load_without_zoo(path, str(tmp_path / "latents.npz"), str(tmp_path / "served.npz"))
    np.testing.assert_allclose(np.load(tmp_path / "served.npz")["images"], np.clip(averaged, -1, 1), atol=1e-5)


def test_ema_off_by_default_and_no_copy():
    model = zoo.get("dcgan", **DCGAN_LIKE)
    assert model.ema_decay is None and not hasattr(model, "generator_ema")
    assert model.sampling_network() is model.generator


def test_cyclegan_averages_both_directions():
    model = helpers.build("cyclegan", dict(CYCLEGAN, ema_decay=0.5))
    helpers.fit_once(model, helpers.default_batch(model), steps=2)
    for name, suffix in (("generator", "_a2b"), ("generator_ba", "_b2a")):
        assert model.endpoints()[suffix].network is getattr(model, f"{name}_ema")
        live, average = getattr(model, name).weights[0].numpy(), getattr(model, f"{name}_ema").weights[0].numpy()
        assert np.abs(live - average).max() > 1e-5


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1, True, "0.9"])
def test_bad_ema_decay_says_what_is_expected(value):
    with pytest.raises((ValueError, TypeError), match="ema_decay must be None"):
        zoo.get("dcgan", **dict(DCGAN_LIKE, ema_decay=value))


def test_ema_decay_is_a_config_key_of_every_gan():
    from zoo import registry

    for name in ("gan", "dcgan", "lsgan", "wgan", "wgan_gp", "sngan", "cgan", "acgan", "text2image", "pix2pix",
                 "cyclegan", "stargan"):
        assert "ema_decay" in registry.constructor_args(registry.get_class(name)), name


# === The truncation trick at sampling time ===


def test_truncation_redraws_exactly_the_components_beyond_the_threshold():
    from zoo import conditions

    z = conditions.Latent(64).draw(200, seed=4)
    out = conditions.truncate(z, 0.5, seed=4)
    inside = np.abs(z) <= 0.5
    assert 0.2 < inside.mean() < 0.6  # both kinds present
    np.testing.assert_array_equal(out[inside], z[inside])  # kept as they are
    assert (np.abs(out) <= 0.5).all()
    assert (out[~inside] != z[~inside]).all()  # every one beyond was redrawn
    # Redrawn values are normal draws kept within the threshold: not clipped to it.
    assert np.abs(out[~inside]).max() < 0.5 and np.std(out[~inside]) > 0.2
    np.testing.assert_array_equal(conditions.truncate(z, 0.5, seed=4), out)  # reproducible


def test_generate_and_the_export_sampler_truncate_the_same_latents(tmp_path):
    from zoo import conditions, export

    model = helpers.build("dcgan", DCGAN_LIKE)
    z = model.latents(6, seed=2)
    expected = model.generate(latent=conditions.truncate(z, 0.7, seed=2))
    np.testing.assert_allclose(model.generate(6, seed=2, truncation=0.7), expected, atol=1e-6)
    assert np.abs(model.generate(6, seed=2) - expected).max() > 1e-4  # it changed something
    path = export.saved_model(model, str(tmp_path), "m")
    np.testing.assert_allclose(export.sampler(path)(6, seed=2, truncation=0.7), np.clip(expected, -1, 1), atol=1e-5)


@pytest.mark.parametrize("value", [0, -1.0, True, "1"])
def test_bad_truncation_says_what_is_expected(value):
    model = zoo.get("dcgan", **DCGAN_LIKE)
    with pytest.raises(ValueError, match="truncation must be a positive number"):
        model.generate(2, truncation=value)


def test_truncation_refused_without_a_normal_latent():
    from tests.tiny import PIX2PIX

    model = zoo.get("pix2pix", **PIX2PIX)
    image = model.serving_example(2)["image"]
    with pytest.raises(ValueError, match="truncation= redraws a normal latent"):
        model.generate(image=image, truncation=1.0)
