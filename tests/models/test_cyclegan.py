"""CycleGAN: beyond the shared checks (test_shared_checks.py), the
cycle and identity terms, the history pool, and input checks."""

import numpy as np
import pytest

from helpers import build, default_batch, fit_once, random_images
from tiny import TINY as CASES
from zoo.models.cyclegan import CycleGAN

TINY = CASES["cyclegan"].kwargs


def test_logged_terms_are_the_papers_losses():
    model = build(CycleGAN, dict(TINY, pool_size=0))
    a, b = default_batch(model)
    fake_b, fake_a = model.generate(image=a), model.generate(image=b, direction="b2a")
    cycle = np.abs(model.generate(image=fake_b, direction="b2a") - a).mean() + np.abs(model.generate(image=fake_a) - b).mean()
    identity = np.abs(model.generate(image=b) - b).mean() + np.abs(model.generate(image=a, direction="b2a") - a).mean()
    d_b, d_a = model.discriminator(fake_b).numpy(), model.discriminator_a(fake_a).numpy()
    adversarial = ((d_b - 1) ** 2).mean() + ((d_a - 1) ** 2).mean()  # per example, batch means are equal here
    logs = fit_once(model, (a, b), steps=1)  # logged from the forward pass before the update
    assert np.isclose(logs["cycle"], cycle, rtol=1e-4), (logs["cycle"], cycle)
    assert np.isclose(logs["identity"], identity, rtol=1e-4), (logs["identity"], identity)
    assert np.isclose(logs["g_adversarial"], adversarial, rtol=1e-4), (logs["g_adversarial"], adversarial)
    assert np.isclose(logs["g_loss"], adversarial + 10 * cycle + 5 * identity, rtol=1e-4)


def test_pool_fills_then_returns_stored_fakes():
    model = build(CycleGAN, dict(TINY, pool_size=4))
    first = random_images((16, 16, 1), 3, seed=1)
    # Filling: each fake is stored and returned as it is.
    np.testing.assert_array_equal(model.from_pool("a", first).numpy(), first)
    assert int(model.pool_a_count.numpy()) == 3
    np.testing.assert_array_equal(model.pool_a.numpy()[:3], first)
    second = random_images((16, 16, 1), 40, seed=2)
    out = model.from_pool("a", second).numpy()
    assert int(model.pool_a_count.numpy()) == 4
    np.testing.assert_array_equal(out[0], second[0])  # the last free slot
    # Full: about half the images come back as earlier fakes.
    fresh = np.all(out == second, axis=(1, 2, 3))
    assert 8 <= (~fresh).sum() <= 32, (~fresh).sum()
    seen = np.concatenate([first, second])
    for image in out[~fresh]:
        assert np.any(np.all(seen == image, axis=(1, 2, 3))), "the pool returned an image it never stored"
    assert int(model.pool_b_count.numpy()) == 0  # one pool per domain


def test_cycle_loss_ties_translations_to_their_inputs():
    # Domain B: A's images with black and white swapped. The cycle term
    # (weight 10 against the adversarial 1) makes F(G(a)) return to a.
    model = build(CycleGAN, dict(TINY, pool_size=0, identity_weight=0.0), g_optimizer={"learning_rate": 3e-3})
    a = random_images((16, 16, 1), 8, seed=3)
    before = np.abs(model.reconstruct(a)[1] - a).mean()
    fit_once(model, (a, -a), steps=60)
    after = np.abs(model.reconstruct(a)[1] - a).mean()
    assert after < 0.4 * before, (before, after)


def test_bad_inputs_are_clear_errors():
    model = build(CycleGAN, TINY)
    with pytest.raises(ValueError, match=r"image must have shape \[n, 16, 16, 1\] \(domain B"):
        model.generate(image=np.zeros((2, 16, 16, 3), "float32"), direction="b2a")
    with pytest.raises(ValueError, match="direction must be one of"):
        model.generate(image=np.zeros((2, 16, 16, 1), "float32"), direction="ab")
    with pytest.raises(ValueError, match="needs image="):
        model.generate(2)
    with pytest.raises(ValueError, match="share height and width"):
        CycleGAN(shape_a=(16, 16, 1), shape_b=(32, 32, 1))
    with pytest.raises(ValueError, match="identity_weight=0"):
        CycleGAN(shape_a=(16, 16, 1), shape_b=(16, 16, 3))
    with pytest.raises(ValueError, match="multiples of 4"):
        CycleGAN(shape_a=(18, 18, 1), shape_b=(18, 18, 1))
    with pytest.raises(ValueError, match=r"\(images_a, images_b\)"):
        fit_once(model, random_images((16, 16, 1), 4), steps=1)


def test_cli_translates_either_direction_from_keras_file_and_exports(tmp_path, capsys):
    from PIL import Image

    from zoo import cli, export

    model = build(CycleGAN, dict(TINY, shape_b=(16, 16, 3), identity_weight=0.0))
    model.save(tmp_path / "m.keras")
    export.saved_model(model, str(tmp_path / "serving"), "cg")
    folder = tmp_path / "inputs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    grids = []
    for where, direction in ((tmp_path / "m.keras", ["--direction", "b2a"]), (tmp_path / "serving" / "cg_b2a", [])):
        assert cli.main(["translate", str(where), str(folder), "-o", str(tmp_path / "t.png"), "--scale", "1", *direction]) == 0
        grids.append(np.asarray(Image.open(tmp_path / "t.png")))
    np.testing.assert_array_equal(grids[0], grids[1])
    inputs = np.stack([np.asarray(Image.open(folder / f"{i}.png"), np.float32) / 127.5 - 1 for i in range(2)])
    right = grids[0][:, 16:].astype(int)  # the output column, widened to RGB
    expected = np.round((model.generate(image=inputs, direction="b2a") + 1) * 127.5)
    assert np.abs(right.reshape(2, 16, 16, 3)[..., 0] - expected[..., 0]).max() <= 1
    assert cli.main(["translate", str(tmp_path / "serving" / "cg_a2b"), str(folder), "--direction", "b2a"]) == 2
    assert "serves one direction" in capsys.readouterr().err
