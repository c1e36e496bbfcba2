"""zoo.get / register / names."""

import keras
import pytest

import zoo
from zoo.base import AdversarialModel


def test_names_and_descriptions():
    assert {"gan", "dcgan"} <= set(zoo.names())
    for name in zoo.names():
        cls = zoo.get_class(name)
        assert cls.registry_name == name and cls.description
        # Keras-serializable under the zoo package.
        assert keras.saving.get_registered_object(f"zoo>{cls.__name__}") is cls


def test_unknown_name_lists_available():
    with pytest.raises(ValueError, match=r"Unknown model 'dcgann'.*dcgan.*gan"):
        zoo.get("dcgann")


def test_register_twice_is_refused():
    with pytest.raises(ValueError, match="already registered"):

        @zoo.register("dcgan", "a second dcgan")
        class Again(AdversarialModel):
            pass


def test_get_compiles_with_paper_optimizers_and_overrides():
    model = zoo.get("dcgan", image_shape=(32, 32, 3), latent_dim=16, g_filters=4, d_filters=4)
    assert model.compiled
    for opt in (model.g_optimizer, model.d_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate.numpy()) == pytest.approx(2e-4) and opt.beta_1 == 0.5
    assert model.generate(2).shape == (2, 32, 32, 3)
    tuned = zoo.get("gan", g_optimizer={"learning_rate": 1e-3}, d_optimizer=keras.optimizers.SGD(0.1))
    assert float(tuned.g_optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    assert isinstance(tuned.d_optimizer, keras.optimizers.SGD)


def test_bad_overrides_are_clear():
    with pytest.raises(ValueError, match=r"Unknown overrides.*latent_size.*Valid keys"):
        zoo.get("dcgan", latent_size=3)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        zoo.get("dcgan", image_shape=(28, 28, 2))
    with pytest.raises(ValueError, match="d_steps"):
        zoo.get("gan", d_steps=0)
    with pytest.raises(ValueError, match="Unknown loss family"):
        zoo.get("gan", adversarial_loss="wgan")


def test_generate_inputs():
    model = zoo.get("gan", latent_dim=4, g_units=(8,), d_units=(8,))
    a = model.generate(3, seed=1)
    assert a.shape == (3, 28, 28, 1) and a.min() >= -1 and a.max() <= 1
    b = model.generate(latent=model.latents(3, seed=1))
    assert (a == b).all()
    with pytest.raises(ValueError, match=r"shape \[n, 4\]"):
        model.generate(latent=[[0.0, 1.0]])
