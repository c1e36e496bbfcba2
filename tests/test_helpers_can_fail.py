"""The shared checks catch the bugs they exist for (issue #3): each is fed a
deliberately broken model and must fail."""

import os
import re
import subprocess
import sys

import keras
import pytest
import tensorflow as tf

from helpers import check_keras_save_load, check_replica_equivalence
from zoo import layers, precision
from zoo.models.dcgan import DCGAN

TINY = dict(image_shape=(28, 28, 1), latent_dim=8, g_filters=4, d_filters=4)


class PerReplicaMean(DCGAN):
    """PITFALLS 3: the loss averaged over the replica's batch, not the global one."""

    @staticmethod
    def global_mean(per_example_loss):
        return tf.reduce_mean(per_example_loss)


class LazyOptimizers(DCGAN):
    """PITFALLS 2: optimizers whose slots are created inside the distributed step."""

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        keras.Model.compile(self, optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), **kwargs)
        self.g_optimizer = self.optimizer
        self.d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self._compile_kwargs = {}


class SameLatentsOnEveryReplica(DCGAN):
    """PITFALLS 13: each replica draws the same latents."""

    def sample_latents(self, local_batch):
        return keras.random.normal((local_batch, self.latent_dim), seed=self.seed_generator)


@keras.saving.register_keras_serializable(package="zoo_tests")
class NoSeedInSavedFile(DCGAN):
    """The latent seed state left out of the .keras file."""

    def save_own_variables(self, store):
        keras.Model.save_own_variables(self, store)

    def load_own_variables(self, store):
        keras.Model.load_own_variables(self, store)


def test_replica_check_fails_for_per_replica_loss_mean():
    with pytest.raises(AssertionError, match="1 vs 2 replicas|on 2"):
        check_replica_equivalence(PerReplicaMean, TINY)


def test_replica_check_catches_a_loss_scale_bug_with_margin():
    """With the check's SGD step, a loss off by the replica count moves the
    weights by over half an update: 500x the float32 tolerance (1e-3),
    where the Adam step caught it at 3.5x. A correct model is far below."""
    with pytest.raises(AssertionError, match="of this step's update") as failure:
        check_replica_equivalence(PerReplicaMean, TINY)
    share = float(re.search(r"([0-9.]+)% of this step's update", str(failure.value)).group(1))
    assert share > 50, f"the loss-scale bug moved the weights by only {share}% of the update"
    assert check_replica_equivalence(DCGAN, TINY) < 1e-4


def test_replica_check_fails_for_unbuilt_optimizers():
    # The failure aborts the process's collective executor ("restart your
    # program to reset"), so it runs in a process of its own.
    script = (
        "import conftest, helpers, test_helpers_can_fail as t\n"
        "try:\n"
        "    helpers.check_replica_equivalence(t.LazyOptimizers, t.TINY)\n"
        "except Exception as e:\n"
        "    print('FAILED-AS-EXPECTED', type(e).__name__, str(e)[:2000].replace(chr(10), ' '))\n"
        "else:\n"
        "    print('PASSED')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=os.path.dirname(__file__),
        capture_output=True, text=True, timeout=300,
    )
    assert "FAILED-AS-EXPECTED" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    # PITFALLS 2's own failure: a slot variable's placeholder inside the step, not any error.
    assert "FAILED-AS-EXPECTED InvalidArgumentError" in proc.stdout and "Placeholder" in proc.stdout, proc.stdout


def test_replica_check_fails_for_identical_latents_per_replica():
    with pytest.raises(AssertionError):
        check_replica_equivalence(SameLatentsOnEveryReplica, TINY)


class PerReplicaBatchNorm(DCGAN):
    """PITFALLS 14: batch norm in G with per-replica statistics."""

    def __init__(self, **kwargs):
        def unsynchronized(layer):
            config = layer.get_config()
            if isinstance(layer, keras.layers.BatchNormalization):
                config["synchronized"] = False
            return layer.__class__.from_config(config)

        generator = layers.dcgan_generator(kwargs["image_shape"], kwargs["latent_dim"], kwargs["g_filters"])
        generator = keras.models.clone_model(generator, clone_function=unsynchronized)
        super().__init__(generator=generator, **kwargs)


def test_replica_check_fails_for_per_replica_batch_norm():
    with pytest.raises(AssertionError):
        check_replica_equivalence(PerReplicaBatchNorm, TINY)


def test_save_load_check_fails_without_seed_state(tmp_path):
    with pytest.raises(AssertionError, match="after one more step"):
        check_keras_save_load(NoSeedInSavedFile, TINY, tmp_path)


@pytest.mark.parametrize("broken", [PerReplicaMean, PerReplicaBatchNorm])
def test_bfloat16_replica_check_fails_for_distribution_mistakes(broken):
    """The looser bfloat16 form of the check (difference vs the step's update)
    still catches distribution mistakes: unsynchronized batch norm is the
    subtlest (measured: 0.035 of the update, a correct model 0.0006)."""
    with precision.policy("mixed_bfloat16"):
        with pytest.raises(AssertionError, match="1 vs 2 replicas|on 2"):
            check_replica_equivalence(
                broken, TINY, compile_kwargs={"g_optimizer": "sgd", "d_optimizer": "sgd"}, update_rtol=0.01
            )


def test_the_zoo_free_loader_reports_a_failed_load_and_serves_the_next(tmp_path):
    """One loader process serves a test worker's exports (helpers.load_without_zoo): a
    load that fails is an assertion with the loader's traceback, and the process
    goes on to serve the next request, whose outputs are the SavedModel's own."""
    import numpy as np

    from helpers import load_without_zoo

    module = tf.Module()
    module.f = tf.function(lambda x: {"y": 2.0 * x + 1.0}, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "ok"), signatures={"serving_default": module.f})
    np.savez(tmp_path / "in.npz", x=np.array([1.0, -3.0], np.float32))
    with pytest.raises(AssertionError, match="(?s)without zoo failed.*SavedModel file does not exist"):
        load_without_zoo(str(tmp_path / "missing"), str(tmp_path / "in.npz"), str(tmp_path / "out.npz"))
    load_without_zoo(str(tmp_path / "ok"), str(tmp_path / "in.npz"), str(tmp_path / "out.npz"))
    assert np.load(tmp_path / "out.npz")["y"].tolist() == [3.0, -5.0]
