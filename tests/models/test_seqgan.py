"""SeqGAN: the rollout reward is the mean D score of the completions, the
REINFORCE sign, the rollout network's lag, dropout drawn for the global
batch, the pretrained generator, and learning a small oracle by policy
gradient alone (a frozen G does not)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import build, fit_once, small_oracle_nll, two_replicas
from tiny import TINY
from zoo.models.mle_lm import MLELanguageModel
from zoo.models.seqgan import SeqGAN, policy_gradient_loss, rollout_rewards, token_log_probs

KWARGS = TINY["seqgan"].kwargs
WORDS = TINY["seqgan"].overrides["save"]


def ones_score(tokens):
    """A stand-in D: the share of token 1 in each sequence."""
    return tf.reduce_mean(tf.cast(tf.equal(tokens, 1), tf.float32), axis=1)


@pytest.mark.parametrize("kwargs", [KWARGS, WORDS], ids=["ids", "words"])
def test_the_reward_of_a_prefix_is_the_mean_score_of_its_completions(kwargs):
    model = build(SeqGAN, kwargs)
    length, n, batch = model.length, 3, 2
    tokens = tf.constant(model.generate(batch, seed=3))
    noise = np.random.default_rng(0).random((length - 1, n, batch, length)).astype("float32")
    rewards = rollout_rewards(model.rollout_sampler, ones_score, tokens, tf.constant(noise)).numpy()
    assert rewards.shape == (batch, length)
    for b in range(batch):
        for t in range(1, length):
            scores = []
            for k in range(n):  # one completion at a time: keep the prefix, sample the rest
                row = model.rollout_sampler.sample(tf.constant(noise[t - 1, k, b][None]), tf.ones([1]),
                                                   prefix=tokens[b][None], given=t).numpy()[0]
                assert row[:t].tolist() == tokens[b, :t].numpy().tolist()
                scores.append(np.mean(row == 1))
            assert rewards[b, t - 1] == pytest.approx(np.mean(scores), abs=1e-6)
        assert rewards[b, -1] == pytest.approx(np.mean(tokens[b].numpy() == 1), abs=1e-6)


@pytest.mark.parametrize("reward", [1.0, -1.0])
def test_reinforce_moves_the_log_probability_with_the_reward(reward):
    model = build(SeqGAN, KWARGS)
    tokens = tf.constant(model.generate(4, seed=1))
    before = token_log_probs(model.sampler, model.ids, tokens).numpy().sum()
    optimizer = keras.optimizers.SGD(0.5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(policy_gradient_loss(token_log_probs(model.sampler, model.ids, tokens),
                                                   tf.fill(tokens.shape, reward), model.ids.mask(tokens)))
    variables = model.generator.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    after = token_log_probs(model.sampler, model.ids, tokens).numpy().sum()
    assert (after - before) * reward > 0.01, f"log p moved {after - before:.4f} under reward {reward}"


def test_the_reward_baseline_is_the_mean_over_the_global_batch():
    model = build(SeqGAN, dict(KWARGS, reward_baseline="mean"))
    rewards = np.arange(12, dtype="float32").reshape(4, 3) ** 2
    np.testing.assert_allclose(model.advantages(tf.constant(rewards)).numpy(), rewards - rewards.mean(axis=0))
    strategy = two_replicas()
    shares = strategy.experimental_distribute_values_from_function(
        lambda context: tf.constant(rewards[2 * context.replica_id_in_sync_group:][:2]))
    results = strategy.experimental_local_results(strategy.run(model.advantages, args=(shares,)))
    for replica, share in enumerate(results):  # minus the global mean, not the replica's own half's
        np.testing.assert_allclose(share.numpy(), rewards[2 * replica:][:2] - rewards.mean(axis=0))
    none = build(SeqGAN, dict(KWARGS, reward_baseline="none"))
    np.testing.assert_array_equal(none.advantages(tf.constant(rewards)).numpy(), rewards)


@pytest.mark.parametrize("baseline", ["none", "mean"])
def test_a_mean_baseline_leaves_g_alone_when_every_sample_earns_the_same(baseline):
    # Every sample gets the same rewards (a D that scores all sequences 0.7):
    # without a baseline REINFORCE still raises their log-probabilities;
    # with the mean baseline the advantages are 0 and G does not move.
    model = build(SeqGAN, dict(KWARGS, reward_baseline=baseline), g_optimizer=keras.optimizers.SGD(0.5))
    model.real_probability = lambda tokens: tf.fill([tf.shape(tokens)[0]], 0.7)
    before = [w.numpy() for w in model.generator.trainable_weights]
    model._generator_step(8)
    moved = max(float(np.abs(w.numpy() - b).max()) for w, b in zip(model.generator.trainable_weights, before))
    if baseline == "mean":
        assert moved < 1e-7, moved
    else:
        assert moved > 1e-3, moved


def test_an_unknown_reward_baseline_is_refused():
    with pytest.raises(ValueError, match="reward_baseline must be one of"):
        build(SeqGAN, dict(KWARGS, reward_baseline="moving"))


def test_the_rollout_network_lags_the_generator():
    model = build(SeqGAN, dict(KWARGS, rollout_lag=0.8))
    old = [w.numpy() for w in model.rollout.weights]
    for w in model.generator.weights:
        w.assign(w + 1.0)
    model.follow_generator()
    for r, o, g in zip(model.rollout.weights, old, model.generator.weights):
        np.testing.assert_allclose(r.numpy(), 0.8 * o + 0.2 * g.numpy(), rtol=1e-6, atol=1e-6)
    fit_once(model, model.example_batch(8), steps=1)
    assert not np.allclose(model.rollout.weights[0].numpy(), model.generator.weights[0].numpy())


def test_dropout_masks_drop_the_stated_share_and_none_at_inference():
    model = build(SeqGAN, dict(KWARGS, dropout=0.25))
    mask = model.keep_mask(4000).numpy()
    assert np.mean(mask == 0) == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(mask[mask > 0], 1 / 0.75, rtol=1e-6)
    assert np.all(model.keep_mask(3, training=False).numpy() == 1)


def test_the_pretrained_generator_is_copied_and_a_mismatch_is_refused(tmp_path):
    lm = build(MLELanguageModel, TINY["mle_lm"].kwargs)
    fit_once(lm, lm.example_batch(8), steps=2)
    lm.save(str(tmp_path / "lm.keras"))
    model = build(SeqGAN, dict(KWARGS, pretrained_generator=str(tmp_path / "lm.keras")))
    model.init_from_data(lambda: model.example_batch(64))
    np.testing.assert_array_equal(model.generate(5, seed=2), lm.generate(5, seed=2))
    np.testing.assert_allclose(model.nll(lm.example_batch(4)), lm.nll(lm.example_batch(4)), rtol=1e-6)
    other = build(SeqGAN, dict(KWARGS, hidden_dim=5, pretrained_generator=str(tmp_path / "lm.keras")))
    with pytest.raises(ValueError, match="does not match"):
        other.init_from_data(lambda: other.example_batch(64))


def test_discriminator_pretraining_separates_real_from_generated():
    model = build(SeqGAN, dict(KWARGS, d_pretrain_steps=0), d_optimizer={"learning_rate": 1e-2})
    real = np.ones((256, model.length), "int32")  # one sequence, nothing like G's
    loss = model.pretrain_discriminator(real, 150)
    assert loss < 0.3, loss  # log 4 = 1.39 at chance
    assert float(tf.reduce_mean(model.real_probability(tf.constant(real[:8])))) > 0.8
    assert float(tf.reduce_mean(model.real_probability(tf.constant(model.generate(8))))) < 0.2
    # numpy ids (what generate returns) score as their tensor does
    fake = model.generate(8)
    np.testing.assert_array_equal(model.real_probability(fake), model.real_probability(tf.constant(fake)))


def small_oracle_scores(g_learning_rate, steps=150, seed=0):
    """The small oracle's NLL of G's samples after ``steps`` SeqGAN steps, G from scratch."""
    return small_oracle_nll(SeqGAN, dict(rollouts=4), g_learning_rate, 1e-2, steps, seed)


def test_seqgan_learns_a_small_oracle_by_policy_gradient():
    # From scratch (no MLE pretraining) policy gradient is fragile: of the
    # initial weights of seeds 0-3, 150 steps at G's 3e-2 reached 2.58,
    # 2.74, 3.21 (seed 2: no progress) and 2.48, against 3.05 frozen; this
    # oracle's own samples score 2.07. The test keeps seed 0.
    frozen = small_oracle_scores(0.0)
    learned = small_oracle_scores(3e-2)
    assert learned < frozen - 0.3, f"NLL-oracle {learned:.3f} vs frozen G {frozen:.3f}"
