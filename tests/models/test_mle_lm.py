"""mle_lm: inverse-CDF sampling, teacher forcing against the sampling steps,
the end / padding conventions, the served text against the vocabulary's
decode, temperature, the token sources, and learning the paper's oracle."""

import os

import numpy as np
import pytest
import tensorflow as tf

from helpers import SHARED, build, fit_once
from tiny import TINY
from zoo import data, recipes, sequences, text
from zoo.models.mle_lm import MLELanguageModel
from zoo.oracle import OracleLSTM

PAPER_ORACLE = os.path.join(SHARED, "datasets", "seqgan_oracle", "oracle_lstm.npz")
BBE = os.path.join(SHARED, "datasets", "bible_style", "ylt_bbe", "{split}.bbe.txt")
WORDS = TINY["mle_lm"].overrides["config"]


def test_inverse_cdf_draws_the_softmax_distribution():
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4]], "float32"))
    u = np.random.default_rng(0).random(40_000).astype("float32")
    draws = sequences.inverse_cdf(tf.constant(np.repeat(logits, len(u), 0)), tf.constant(u),
                                  tf.ones([len(u)])).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / len(u), [0.1, 0.2, 0.3, 0.4], atol=0.01)
    # The CDF is 0.1, 0.3, 0.6, 1.0: u picks the first bin whose CDF exceeds it.
    exact = sequences.inverse_cdf(tf.constant(np.repeat(logits, 4, 0)), tf.constant([0.05, 0.29, 0.31, 0.99]),
                                  tf.ones([4])).numpy()
    assert exact.tolist() == [0, 1, 2, 3]
    # A low temperature concentrates all the mass on the most likely token.
    cold = sequences.inverse_cdf(tf.constant(np.repeat(logits, 100, 0)), tf.constant(u[:100]),
                                 tf.fill([100], 0.01)).numpy()
    assert set(cold.tolist()) == {3}


def stepwise_log_probs(model, tokens):
    """log p(token_t | prefix) by running the sampler's own steps."""
    sampler = model.sampler
    state = sampler.initial_state(len(tokens))
    previous = tf.fill([len(tokens)], model.start_token)
    out = []
    for t in range(tokens.shape[1]):
        logits, state = sampler.step(previous, state)
        out.append(tf.gather(tf.nn.log_softmax(logits), tokens[:, t], batch_dims=1))
        previous = tf.constant(tokens[:, t])
    return tf.stack(out, axis=1).numpy()


def greedy_decode(model, n):
    """The most likely token at every step, by the sampler's own steps."""
    sampler = model.sampler
    state, token, out = sampler.initial_state(n), tf.fill([n], model.start_token), []
    for _ in range(model.length):
        logits, state = sampler.step(token, state)
        token = tf.argmax(logits, axis=-1, output_type=tf.int32)
        out.append(token)
    return tf.stack(out, axis=1).numpy()


@pytest.mark.parametrize("kwargs", [TINY["mle_lm"].kwargs, WORDS], ids=["ids", "words"])
def test_the_nll_is_the_sampling_distribution_of_each_token(kwargs):
    model = build(MLELanguageModel, kwargs)
    fit_once(model, model.example_batch(16, seed=1), steps=3)  # away from the initial weights
    tokens = model.generate(6, seed=4)
    log_probs = stepwise_log_probs(model, tokens)
    mask = sequences.token_mask(tf.constant(tokens), model.end_token).numpy()
    expected = -(log_probs * mask).sum(1) / mask.sum(1)
    np.testing.assert_allclose(model.nll(tokens), expected, rtol=1e-5, atol=1e-5)


def test_text_samples_end_once_then_pad_and_never_draw_padding_or_start():
    model = build(MLELanguageModel, WORDS)
    tokens = model.generate(300, seed=2)
    assert not np.any(tokens == text.Vocabulary.START)
    ended = np.cumsum(tokens == text.Vocabulary.END, axis=1)
    assert ended.max() == 1  # one end at most
    after_end = np.concatenate([np.zeros((len(tokens), 1), bool), ended[:, :-1] > 0], axis=1)
    assert np.all(tokens[after_end] == text.Vocabulary.PAD)
    assert not np.any(tokens[~after_end] == text.Vocabulary.PAD)
    assert after_end.any()  # some rows did end before the window


def test_padding_after_the_end_does_not_count():
    model = build(MLELanguageModel, WORDS)
    tokens = np.array([[4, 5, 2, 0, 0, 0]], "int32")
    changed = np.array([[4, 5, 2, 7, 8, 9]], "int32")
    np.testing.assert_allclose(model.nll(tokens), model.nll(changed), rtol=1e-6)
    assert not np.isclose(model.nll(tokens)[0], model.nll(np.array([[4, 6, 2, 0, 0, 0]], "int32"))[0])


def test_served_text_is_the_vocabulary_decode_of_real_verses():
    train = text.read_lines(BBE.format(split="train"))
    vocabulary = text.Vocabulary.build(train, max_size=2000)
    ids, _ = vocabulary.encode(text.read_lines(BBE.format(split="dev"))[:300], 20)
    model = MLELanguageModel(vocabulary=vocabulary.words, length=20, embedding_dim=4, hidden_dim=4)
    served = model.serve({"latent": tf.random.uniform([2, 20]), "temperature": tf.ones([2])})
    assert served["tokens"].dtype == tf.int32 and served["text"].dtype == tf.string
    assert model.sentences(ids) == vocabulary.decode(ids)
    assert any("," in s for s in vocabulary.decode(ids)) and any("<unk>" in s for s in vocabulary.decode(ids))


def test_temperature_near_zero_is_greedy_and_a_bad_one_is_refused():
    model = build(MLELanguageModel, TINY["mle_lm"].kwargs)
    fit_once(model, model.example_batch(16, seed=1), steps=3)
    # Logits a whole nat apart: a near-tie at small initial weights would
    # make "the" most likely token a matter of rounding.
    bias = model.sampler.output_layer.bias
    bias.assign(np.random.default_rng(0).permutation(bias.shape[0]).astype("float32"))
    cold = model.generate(4, seed=1, temperature=1e-4)
    again = model.generate(4, seed=9, temperature=1e-4)  # other noise, same greedy path
    np.testing.assert_array_equal(cold, again)
    np.testing.assert_array_equal(cold, greedy_decode(model, 4))
    assert not np.array_equal(model.generate(4, seed=1), model.generate(4, seed=9))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.generate(2, temperature=0.0)
    with pytest.raises(ValueError, match=r"latent must be uniform noise in \[0, 1\)"):
        model.generate(latent=np.full((2, model.length), 1.5, "float32"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="temperature must be > 0"):
        model.serve({"latent": tf.random.uniform([2, model.length]), "temperature": tf.constant([1.0, -1.0])})
    with pytest.raises(ValueError, match=r"token ids in \[0, 30\)"):
        model.nll(np.full((1, model.length), 30))


def test_token_sources_are_fixed_per_split_and_their_errors_say_what_is_expected():
    a = data.load_tokens("random:3", "oracle", num_sequences=128, length=6, batch_size=64, shuffle=False)
    b = data.load_tokens("random:3", "oracle", num_sequences=128, length=6, batch_size=64, shuffle=False)
    test = data.load_tokens("random:3", "oracle", split="test", num_sequences=128, length=6, batch_size=64,
                            shuffle=False)
    first = [x.numpy() for x in a]
    assert first[0].shape == (64, 6) and first[0].dtype == np.int32
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate([x.numpy() for x in b]))
    assert not np.array_equal(np.concatenate(first), np.concatenate([x.numpy() for x in test]))
    with pytest.raises(data.DataError, match=r"path template with \{split\}"):
        data.load_tokens(BBE.format(split="train"), "words")
    with pytest.raises(data.DataError, match="tokens must be one of"):
        data.load_tokens("random", "chars")
    with pytest.raises(data.DataError, match="splits are"):
        data.load_tokens("random", "oracle", split="dev")


def test_a_words_recipe_gives_the_model_its_vocabulary():
    recipe = recipes.load("mle_lm_oracle", [f"data.source={BBE}", "data.tokens=words", "data.vocabulary_size=500",
                                            "data.length=12"])
    kwargs = recipes.model_kwargs(recipe)
    vocabulary = text.Vocabulary.build(text.read_lines(BBE.format(split="train")), max_size=500)
    assert kwargs["vocabulary"] == vocabulary.words and kwargs["length"] == 12
    oracle_kwargs = recipes.model_kwargs(recipes.load("mle_lm_oracle"))
    assert oracle_kwargs == {"vocab_size": 5000, "length": 20}


def oracle_scores(learning_rate, steps=300):
    """(NLL-test, NLL-oracle) after ``steps`` of batch 64 on the paper's oracle."""
    oracle = OracleLSTM.from_file(PAPER_ORACLE)
    train, held_out = oracle.sample(4000, seed=0), oracle.sample(1000, seed=1)
    model = build(MLELanguageModel, {}, optimizer={"learning_rate": learning_rate})
    ds = tf.data.Dataset.from_tensor_slices(train).shuffle(4000, seed=0).repeat().batch(64)
    model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    return model.nll(held_out).mean(), oracle.nll(model.generate(1000, seed=5)).mean()


def learned(scores):
    # Uniform over 5,000 ids is 8.52 nats/token on any sequence.
    nll_test, _ = scores
    return nll_test < 8.0


def test_mle_lm_learns_the_oracle():
    scores = oracle_scores(1e-2)
    assert learned(scores), f"NLL-test {scores[0]:.3f}, NLL-oracle {scores[1]:.3f}"
    assert scores[1] < 10.5  # uniform ids score 11.42 by the oracle


def test_the_learning_criterion_fails_when_the_model_is_frozen():
    scores = oracle_scores(0.0, steps=20)
    assert not learned(scores), f"frozen: NLL-test {scores[0]:.3f}"
