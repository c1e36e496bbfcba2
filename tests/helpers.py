"""Shared checks that every registered model must pass.

A model's test file gives tiny constructor kwargs and calls these (see
``tests/models/test_dcgan.py``). Every check compares numbers, so each can
fail: ``tests/test_helpers_can_fail.py`` feeds them deliberately broken
models and asserts that they do.
"""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import export

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
USPS = os.path.join(SHARED, "datasets", "usps")
needs_mnist = pytest.mark.skipif(
    not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", "/nonexistent"), "mnist")),
    reason="prepared TFDS mnist not found (set TFDS_DATA_DIR)",
)
TWO_CPUS = ["/cpu:0", "/cpu:1"]
_MIRRORED = []


def two_replicas():
    """One MirroredStrategy over the two logical CPUs for the whole session:
    separate instances in one process reuse collective instance keys and
    abort each other's all-reduces."""
    if not _MIRRORED:
        _MIRRORED.append(tf.distribute.MirroredStrategy(TWO_CPUS))
    return _MIRRORED[0]


# === Building blocks ===


def _default_sigint():
    # A job started in the background by a non-interactive shell (as CI may
    # run the suite) inherits SIGINT ignored, and Python keeps it ignored:
    # give the CLI the disposition a terminal user's Ctrl-C meets.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def gan_zoo(*args, wait=True):
    """Runs the CLI in a fresh process: a ``CompletedProcess`` (``wait``), or
    a ``Popen`` with separate stdout and stderr pipes to signal and read
    (SIGINT at its default, as in a terminal)."""
    command = [sys.executable, "-m", "zoo.cli", *args]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if wait:
        return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)


def build(name_or_cls, kwargs, strategy=None, **compile_kwargs):
    """A compiled model (under ``strategy.scope()`` when given). A compile
    argument given as a function (e.g. ``sharp_optimizers()``'s) is called
    inside the scope: optimizers belong to the strategy they are made in."""
    cls = zoo.get_class(name_or_cls) if isinstance(name_or_cls, str) else name_or_cls
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = cls(**kwargs)
        model.compile(**{k: v() if isinstance(v, types.FunctionType) else v for k, v in compile_kwargs.items()})
    return model


random_images = zoo.conditions.random_images


def default_batch(model, n=8, seed=0):
    """A training batch of the form the model's ``fit`` takes."""
    return model.example_batch(n, seed)


def generate_example(model, n, seed):
    """``model.generate`` on the serving example's inputs (latents and conditions)."""
    return model.generate(**model.serving_example(n, seed))


def weights_of(model):
    return [v.numpy() for v in model.weights]


def assert_weights_close(a, b, atol=1e-5, rtol=1e-4, what="weights"):
    assert len(a) == len(b), f"{what}: {len(a)} vs {len(b)} arrays"
    worst = max(float(np.max(np.abs(x - y))) if x.size else 0.0 for x, y in zip(a, b))
    for i, (x, y) in enumerate(zip(a, b)):
        assert x.shape == y.shape, f"{what}[{i}]: shape {x.shape} vs {y.shape}"
        assert np.allclose(x, y, atol=atol, rtol=rtol), (
            f"{what}[{i}] differ: max abs diff {np.max(np.abs(x - y)):.3g} (worst overall {worst:.3g})"
        )


def fit_once(model, data, steps=1):
    """``steps`` fit steps, each on the whole ``data`` batch; returns the logs."""
    ds = tf.data.Dataset.from_tensors(data).repeat(steps)
    history = model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return {k: v[-1] for k, v in history.history.items()}


# === Checks ===


def check_config_round_trip(cls, kwargs):
    model = cls(**kwargs)
    config = model.get_config()
    json.dumps(config)  # the config must be plain data
    clone = cls.from_config(config)
    assert type(clone) is cls
    assert clone.get_config() == config
    for network in cls.network_names():
        assert getattr(clone, network).count_params() == getattr(model, network).count_params(), network
    for k, v in kwargs.items():
        got = config[k]
        assert (list(v) if isinstance(v, tuple) else v) == got, f"config[{k!r}] = {got!r}, passed {v!r}"
    assert generate_example(model, 3, seed=1).shape[0] == 3


def updates_per_step(model, name):
    """How many updates the optimizer ``name`` makes per ``fit`` step (a
    GAN's discriminator: ``d_steps``; everything else: one)."""
    return getattr(model, "d_steps", 1) if name == "d_optimizer" else 1


def check_fit(cls, kwargs, data=None, steps=2):
    """Two fit steps: finite losses, exactly the model's trackers logged,
    and every optimizer's variables moved (a GAN: both networks; GLO: the
    generator and the code table), each optimizer stepped as often as its
    algorithm says."""
    model = build(cls, kwargs)
    data = default_batch(model) if data is None else data
    before = {name: [v.numpy() for v in model.optimizer_variables(name)] for name in model.OPTIMIZERS}
    logs = fit_once(model, data, steps=steps)
    assert set(logs) == set(model.LOSS_NAMES), f"logged {sorted(logs)}, expected {model.LOSS_NAMES}"
    for name, value in logs.items():
        assert np.isfinite(value), f"{name} = {value}"
    for name in model.OPTIMIZERS:
        now = model.optimizer_variables(name)
        moved = sum(not np.allclose(b, v.numpy()) for b, v in zip(before[name], now))
        assert moved > 0, f"no weight of {name}'s variables changed after {steps} steps"
        iterations = int(getattr(model, name).iterations.numpy())
        assert iterations == steps * updates_per_step(model, name), f"{name} made {iterations} updates in {steps} steps"
    return model


def check_keras_save_load(cls, kwargs, tmp_path, data=None):
    """``.keras`` save then load: same class, same generator output, still
    compiled with the same optimizer state, and training continues exactly."""
    model = build(cls, kwargs)
    data = default_batch(model) if data is None else data
    fit_once(model, data)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    np.testing.assert_allclose(generate_example(loaded, 4, 3), generate_example(model, 4, 3), atol=1e-6)
    assert loaded.compiled, "the reloaded model is not compiled"
    for name in model.OPTIMIZERS:
        mine, theirs = getattr(model, name), getattr(loaded, name)
        assert int(theirs.iterations.numpy()) == int(mine.iterations.numpy()), name
        assert theirs.get_config() == mine.get_config(), name
    # Training continues: the next step gives the same weights in both
    # (optimizer slots and the seed generator state came back too).
    fit_once(model, data)
    fit_once(loaded, data)
    assert_weights_close(weights_of(loaded), weights_of(model), what="weights after one more step")


def check_checkpoint_resume(cls, kwargs, tmp_path, data=None):
    """Restoring an ``EpochCheckpoint`` into a fresh model and training on
    gives the same weights as training on without the interruption: the
    checkpoint holds every piece of training state."""
    from zoo.callbacks import EpochCheckpoint

    model = build(cls, kwargs)
    data = default_batch(model) if data is None else data
    fit_once(model, data, steps=2)
    EpochCheckpoint(model, tmp_path).on_epoch_end(0)
    fit_once(model, data, steps=2)

    fresh = build(cls, dict(kwargs, seed=kwargs.get("seed", 0) + 17))  # different seed state
    assert EpochCheckpoint(fresh, tmp_path).restore() == 1
    fit_once(fresh, data, steps=2)
    assert_weights_close(weights_of(fresh), weights_of(model), what="resumed vs uninterrupted")


def sharp_optimizers(names=("g_optimizer", "d_optimizer")):
    """SGD with momentum for each of the optimizers ``names`` (a model's
    ``OPTIMIZERS``): its first step is linear in the gradient, so a
    gradient off by the replica count (a per-replica loss mean) moves the
    weights by a whole update, where Adam's first step (about lr * sign(g))
    barely reacts to scale. Momentum gives it slot variables, so optimizers
    built lazily inside the distributed step (PITFALLS 2) still fail."""
    return {name: (lambda: keras.optimizers.SGD(0.01, momentum=0.9)) for name in names}


def check_replica_equivalence(cls, kwargs, data=None, compile_kwargs=None, update_rtol=None):
    """One training step on one global batch gives the same weights and the
    same logged losses on 2 replicas (MirroredStrategy over 2 logical CPUs)
    as on 1 (PITFALLS 2, 3, 13, 14).

    Trained with ``sharp_optimizers()`` unless ``compile_kwargs`` says
    otherwise. Two measures: elementwise closeness (float32 only), and the
    1-vs-2-replica difference of all weights together (their norm) against
    the step's update (trainable weights at float32, all in the bfloat16
    form): under ``update_rtol`` (default 1e-3 at float32; pass
    e.g. 0.01 for bfloat16 compute, whose rounding depends on how the batch
    is split). A lost reduction or wrong per-replica noise gives ~1. Not per
    tensor: a gradient that sums to almost zero over the batch (a final
    bias) keeps only its rounding.
    """
    float32 = update_rtol is None
    update_rtol = 1e-3 if float32 else update_rtol
    compile_kwargs = compile_kwargs or sharp_optimizers(cls.OPTIMIZERS)
    single = build(cls, kwargs, **compile_kwargs)
    double = build(cls, kwargs, strategy=two_replicas(), **compile_kwargs)
    double.set_weights(single.get_weights())
    before = weights_of(single)
    data = default_batch(single) if data is None else data
    logs_1 = fit_once(single, data)
    logs_2 = fit_once(double, data)
    after_1, after_2 = weights_of(single), weights_of(double)
    # At float32 the update-relative measure is over trainable weights: batch
    # norm's moving statistics move by more than a small step's update and
    # would dilute it (they are compared elementwise instead). The bfloat16
    # form has no elementwise check, so there they stay in the measure.
    measured = [i for i, v in enumerate(single.weights) if v.trainable or not float32]
    update = np.sqrt(sum(np.sum((after_1[i] - before[i]) ** 2) for i in measured))
    diff = np.sqrt(sum(np.sum((after_2[i] - after_1[i]) ** 2) for i in measured))
    assert update > 0, "the step changed no weight"
    assert diff <= update_rtol * update, (
        f"1 vs 2 replicas: weights differ by {diff:.3g} (norm), {diff / update:.2%} of this step's update {update:.3g}"
    )
    if float32:
        assert_weights_close(after_1, after_2, what="1 vs 2 replicas")
    loss_rtol = 1e-4 if float32 else 1e-3
    for name in logs_1:
        assert np.isclose(logs_1[name], logs_2[name], rtol=loss_rtol, atol=1e-5), (
            f"logged {name}: {logs_1[name]} on 1 replica vs {logs_2[name]} on 2"
        )
    return diff / update


def check_export(model, tmp_path, n=3):
    """SavedModel in TF Serving layout, one model per serving endpoint (a
    CycleGAN's two directions); each, loaded in a fresh process that cannot
    import ``zoo``, gives the Keras model's outputs (of its float32 copy if it
    is mixed precision) from ``serving_default``;
    a ``PredictRequest`` built for it carries the signature's inputs."""
    written = export.saved_model(model, str(tmp_path), "model")
    # Exports compute in float32, whatever the model trained in: compare with
    # its float32 copy (the model itself unless it is mixed precision).
    endpoints = zoo.precision.float32_copy(model).serving_endpoints()
    written = written if isinstance(written, list) else [written]
    assert len(written) == len(endpoints)
    for (suffix, (serve, _)), path in zip(endpoints.items(), written):
        # Each export stores its endpoint's network's weights, once (float32).
        network_bytes = 4 * sum(int(np.prod(v.shape)) for v in model.endpoints()[suffix].network.weights)
        assert path == os.path.join(str(tmp_path), f"model{suffix}", "1")
        assert os.path.exists(os.path.join(path, "saved_model.pb"))
        meta = json.load(open(os.path.join(path, "metadata.json")))
        assert meta["model"] == model.registry_name
        assert meta["direction"] == (suffix.lstrip("_") or None)
        variables = os.path.join(path, "variables")
        stored = sum(os.path.getsize(os.path.join(variables, f)) for f in os.listdir(variables))
        allowed = 1.1 * network_bytes + 64_000
        assert stored <= allowed, f"{stored} bytes of variables in {path}; its network has ~{network_bytes}"
        inputs = model.endpoint_example(suffix, n, seed=5)
        assert set(meta["signature"]["inputs"]) == set(inputs)
        for key, value in inputs.items():
            assert meta["signature"]["inputs"][key]["shape"][1:] == list(np.shape(value)[1:]), key
        expected = {k: np.asarray(v) for k, v in serve({k: tf.constant(v) for k, v in inputs.items()}).items()}
        assert set(expected) == set(model.OUTPUTS) == set(meta["signature"]["outputs"])
        inputs_file = os.path.join(tmp_path, f"inputs{suffix}.npz")
        out = os.path.join(tmp_path, f"outputs{suffix}.npz")
        np.savez(inputs_file, **inputs)
        load_without_zoo(path, inputs_file, out)
        got = np.load(out, allow_pickle=True)
        assert set(got.files) == set(expected)
        for key in expected:
            assert_same_output(key, got[key], expected[key])
        check_predict_request(path, f"model{suffix}", inputs, expected, model.OUTPUTS[0])
    return written[0] if len(written) == 1 else written


def assert_same_output(key, got, expected):
    """An export's output against the Keras model's: images to float
    tolerance (their uint8 form to one step), token ids and text exactly."""
    assert got.shape == expected.shape, f"{key}: shape {got.shape} vs {expected.shape}"
    if expected.dtype == np.float32:
        assert got.dtype == np.float32, key
        np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=key)
    elif expected.dtype == np.uint8:
        assert got.dtype == np.uint8, key
        assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1, key
    else:
        assert got.dtype.kind == expected.dtype.kind, f"{key}: dtype {got.dtype} vs {expected.dtype}"
        assert got.tolist() == expected.tolist(), f"{key}: {got.tolist()[:3]} vs {expected.tolist()[:3]}"


#: The small oracle of the sequence GANs' learning tests: vocabulary 12,
#: length 6 (its own samples score 2.07 nats/token by it).
SMALL_ORACLE = dict(seed=1, vocabulary=12, embedding=8, hidden=8, length=6)
#: A small sequence GAN for it (G from scratch).
SMALL_SEQUENCE_GAN = dict(vocab_size=12, length=6, embedding_dim=8, hidden_dim=16, d_embedding_dim=8,
                          filter_sizes=[1, 2, 3], num_filters=[8, 8, 8], seed=0)


def small_oracle_nll(cls, kwargs, g_learning_rate, d_learning_rate, steps, seed=0):
    """The small oracle's mean NLL of 2,000 samples of a ``cls`` model
    (``SMALL_SEQUENCE_GAN`` updated by ``kwargs``) after ``steps`` fit steps
    on 2,048 of the oracle's sequences, initial weights from ``seed``."""
    from zoo.oracle import OracleLSTM

    keras.utils.set_random_seed(seed)
    oracle = OracleLSTM.random(**SMALL_ORACLE)
    real = oracle.sample(2048, seed=0)
    model = build(cls, dict(SMALL_SEQUENCE_GAN, **kwargs), g_optimizer={"learning_rate": g_learning_rate},
                  d_optimizer={"learning_rate": d_learning_rate})
    ds = tf.data.Dataset.from_tensor_slices(real).shuffle(2048, seed=0).repeat().batch(64)
    model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    return float(oracle.nll(model.generate(2000, seed=4)).mean())


def check_export_and_tflite(cls, kwargs, tmp_path, steps=2):
    """A briefly trained model (outputs away from tanh's flat start) through
    ``check_export`` and ``check_tflite``."""
    model = build(cls, kwargs)
    fit_once(model, default_batch(model), steps=steps)
    check_export(model, tmp_path / "serving")
    return check_tflite(model, tmp_path)


_FRESH_LOAD = textwrap.dedent(
    """
    import json, sys, traceback
    sys.modules["zoo"] = None  # any attempt to import the project fails
    import numpy as np, tensorflow as tf
    try:
        import zoo
    except ImportError:
        pass
    else:
        raise SystemExit("zoo was importable")
    print("LOADER", json.dumps("ready"), flush=True)
    for line in sys.stdin:  # one request per line: [path, inputs .npz, outputs .npz]
        path, inputs, out = json.loads(line)
        try:
            fn = tf.saved_model.load(path).signatures["serving_default"]
            feeds = {k: tf.constant(v) for k, v in np.load(inputs).items()}
            result = fn(**feeds)
            np.savez(out, **{k: v.numpy() for k, v in result.items()})
            reply = "ok"
        except Exception:
            reply = traceback.format_exc()
        print("LOADER", json.dumps(reply), flush=True)
    """
)
_LOADER = []  # [process, stderr file, bytes read but not yet consumed]


def _zoo_free_loader():
    """This test process's loader: a Python process that cannot import
    ``zoo`` (started once: importing TensorFlow costs ~10 s here), which
    loads each SavedModel it is sent with ``tf.saved_model.load`` and runs
    its ``serving_default``. Restarted if it died."""
    if _LOADER and _LOADER[0][0].poll() is None:
        return _LOADER[0]
    for _, log, _ in _LOADER:
        log.close()
    _LOADER.clear()
    log = tempfile.TemporaryFile(mode="w+")  # TensorFlow's stderr, read back on a failure
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.Popen([sys.executable, "-c", _FRESH_LOAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=log, env=env, cwd="/", bufsize=0)
    _LOADER.append([proc, log, b""])
    _loader_reply(_LOADER[0], "start")
    return _LOADER[0]


def _loader_reply(loader, what, timeout=300):
    """The loader's next reply; lines it prints without the LOADER mark are
    skipped. Reads the pipe's bytes itself (no buffered reader that select
    cannot see into)."""
    proc, log, _ = loader
    deadline = time.monotonic() + timeout
    while True:
        while b"\n" in loader[2]:
            line, loader[2] = loader[2].split(b"\n", 1)
            if line.startswith(b"LOADER "):
                return json.loads(line[len(b"LOADER "):].decode())
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stdout.fileno(), 1 << 16) if ready else b""
        if not chunk:
            proc.kill()
            log.seek(0)
            raise AssertionError(f"zoo-free loader: no reply to {what} within {timeout} s (exit code "
                                 f"{proc.poll()}):\n{log.read()[-3000:]}")
        loader[2] += chunk


def load_without_zoo(path, inputs_npz, out_npz):
    """Loads the SavedModel at ``path`` in a process where ``import zoo``
    fails, feeds it the arrays of ``inputs_npz`` and writes its outputs to
    ``out_npz``."""
    loader = _zoo_free_loader()
    loader[0].stdin.write((json.dumps([str(path), str(inputs_npz), str(out_npz)]) + "\n").encode())
    reply = _loader_reply(loader, path)
    assert reply == "ok", f"loading {path} without zoo failed:\n{reply[-3000:]}"


def check_predict_request(path, name, inputs, expected, output="images"):
    """What TF Serving does with a gRPC Predict call, minus the server (not
    installable here, PITFALLS 10): the request's tensor protos are decoded
    and fed to the named signature."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.model_spec.signature_name = "serving_default"
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    fn = tf.saved_model.load(path).signatures[request.model_spec.signature_name]
    wanted = fn.structured_input_signature[1]
    assert set(request.inputs) == set(wanted), f"request inputs {set(request.inputs)} vs signature {set(wanted)}"
    feeds = {}
    for key, proto in request.inputs.items():
        assert tf.dtypes.as_dtype(proto.dtype) == wanted[key].dtype
        feeds[key] = tf.constant(tf.make_ndarray(proto))
    result = fn(**feeds)
    assert_same_output(output, result[output].numpy(), expected[output])


#: Max abs error on images in [-1, 1] accepted per TFLite quantization. Float32
#: must match (issue #3); the quantized ones are documented in the README.
TFLITE_TOLERANCE = {None: 1e-4, "float16": 2e-2, "dynamic": 0.25}
#: The share of sampled token ids that may differ from the Keras model's: none
#: at float32; quantized weights move the logits, and one token drawn
#: differently changes every later one of its sequence.
TFLITE_TOKEN_TOLERANCE = {None: 0.0, "float16": 0.25, "dynamic": 0.5}


def tflite_error(key, got, expected):
    """Images: max abs error; token ids: the share that differ."""
    assert got.shape == expected.shape, f"{key}: shape {got.shape} vs {expected.shape}"
    if expected.dtype.kind in "iu" and key == "tokens":
        return float(np.mean(got != expected)), TFLITE_TOKEN_TOLERANCE
    return float(np.max(np.abs(got - expected))), TFLITE_TOLERANCE


def check_tflite(model, tmp_path, quantizations=(None, "dynamic", "float16")):
    """Every TFLite variant of the first endpoint, and float32 of the others
    (a CycleGAN's second direction: the quantizations take the same converter
    path), runs under LiteRT and matches the Keras model. Returns
    ``{(direction, quantize): max abs error}``."""
    serving = zoo.precision.float32_copy(model).serving_endpoints()
    errors = {}
    for i, suffix in enumerate(model.tflite_endpoints()):
        direction = suffix.lstrip("_") or None
        inputs = model.endpoint_example(suffix, 3, seed=7)
        serve, _ = serving[suffix]
        key = model.TFLITE_OUTPUTS[0]
        expected = serve({k: tf.constant(v) for k, v in inputs.items()})[key].numpy()
        # One intermediate SavedModel per direction for all its quantizations.
        paths = export.tflite_files(model, {q: os.path.join(tmp_path, f"g{suffix}_{q}.tflite")
                                            for q in (quantizations if i == 0 else (None,))}, direction=direction)
        for quantize, path in paths.items():
            outputs = export.tflite_runner(path)(**model.tflite_inputs(inputs))
            assert set(outputs) == set(model.TFLITE_OUTPUTS), f"TFLite outputs {sorted(outputs)}"
            error, tolerance = tflite_error(key, outputs[key], expected)
            errors[direction, quantize] = error
            assert error <= tolerance[quantize], (
                f"TFLite {direction or ''} {quantize or 'float32'}: {key} error {error:.3g} > {tolerance[quantize]}"
            )
    return errors
