"""Every registered model's defaults are its paper's: loss family, critic
steps, loss weights, optimizers. The table is written from the papers (cited
per row), not read from the code, so a changed default fails here; a model
registered without a row fails too."""

import pytest

import zoo

ADAM_DCGAN = ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999})
#: name -> (attributes of zoo.get(name), the class and config of each of its OPTIMIZERS, in order:
#: a GAN (G, D); GLO (generator, codes); one-optimizer models (the optimizer,))
PAPER_DEFAULTS = {
    # Goodfellow et al. 2014: the non-saturating G loss is the one the paper recommends in practice.
    "gan": ({"adversarial_loss": "non_saturating", "d_steps": 1, "latent_dim": 100}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Radford et al. 2016: z in R^100, Adam 2e-4 / beta1 0.5.
    "dcgan": ({"adversarial_loss": "non_saturating", "d_steps": 1, "latent_dim": 100}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Arjovsky et al. 2017, Algorithm 1: c = 0.01, n_critic = 5, RMSProp 5e-5.
    "wgan": ({"adversarial_loss": "wasserstein", "d_steps": 5, "clip_value": 0.01},
             (("RMSprop", {"learning_rate": 5e-5}),) * 2),
    # Gulrajani et al. 2017, Algorithm 1: lambda = 10, n_critic = 5, Adam 1e-4 (0, 0.9).
    "wgan_gp": ({"adversarial_loss": "wasserstein", "d_steps": 5, "gp_weight": 10.0},
                (("Adam", {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}),) * 2),
    # Miyato et al. 2018: hinge loss, n_dis = 5, Adam 2e-4 (0, 0.9).
    "sngan": ({"adversarial_loss": "hinge", "d_steps": 5},
              (("Adam", {"learning_rate": 2e-4, "beta_1": 0.0, "beta_2": 0.9}),) * 2),
    # Mao et al. 2017: least squares, Adam 2e-4 / 0.5.
    "lsgan": ({"adversarial_loss": "least_squares", "d_steps": 1}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Mirza & Osindero 2014 + Reed et al. 2016 (GAN-CLS): mismatched-label negatives on.
    "cgan": ({"mismatched_negatives": True, "adversarial_loss": "non_saturating", "num_classes": 10},
             (ADAM_DCGAN, ADAM_DCGAN)),
    # Odena et al. 2017: class terms weighted 1 in both losses.
    "acgan": ({"class_loss_weight": 1.0, "adversarial_loss": "non_saturating"}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Reed et al. 2016: matching-aware discriminator (GAN-CLS).
    "text2image": ({"mismatched_negatives": True, "adversarial_loss": "non_saturating"}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Isola et al. 2017: lambda_L1 = 100, dropout 0.5 in G, 70x70 PatchGAN (3 layers).
    "pix2pix": ({"l1_weight": 100.0, "adversarial_weight": 1.0, "dropout": 0.5, "d_layers": 3,
                 "adversarial_loss": "non_saturating"}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Zhu et al. 2017: least squares, lambda_cyc = 10, identity 0.5 * lambda, pool of 50, 9 blocks.
    "cyclegan": ({"adversarial_loss": "least_squares", "cycle_weight": 10.0, "identity_weight": 0.5,
                  "pool_size": 50, "n_blocks": 9}, (ADAM_DCGAN, ADAM_DCGAN)),
    # Choi et al. 2018: WGAN-GP, lambda_cls 1, lambda_rec 10, lambda_gp 10, n_critic 5, Adam 1e-4 (0.5, 0.999).
    "stargan": ({"adversarial_loss": "wasserstein", "domain_weight": 1.0, "reconstruction_weight": 10.0,
                 "gp_weight": 10.0, "d_steps": 5, "n_blocks": 6},
                (("Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999}),) * 2),
    # Kingma & Welling 2014 trained with Adagrad; ours is Adam 1e-3 (keras.io's VAE), beta 1 = the ELBO.
    "vae": ({"beta": 1.0, "likelihood": "bernoulli"}, (("Adam", {"learning_rate": 1e-3}),)),
    # Dinh et al. 2017, Sec. 4.1: Adam 1e-3; alpha = 0.05 in the logit preprocessing.
    "realnvp": ({"alpha": 0.05}, (("Adam", {"learning_rate": 1e-3}),)),
    # Bojanowski et al. 2018: Lap1 on a 3-level pyramid (+ our MSE term), codes on the unit sphere.
    # Ours, not the paper's (which used SGD for both): G Adam 1e-3 / beta1 0.5; codes plain SGD, lr 100.
    "glo": ({"lap_levels": 3, "l2_weight": 1.0},
            (("Adam", {"learning_rate": 1e-3, "beta_1": 0.5}), ("SGD", {"learning_rate": 100.0, "momentum": 0.0}))),
    # Yu et al. 2017 (LantaoYu/SeqGAN): generator embedding 32, hidden 32, length 20, start token 0,
    # vocabulary 5,000; Adam 1e-2 for its MLE pretraining (the repository's gradient clip at 5 is not ours).
    "mle_lm": ({"embedding_dim": 32, "hidden_dim": 32, "length": 20, "start_token": 0, "vocab_size": 5000},
               (("Adam", {"learning_rate": 1e-2}),)),
    # Yu et al. 2017 (LantaoYu/SeqGAN): 16 rollouts, rollout update rate 0.8, D embedding 64, widths 1-10, 15, 20
    # with 100-200 filters, dropout keep 0.75, l2 0.2; G Adam 1e-2, D Adam 1e-4. (Their D schedule, 5 x 3 epochs
    # per G step, is not a per-batch count: d_steps is ours, set per recipe.)
    "seqgan": ({"rollouts": 16, "rollout_lag": 0.8, "d_embedding_dim": 64, "dropout": 0.25, "d_l2": 0.2,
                "filter_sizes": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20],
                "num_filters": [100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160],
                "embedding_dim": 32, "hidden_dim": 32, "length": 20, "vocab_size": 5000},
               (("Adam", {"learning_rate": 1e-2}), ("Adam", {"learning_rate": 1e-4}))),
    # Nie et al. 2019 (RelGAN): RSGAN loss, D widths 2-5 with 300 filters each on a 64-d embedding,
    # exponential annealing to beta_max 1000 (synthetic data), Adam 1e-4 for G and D.
    "gumbel_gan": ({"loss": "relativistic", "max_inverse_temperature": 1000.0, "d_embedding_dim": 64,
                    "filter_sizes": [2, 3, 4, 5], "num_filters": [300, 300, 300, 300], "embedding_dim": 32,
                    "hidden_dim": 32, "length": 20, "vocab_size": 5000},
                   (("Adam", {"learning_rate": 1e-4}), ("Adam", {"learning_rate": 1e-4}))),
    # Dai et al. 2019 (Style Transformer, fastnlp/style-transformer): self 0.25, cycle 0.5, style 1.0,
    # 500 reconstruction-only steps, temperature 1, D Adam 1e-4; the translators' Adam 1e-3 is ours (theirs 1e-4).
    "text_cyclegan": ({"self_weight": 0.25, "cycle_weight": 0.5, "adversarial_weight": 1.0, "pretrain_steps": 500,
                       "temperature": 1.0, "straight_through": True, "adversarial_loss": "non_saturating"},
                      (("Adam", {"learning_rate": 1e-3}), ("Adam", {"learning_rate": 1e-4}))),
}

#: Small constructor overrides that leave every defaulted attribute above alone.
SMALL = {
    "pix2pix": {"filters": 4, "source_shape": (16, 16, 1), "target_shape": (16, 16, 3)},
    "cyclegan": {"filters": 4, "d_filters": 4},
    "stargan": {"filters": 4, "d_filters": 4},
    "vae": {"filters": 4, "hidden": 8},
    "realnvp": {"filters": 4, "couplings": 1, "final_couplings": 1},
    "glo": {"g_filters": 4, "num_codes": 10},
    "mle_lm": {},
    "seqgan": {},
    "gumbel_gan": {},
    "text_cyclegan": {"vocabulary": ["the", "."], "length": 4, "embedding_dim": 4, "hidden_dim": 4,
                      "filter_sizes": [2], "num_filters": [2]},
}


def test_every_registered_model_has_a_row():
    assert sorted(PAPER_DEFAULTS) == zoo.names()


@pytest.mark.parametrize("name", sorted(PAPER_DEFAULTS))
def test_paper_defaults(name):
    attributes, optimizers = PAPER_DEFAULTS[name]
    model = zoo.get(name, **SMALL.get(name, {"g_filters": 4, "d_filters": 4} if name not in ("gan",) else {}))
    for key, expected in attributes.items():
        assert getattr(model, key) == expected, f"{name}.{key} = {getattr(model, key)!r}, paper: {expected!r}"
    assert len(optimizers) == len(model.OPTIMIZERS), f"{name} has optimizers {model.OPTIMIZERS}"
    for which, (class_name, config) in zip(model.OPTIMIZERS, optimizers):
        optimizer = getattr(model, which)
        assert type(optimizer).__name__ == class_name, f"{name} {which} optimizer {type(optimizer).__name__}"
        got = optimizer.get_config()
        for key, value in config.items():
            lr = got[key]
            if isinstance(lr, dict):  # a schedule (CycleGAN's linear decay): its initial rate
                lr = lr["config"].get("initial_learning_rate", lr["config"].get("learning_rate"))
            assert lr == pytest.approx(value), f"{name} {which} optimizer {key} = {lr}, paper: {value}"
