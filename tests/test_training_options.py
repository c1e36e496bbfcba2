"""Training options of the image GANs (AdversarialModel): the moving average
of the generator (``ema_decay``), the truncation trick, DiffAugment, R1 and
one generator forward per step (``reuse_fakes``)."""

import numpy as np
import pytest

import helpers
import zoo
from tiny import CYCLEGAN, DCGAN_LIKE


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


@pytest.mark.parametrize("name, kwargs", [("pix2pix", "PIX2PIX"), ("stargan", "STARGAN"), ("cgan", "LABELLED"),
                                          ("wgan_gp", "DCGAN_LIKE")])
def test_every_image_gan_generates_and_exports_with_the_average(name, kwargs):
    import tiny

    model = zoo.get(name, **dict(getattr(tiny, kwargs), ema_decay=0.9))
    assert all(e.network is model.generator_ema for e in model.endpoints().values())
    assert model.generator_ema is not model.generator
    assert len(model.generator_ema.weights) == len(model.generator.weights)


@pytest.mark.parametrize("name", ["seqgan", "gumbel_gan"])
def test_text_gans_refuse_ema(name):
    from tiny import GUMBEL, SEQGAN

    with pytest.raises(ValueError, match="ema_decay is an option of the image GANs"):
        zoo.get(name, **dict(SEQGAN if name == "seqgan" else GUMBEL, ema_decay=0.9))


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
    from tiny import PIX2PIX

    model = zoo.get("pix2pix", **PIX2PIX)
    image = model.serving_example(2)["image"]
    with pytest.raises(ValueError, match="truncation= redraws a normal latent"):
        model.generate(image=image, truncation=1.0)


# === DiffAugment ===


def _images(n=2, size=8, channels=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, channels)).astype("float32")


def test_translation_is_a_zero_filled_shift_by_the_drawn_offsets():
    from zoo import augment

    x = _images()
    # 8 px, max shift 1: u -> floor(3u) - 1: 0.9 -> +1, 0.1 -> -1, 0.5 -> 0.
    out = augment.translation(x, np.array([[0.9, 0.1], [0.5, 0.9]], "float32")).numpy()
    expected = np.zeros_like(x)
    expected[0, 1:, :-1] = x[0, :-1, 1:]  # image 0: down 1, left 1
    expected[1, :, 1:] = x[1, :, :-1]      # image 1: right 1
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_cutout_zeroes_one_square_of_half_the_side():
    from zoo import augment

    x = _images(1, 8)
    out = augment.cutout(x, np.array([[0.5, 0.0]], "float32")).numpy()
    # rows: start floor(0.5 * 9) - 2 = 2 -> rows 2..5; columns: floor(0) - 2 = -2 -> columns 0..1 (clipped at the edge).
    expected = x.copy()
    expected[0, 2:6, 0:2] = 0
    np.testing.assert_array_equal(out, expected)


def test_color_by_hand():
    from zoo import augment

    x = _images(1, 4, 3)
    # brightness +0.25, saturation x1, contrast x1: a plain offset.
    np.testing.assert_allclose(augment.color(x, np.array([[0.75, 0.5, 0.5]], "float32")).numpy(), x + 0.25,
                               atol=1e-6)
    # saturation x0: every pixel becomes its channel mean (grey).
    grey = augment.color(x, np.array([[0.5, 0.0, 0.5]], "float32")).numpy()
    np.testing.assert_allclose(grey, np.repeat(x.mean(-1, keepdims=True), 3, -1), atol=1e-6)


def test_diff_augment_is_differentiable_and_reaches_the_generator():
    import tensorflow as tf

    model = helpers.build("dcgan", dict(DCGAN_LIKE, diff_augment="color,translation,cutout"))
    assert model.diff_augment == ["color", "translation", "cutout"]
    z = model.latents(4, seed=1)
    with tf.GradientTape() as tape:
        fake = model.generator(z, training=True)
        seen = model.d_input(fake)
        score = tf.reduce_sum(model.discriminator(seen, training=True))
    grads = tape.gradient(score, model.generator.trainable_variables)
    assert all(g is not None for g in grads)
    assert sum(float(tf.reduce_sum(tf.abs(g))) for g in grads) > 0
    # The augmentation changed what D sees (cutout zeroes a quarter of each image).
    assert np.mean(seen.numpy() == 0) > 0.2 and np.mean(fake.numpy() == 0) < 0.01


@pytest.mark.parametrize("value, message", [
    ("flip", "diff_augment must be None or distinct policies"),
    (["color", "color"], "distinct policies"),
    ([], "distinct policies"),
])
def test_bad_diff_augment_names_the_policies(value, message):
    with pytest.raises(ValueError, match=message):
        zoo.get("dcgan", **dict(DCGAN_LIKE, diff_augment=value))


# === R1 ===


def _linear_gan(**options):
    """A GAN whose D is linear, D(x) = w . x + b: grad_x D = w for every x."""
    import keras

    from tiny import GAN

    inputs = keras.Input(GAN["image_shape"])
    d = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)), name="discriminator")
    return helpers.build("gan", dict(GAN, discriminator=d, **options), **helpers.sharp_optimizers())


def test_r1_of_a_linear_discriminator_is_hand_computable():
    import tensorflow as tf

    model = _linear_gan(r1_weight=10.0)
    w = model.discriminator.trainable_weights[0].numpy()
    real = tf.constant(_images(3, 8))
    _, penalty = model.score_real(lambda x: model.discriminator(x), real)
    np.testing.assert_allclose(penalty.numpy(), np.full(3, 0.5 * 10.0 * np.sum(w ** 2)), rtol=1e-5)


def test_r1_is_added_to_the_discriminator_loss():
    """Same weights, same batch, same draws: the logged D loss with R1 is
    the one without plus gamma/2 |w|^2 (before the step's update)."""
    plain, penalized = _linear_gan(), _linear_gan(r1_weight=4.0)
    penalized.set_weights(plain.get_weights())
    w = plain.discriminator.trainable_weights[0].numpy()
    data = helpers.default_batch(plain)
    logs_plain, logs_r1 = helpers.fit_once(plain, data), helpers.fit_once(penalized, data)
    expected = 0.5 * 4.0 * np.sum(w ** 2)
    assert logs_r1["r1_penalty"] == pytest.approx(expected, rel=1e-4)
    assert logs_r1["d_loss"] - logs_plain["d_loss"] == pytest.approx(expected, rel=1e-3)
    assert "r1_penalty" not in logs_plain


def test_lazy_r1_runs_every_kth_update_weighted_by_k():
    import tensorflow as tf

    model = _linear_gan(r1_weight=2.0, r1_every=3)
    w2 = np.sum(model.discriminator.trainable_weights[0].numpy() ** 2)
    real = tf.constant(_images(2, 8))
    seen = []
    for step in range(4):
        model.d_optimizer.iterations.assign(step)
        seen.append(float(model.score_real(lambda x: model.discriminator(x), real)[1][0]))
    np.testing.assert_allclose(seen, [3 * 0.5 * 2.0 * w2, 0.0, 0.0, 3 * 0.5 * 2.0 * w2], rtol=1e-5)


@pytest.mark.parametrize("name, kwargs", [("pix2pix", "PIX2PIX"), ("seqgan", "SEQGAN")])
def test_models_whose_d_sees_no_single_image_refuse_the_d_options(name, kwargs):
    import tiny

    for option in (dict(diff_augment="translation"), dict(r1_weight=1.0)):
        with pytest.raises(ValueError, match="options of the image GANs whose D judges one image"):
            zoo.get(name, **dict(getattr(tiny, kwargs), **option))


@pytest.mark.parametrize("value", [-1.0, True, "10"])
def test_bad_r1_weight_says_what_is_expected(value):
    with pytest.raises(ValueError, match="r1_weight must be a number >= 0"):
        zoo.get("dcgan", **dict(DCGAN_LIKE, r1_weight=value))


# === One generator forward per step ===


def _generator_calls_per_step(model):
    calls = []
    forward = model.generator.call
    object.__setattr__(model.generator, "call", lambda *a, **k: (calls.append(1), forward(*a, **k))[1])
    helpers.fit_once(model, helpers.default_batch(model))  # traces train_step once
    return len(calls)


def test_reuse_fakes_runs_the_generator_once_per_step():
    assert _generator_calls_per_step(helpers.build("dcgan", DCGAN_LIKE)) == 2
    assert _generator_calls_per_step(helpers.build("dcgan", dict(DCGAN_LIKE, reuse_fakes=True))) == 1


def test_reuse_fakes_updates_both_networks_from_one_batch_of_fakes():
    """With D's learning rate at 0, the reusing step's G update is the
    standard G step's on the same latents: G's loss goes through D on the
    fakes D just scored (one latent draw per step, not two)."""
    import keras
    import tensorflow as tf

    frozen_d = dict(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.0))
    reusing = helpers.build("dcgan", dict(DCGAN_LIKE, reuse_fakes=True), **frozen_d)
    check = helpers.build("dcgan", DCGAN_LIKE)
    check.set_weights(reusing.get_weights())  # the seed generator's state too: the same first draw
    before = [v.numpy() for v in reusing.generator.trainable_variables]
    data = helpers.default_batch(reusing)
    helpers.fit_once(reusing, data)
    z = check.sample_latents(len(data))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(check.g_loss_fn(check.discriminator(check.generator(z, training=True), training=True)))
    grads = tape.gradient(loss, check.generator.trainable_variables)
    expected = [b - 0.1 * g.numpy() for b, g in zip(before, grads)]
    helpers.assert_weights_close([v.numpy() for v in reusing.generator.trainable_variables], expected, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", [("dcgan", dict(DCGAN_LIKE, d_steps=2)), ("cgan", "LABELLED")])
def test_reuse_fakes_refused_outside_the_standard_alternation(name, kwargs):
    import tiny

    kwargs = getattr(tiny, kwargs) if isinstance(kwargs, str) else kwargs
    with pytest.raises(ValueError, match="reuse_fakes needs the standard alternation with d_steps = 1"):
        zoo.get(name, **dict(kwargs, reuse_fakes=True))
