"""The SeqGAN oracle: the documented LSTM step, its entropy floor with the
paper's parameters, sampling by seed, the file layout and its errors."""

import os

import numpy as np
import pytest

from helpers import SHARED
from zoo.oracle import OracleLSTM

PAPER_ORACLE = os.path.join(SHARED, "datasets", "seqgan_oracle", "oracle_lstm.npz")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_log_probs(p, tokens, start=0):
    """The equations of DATASETS.md, step by step in float64 numpy."""
    n, length = tokens.shape
    h = np.zeros((n, p["U_i"].shape[0]))
    c = np.zeros_like(h)
    previous = np.full(n, start)
    out = np.zeros((n, length))
    for t in range(length):
        x = p["embeddings"][previous]
        gate = {g: x @ p[f"W_{g}"] + h @ p[f"U_{g}"] + p[f"b_{g}"] for g in "ifoc"}
        c = sigmoid(gate["f"]) * c + sigmoid(gate["i"]) * np.tanh(gate["c"])
        h = sigmoid(gate["o"]) * np.tanh(c)
        logits = h @ p["W_out"] + p["b_out"]
        log_z = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
        out[:, t] = logits[np.arange(n), tokens[:, t]] - log_z
        previous = tokens[:, t]
    return out


def test_the_nll_is_the_documented_lstm_step():
    oracle = OracleLSTM.random(seed=3, vocabulary=7, embedding=3, hidden=4, length=6, start_token=2)
    tokens = np.random.default_rng(0).integers(0, 7, (5, 6))
    expected = -reference_log_probs({k: v.astype(np.float64) for k, v in oracle.params.items()}, tokens, start=2)
    np.testing.assert_allclose(oracle.nll(tokens), expected.mean(axis=1), rtol=1e-4)


def test_the_papers_oracle_scores_its_own_samples_at_its_entropy_floor():
    """About 5.75 nats per token (DATASETS.md: the oracle's entropy rate),
    far below uniform tokens (which it finds unlikely: above log 5000)."""
    oracle = OracleLSTM.from_file(PAPER_ORACLE)
    assert (oracle.vocabulary, oracle.hidden, oracle.length) == (5000, 32, 20)
    own = oracle.nll(oracle.sample(2000, seed=0))
    assert abs(own.mean() - 5.75) < 0.1, own.mean()
    uniform = np.random.default_rng(0).integers(0, 5000, (2000, 20))
    assert oracle.nll(uniform).mean() > np.log(5000)


def test_sampling_follows_the_seed_and_the_oracle():
    oracle = OracleLSTM.random(seed=0, vocabulary=50, length=8)
    a, b, c = oracle.sample(300, seed=1), oracle.sample(300, seed=1), oracle.sample(300, seed=2)
    np.testing.assert_array_equal(a, b)
    assert (a != c).mean() > 0.5
    assert a.dtype == np.int32 and a.shape == (300, 8) and a.min() >= 0 and a.max() < 50
    # Its own samples are likelier under it than uniform tokens are.
    uniform = np.random.default_rng(0).integers(0, 50, (300, 8))
    assert oracle.nll(a).mean() < oracle.nll(uniform).mean() - 0.5


def test_file_round_trip_and_errors(tmp_path):
    oracle = OracleLSTM.random(seed=1, vocabulary=11, embedding=3, hidden=4, length=5)
    oracle.save(tmp_path / "o.npz")
    again = OracleLSTM.from_file(str(tmp_path / "o.npz"), length=5)
    tokens = oracle.sample(4, seed=0)
    np.testing.assert_allclose(again.nll(tokens), oracle.nll(tokens), rtol=1e-6)
    with pytest.raises(FileNotFoundError, match="no oracle file"):
        OracleLSTM.from_file(str(tmp_path / "missing.npz"))
    params = dict(oracle.params)
    params["U_f"] = params["U_f"][:3]
    with pytest.raises(ValueError, match=r"'U_f' has shape \(3, 4\), expected \(4, 4\)"):
        OracleLSTM(params)
    del params["b_out"]
    with pytest.raises(ValueError, match=r"lack \['b_out'\]"):
        OracleLSTM(params)
    with pytest.raises(ValueError, match=r"tokens must be ints of shape \[n, 5\]"):
        oracle.nll(np.zeros((2, 4), np.int32))
    with pytest.raises(ValueError, match=r"tokens must be in \[0, 11\), got \[11, 11\]"):
        oracle.nll(np.full((1, 5), 11))
