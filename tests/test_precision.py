"""Mixed precision (``zoo.precision``): bfloat16 compute, float32 weights,
float32 exports. A lever that changes results passes the checks every
variant passes: save/load, checkpoint resume, 1 vs 2 replicas, export in a
process without zoo, TFLite parity (issue #8)."""

import json

import keras
import numpy as np
import pytest

import helpers
import zoo
from zoo import precision, recipes, train
from zoo.models.dcgan import DCGAN

KWARGS = dict(latent_dim=8, g_filters=4, d_filters=4)


def test_get_builds_bfloat16_networks_and_restores_the_global_policy():
    model = zoo.get("dcgan", precision="mixed_bfloat16", **KWARGS)
    assert keras.config.dtype_policy().name == "float32"
    assert precision.of(model) == "mixed_bfloat16"
    assert {v.dtype for v in model.weights} == {"float32"}  # master weights stay float32
    assert precision.of(zoo.get("dcgan", **KWARGS)) == "float32"
    with pytest.raises(ValueError, match="d_steps"):  # fails inside the policy scope
        zoo.get("dcgan", precision="mixed_bfloat16", d_steps=0, **KWARGS)
    assert keras.config.dtype_policy().name == "float32"
    with pytest.raises(ValueError, match=r"precision must be one of .*'float16'"):
        zoo.get("dcgan", precision="float16", **KWARGS)


def test_auto_follows_the_cpu(tmp_path, monkeypatch):
    with_bf16, without = tmp_path / "a", tmp_path / "b"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert precision.native_bfloat16_cpu(str(with_bf16))
    assert not precision.native_bfloat16_cpu(str(without))
    assert not precision.native_bfloat16_cpu(str(tmp_path / "missing"))
    for native, expected in ((True, "mixed_bfloat16"), (False, "float32")):
        monkeypatch.setattr(precision, "native_bfloat16_cpu", lambda native=native: native)
        assert precision.resolve("auto") == expected  # no GPU on this machine
    assert precision.resolve(None) == "float32"


def test_float32_copy_has_the_weights_and_float32_outputs():
    model = zoo.get("dcgan", precision="mixed_bfloat16", **KWARGS)
    helpers.fit_once(model, helpers.default_batch(model), steps=2)
    copy = precision.float32_copy(model)
    assert copy is not model and precision.of(copy) == "float32"
    helpers.assert_weights_close(helpers.weights_of(copy), helpers.weights_of(model), atol=0, rtol=0)
    bf16 = np.asarray(helpers.generate_example(model, 8, 1))
    f32 = np.asarray(helpers.generate_example(copy, 8, 1))
    # Really computed in bfloat16 (8 mantissa bits), and close to float32.
    assert 1e-5 < np.abs(bf16 - f32).max() < 0.05
    plain = zoo.get("dcgan", **KWARGS)
    assert precision.float32_copy(plain) is plain


@pytest.mark.parametrize("check", ["save_load", "resume", "replicas"])
def test_bfloat16_training_state_round_trips(check, tmp_path):
    with precision.policy("mixed_bfloat16"):
        if check == "save_load":
            helpers.check_keras_save_load(DCGAN, KWARGS, tmp_path)
        elif check == "resume":
            helpers.check_checkpoint_resume(DCGAN, KWARGS, tmp_path)
        else:
            # SGD: Adam's first step is ~lr * sign(gradient), which turns the
            # rounding of near-zero gradients into full-size differences.
            helpers.check_replica_equivalence(
                DCGAN, KWARGS, compile_kwargs={"g_optimizer": "sgd", "d_optimizer": "sgd"}, update_rtol=0.01
            )


def test_bfloat16_model_reloads_in_bfloat16_and_exports_float32(tmp_path):
    model = zoo.get("dcgan", precision="mixed_bfloat16", **KWARGS)
    helpers.fit_once(model, helpers.default_batch(model), steps=2)
    model.save(tmp_path / "m.keras")
    assert precision.of(keras.saving.load_model(tmp_path / "m.keras")) == "mixed_bfloat16"
    path = helpers.check_export(model, tmp_path / "serving")  # compared with the float32 copy
    meta = json.loads((tmp_path / "serving" / "model" / "1" / "metadata.json").read_text())
    assert meta["training_precision"] == "mixed_bfloat16"
    assert path.endswith("1")
    # float32 only: the quantized conversions take the same float32 copy.
    assert helpers.check_tflite(model, tmp_path, quantizations=(None,))[None, None] <= 1e-4


def test_recipe_precision(tmp_path, tiny_recipe):
    recipe = recipes.load(tiny_recipe, ["train.epochs=1", "train.steps_per_epoch=2", "train.precision=mixed_bfloat16"])
    model, summary = train.train(recipe, str(tmp_path), verbose=0, samples=4)
    assert summary["precision"] == "mixed_bfloat16" == precision.of(model)
    assert precision.of(keras.saving.load_model(tmp_path / "model.keras")) == "mixed_bfloat16"
    with pytest.raises(recipes.RecipeError, match=r"precision must be one of .*'half'"):
        recipes.load(tiny_recipe, ["train.precision=half"])
