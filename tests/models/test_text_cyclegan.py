"""text_cyclegan: the in-graph tokenizer is zoo.text's, bad text is refused
or reported, straight-through outputs are one-hot forward with the
softmax's gradient, the G loss is its weighted terms (none dropped), the
cycle's gradient reaches the first translator, pretraining leaves D alone,
and the translators learn (copying by reconstruction; a mapping from
pairs), served text in and text out by the export and the CLI."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import build, weights_of
from tiny import TINY
from zoo import cli, export
from zoo import text as zoo_text
from zoo.models.text_cyclegan import SentenceIds, TextCycleGAN, sentence_loss

KWARGS = dict(TINY["text_cyclegan"].kwargs, length=6)  # this file's cases cut and pad at 6
ALL_TERMS = dict(KWARGS, adversarial_weight=0.7, cycle_weight=0.3, self_weight=0.2)


def test_the_graph_tokenizer_is_the_vocabulary_encode():
    lines = ["And he saith unto them, `Come ye after me.'", "The LORD's word (to Moses): go!", "x",
             "  spaced   out  ", "one two three four five six seven eight nine ten eleven twelve thirteen"]
    vocab = zoo_text.Vocabulary.build(lines[:3], max_size=14)  # small: some words are unknown
    tokenizer = SentenceIds(vocab.words, 10)
    expected, _ = vocab.encode(lines, 10)
    np.testing.assert_array_equal(tokenizer(tf.constant(lines)).numpy(), expected)
    report = {k: v.numpy() for k, v in tokenizer.report(tf.constant(lines)).items()}
    tokens = [zoo_text.tokenize(line) for line in lines]
    np.testing.assert_array_equal(report["unknown_words"], [sum(t not in vocab.words for t in ts) for ts in tokens])
    np.testing.assert_array_equal(report["truncated"], [len(ts) + 1 > 10 for ts in tokens])
    assert report["truncated"].tolist() == [True, True, False, False, True]


def test_bad_text_and_directions_get_clear_errors():
    model = build(TextCycleGAN, KWARGS)
    with pytest.raises(ValueError, match="at least one word"):
        model.translate(["the lord", "  "])
    with pytest.raises(TypeError, match="must be strings"):
        model.translate([3])
    with pytest.raises(ValueError, match="direction must be one of"):
        model.translate(["the lord"], direction="sideways")
    with pytest.warns(UserWarning, match="not in the vocabulary are read as <unk>: zebra"):
        model.translate(["the zebra"])
    with pytest.warns(UserWarning, match="cut to their first 6"):
        model.translate(["the lord said , and the lord said"])
    # Style names pick the direction towards them.
    np.testing.assert_array_equal(model.generate(text=["the lord said ."], direction="new"),
                                  model.generate(text=["the lord said ."], direction="a2b"))
    np.testing.assert_array_equal(model.generate(text=["the lord said ."], direction="new2old"),
                                  model.generate(text=["the lord said ."], direction="b2a"))


@pytest.mark.parametrize("straight_through", [True, False])
def test_soft_outputs_are_one_hot_forward_and_carry_the_softmax_gradient(straight_through):
    model = build(TextCycleGAN, dict(KWARGS, straight_through=straight_through))
    g, _ = model.translators()
    source = tf.constant(model.example_batch(4)[0])
    with tf.GradientTape() as tape:
        ids, vectors = g.soft(source, 1.0, straight_through)
        score = tf.reduce_sum(vectors * tf.random.stateless_normal(vectors.shape, seed=[1, 2]))
    grads = tape.gradient(score, g.trainable_variables)
    assert all(gr is not None for gr in grads) and max(float(tf.reduce_max(tf.abs(gr))) for gr in grads) > 0
    one_hot = tf.one_hot(ids, model.vocab_size).numpy()
    if straight_through:
        np.testing.assert_allclose(vectors.numpy(), one_hot, atol=1e-6)
    else:
        np.testing.assert_allclose(vectors.numpy().sum(-1), 1.0, atol=1e-5)
        assert vectors.numpy().max(-1).mean() < 0.99  # soft: not the one-hot


def test_the_generator_loss_is_its_weighted_terms():
    model = build(TextCycleGAN, ALL_TERMS)
    a, b = (tf.constant(x) for x in model.example_batch(8))
    g, f = model.translators()
    # The self term computed independently, before the step changes the weights.
    own = float(tf.reduce_mean(sentence_loss(g.teacher(b, b), b) + sentence_loss(f.teacher(a, a), a)))
    logs = {k: float(v) for k, v in model.train_step((a, b)).items()}
    assert logs["self_reconstruction"] == pytest.approx(own, rel=1e-5)
    assert min(logs["g_adversarial"], logs["cycle"], logs["d_loss_a"], logs["d_loss_b"]) > 0
    assert logs["g_loss"] == pytest.approx(0.7 * logs["g_adversarial"] + 0.3 * logs["cycle"]
                                           + 0.2 * logs["self_reconstruction"], rel=1e-5)


def test_the_cycles_gradient_reaches_the_first_translator():
    # Cycle term alone: G's weights move only if F reads G's soft outputs.
    model = build(TextCycleGAN, dict(KWARGS, adversarial_weight=0.0, self_weight=0.0, cycle_weight=1.0))
    before = [w.copy() for w in model.generator.get_weights()]
    model.train_step(tuple(tf.constant(x) for x in model.example_batch(8)))
    moved = [np.abs(w - v).max() for w, v in zip(model.generator.get_weights(), before)]
    assert max(moved) > 0


def test_pretraining_trains_reconstruction_only_and_leaves_d_alone():
    model = build(TextCycleGAN, dict(ALL_TERMS, pretrain_steps=2))
    batch = tuple(tf.constant(x) for x in model.example_batch(8))
    d_before = weights_of(model.discriminator) + weights_of(model.discriminator_a)
    for _ in range(2):  # the logs are means over the steps so far
        logs = {k: float(v) for k, v in model.train_step(batch).items()}
        assert logs["cycle"] == logs["g_adversarial"] == logs["d_loss_a"] == logs["d_loss_b"] == 0.0
        assert logs["g_loss"] == pytest.approx(0.2 * logs["self_reconstruction"], rel=1e-5)
    for w, v in zip(weights_of(model.discriminator) + weights_of(model.discriminator_a), d_before):
        np.testing.assert_array_equal(w, v)
    logs = {k: float(v) for k, v in model.train_step(batch).items()}  # step 3: transfer
    assert logs["cycle"] > 0 and logs["d_loss_b"] > 0
    assert any(np.abs(w - v).max() > 0 for w, v in zip(weights_of(model.discriminator), d_before))


WORDS = [f"w{i}" for i in range(8)]


def _toy_sentences(n, seed):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS[:4], size=rng.integers(2, 5))) for _ in range(n)]


def _fit(model, a, b, steps):
    vocab = zoo_text.Vocabulary(model.vocabulary)
    ids = [vocab.encode(x, model.length)[0] for x in (a, b)]
    model.fit(tf.data.Dataset.from_tensor_slices(tuple(ids)).repeat().batch(32), steps_per_epoch=steps, epochs=1,
              verbose=0)


def test_reconstruction_teaches_copying_and_pairs_teach_a_mapping():
    kwargs = dict(vocabulary=WORDS, styles=["x", "y"], length=6, embedding_dim=16, hidden_dim=32, d_embedding_dim=4,
                  filter_sizes=[2], num_filters=[2])
    held_out = _toy_sentences(40, seed=9)
    # 1. Unpaired, reconstruction only: G learns to copy what is already style B.
    copier = build(TextCycleGAN, dict(kwargs, pretrain_steps=10_000), g_optimizer=tf.keras.optimizers.Adam(1e-2))
    untrained = np.mean([s == t for s, t in zip(held_out, copier.translate(held_out))])
    _fit(copier, _toy_sentences(256, 1), _toy_sentences(256, 2), steps=150)
    copied = np.mean([s == t for s, t in zip(held_out, copier.translate(held_out))])
    assert untrained < 0.2 and copied > 0.8, (untrained, copied)
    # 2. Paired: a word-for-word mapping w_i -> w_{i+4}, learnt from aligned pairs.
    mapped = build(TextCycleGAN, dict(kwargs, paired=True), g_optimizer=tf.keras.optimizers.Adam(1e-2))
    source = _toy_sentences(256, 3)
    mapping = lambda s: " ".join(f"w{int(w[1:]) + 4}" for w in s.split())  # noqa: E731
    _fit(mapped, source, [mapping(s) for s in source], steps=200)
    right = np.mean([mapping(s) == t for s, t in zip(held_out, mapped.translate(held_out))])
    assert right > 0.8, right


def test_the_export_serves_text_and_reports_cut_and_unknown_words(tmp_path, capsys):
    model = build(TextCycleGAN, KWARGS)
    export.saved_model(model, str(tmp_path), "tc")
    lines = ["the lord said .", "and the zebra", "the lord said , and the lord said"]
    translate = export.text_translator(str(tmp_path / "tc_b2a"))
    with pytest.warns(UserWarning):
        expected = model.translate(lines, direction="b2a")
    texts, notes = translate(lines)
    assert texts == expected
    assert notes == ["sentence 2: 1 unknown word(s)", "sentence 3: cut to the model's length"]
    with pytest.raises(ValueError, match="rejected the input: text must have at least one word"):
        translate(["the lord", " "])
    # The CLI: --text and a .txt file, through the export and the .keras file.
    (tmp_path / "in.txt").write_text("the lord said .\n")
    assert cli.main(["translate", str(tmp_path / "tc_b2a"), str(tmp_path / "in.txt"), "--text", lines[0]]) == 0
    assert capsys.readouterr().out.splitlines() == [expected[0], expected[0]]  # --text first, then the files
    model.save(str(tmp_path / "tc.keras"))
    assert cli.main(["translate", str(tmp_path / "tc.keras"), "--text", lines[0], "--direction", "b2a"]) == 0
    assert capsys.readouterr().out.splitlines() == [expected[0]]
    assert cli.main(["translate", str(tmp_path / "tc.keras")]) == 2
    assert "Nothing to translate" in capsys.readouterr().err
    assert cli.main(["translate", str(tmp_path / "tc.keras"), "--text", "x", "--direction", "up"]) == 2
    assert "direction must be one of" in capsys.readouterr().err
