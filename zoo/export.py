"""Shipping trained generators: SavedModel in the TF Serving layout, TFLite.

Every export goes through Keras's own ``keras.export.ExportArchive`` (a plain
``tf.Module`` wrapper converts to a silently wrong TFLite model, PITFALLS 15)
with stable, named inputs and outputs (PITFALLS 9):

* inputs: ``latent`` float32 ``[batch, latent_dim]`` (plus ``labels`` /
  ``image`` / ``text`` for conditional and translation models: see each
  model's ``serving_signature``);
* outputs: ``images`` float32 in [-1, 1] and ``images_uint8`` in [0, 255].

Layout written by :func:`saved_model` (what ``tensorflow_model_server
--model_base_path=<base_dir>/<name>`` expects)::

    <base_dir>/<name>/<version>/saved_model.pb
                               /variables/...
                               /metadata.json
"""

import datetime
import json
import os
import platform
import shutil
import tempfile

import numpy as np
import tensorflow as tf
import keras

from zoo import conditions as zoo_conditions
from zoo import files
from zoo import precision as zoo_precision

SIGNATURE = "serving_default"
METADATA = "metadata.json"
QUANTIZATIONS = (None, "dynamic", "float16")


# === SavedModel ===


def _archive(model, serve, signature):
    """An ExportArchive whose ``serving_default`` maps the named inputs of
    ``signature`` to the named outputs of ``serve``."""
    # No archive.track(): write_out() then saves exactly the variables the
    # endpoint uses (the generator's), once. Tracking the networks as well
    # stores every weight twice (as Keras and as TF variables).
    archive = keras.export.ExportArchive()
    # Non-variable resources the endpoint reads (a text model's lookup table).
    for layer in model.export_resources():
        archive.track(layer)
    names = list(signature)

    def endpoint(*args):
        inputs = dict(zip(names, args))
        # A served signature does not enforce its declared shapes: a 16x16
        # image would reach the generator and fail as a bare reshape error.
        with tf.control_dependencies(input_guards(inputs, signature)):
            inputs = {k: tf.identity(v) for k, v in inputs.items()}
        return serve(inputs)

    # Positional specs named after the inputs: the signature's input keys are
    # then exactly ``names`` (a dict spec would be flattened to ``inputs``).
    specs = [tf.TensorSpec(signature[n].shape, signature[n].dtype, name=n) for n in names]
    archive.add_endpoint(SIGNATURE, endpoint, input_signature=specs)
    return archive


def shape_text(spec):
    """``(batch, 28, 28, 1)`` for a spec of shape ``[None, 28, 28, 1]``
    (no square brackets: TF prints an assertion's data inside them)."""
    return "(" + ", ".join("batch" if d is None else str(d) for d in spec.shape.as_list()) + ")"


def input_guards(inputs, signature):
    """In-graph checks that each input has its spec's rank and fixed sizes.

    Computed from ``tf.shape`` at run time (padded to the expected rank, so
    a wrong rank fails the same assertion, with the same message, instead
    of a shape error inside the comparison)."""
    guards = []
    for name, spec in signature.items():
        dims = spec.shape.as_list()
        shape = tf.shape(inputs[name], out_type=tf.int32)
        ok = tf.equal(tf.size(shape), len(dims))
        fixed = [i for i, d in enumerate(dims) if d is not None]
        if fixed:
            padded = tf.concat([shape, tf.zeros([len(dims)], tf.int32)], 0)[: len(dims)]
            expected = tf.constant([dims[i] for i in fixed], tf.int32)
            ok = tf.logical_and(ok, tf.reduce_all(tf.equal(tf.gather(padded, fixed), expected)))
        guards.append(tf.debugging.Assert(ok, [f"{name} must have shape {shape_text(spec)}"], name=f"check_{name}_shape"))
    return guards


def _versions(model_dir):
    if not os.path.isdir(model_dir):
        return []
    return sorted(int(d) for d in os.listdir(model_dir) if d.isdigit())


def _package_versions():
    versions = {"python": platform.python_version()}
    for module in ("tensorflow", "keras", "numpy", "tensorflow_datasets"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # pragma: no cover - optional packages
            pass
    import zoo

    versions["zoo"] = zoo.__version__
    return versions


def metadata(model, recipe=None, metrics=None, signature=None):
    """What ``metadata.json`` records about an export (of the endpoint with
    input specs ``signature``; the model's serving signature by default)."""
    signature = model.serving_signature() if signature is None else signature
    return {
        "model": getattr(model, "registry_name", type(model).__name__),
        "class": type(model).__name__,
        "config": json.loads(json.dumps(model.get_config(), default=str)),
        "recipe": recipe,
        "generator_steps": model.steps_trained,
        # What it was trained in; the export itself always computes in float32.
        "training_precision": zoo_precision.of(model),
        "metrics": metrics or {},
        "signature": {
            "name": SIGNATURE,
            "inputs": {
                k: {"dtype": s.dtype.name, "shape": s.shape.as_list()}
                for k, s in signature.items()
            },
            "outputs": list(getattr(model, "OUTPUTS", ("images", "images_uint8"))),
        },
        **model.export_metadata(),
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _package_versions(),
    }


def saved_model(model, base_dir, name, version=None, *, recipe=None, metrics=None, extra_metadata=None):
    """Exports ``model``'s generator(s) for TF Serving.

    Writes ``base_dir/name/<version>/`` (for models with several generators,
    one model per direction: ``name_<direction>/<version>/``). ``version``
    defaults to the next free integer; an existing version is never
    overwritten. Each export is written to a temporary folder beside its
    target and renamed into place, so a crash leaves no half model.

    Args:
        model: a zoo ``AdversarialModel``.
        base_dir: the serving base directory.
        name: the served model name (letters, digits, ``_``, ``-``, ``.``).
        version: positive int, or ``None`` for the next free version.
        recipe: optional recipe dict recorded in ``metadata.json``.
        metrics: optional dict of measured figures recorded in ``metadata.json``.
        extra_metadata: entries that replace or extend ``metadata.json``'s
            (e.g. the ``generator_steps`` of a model rebuilt from an export).

    Returns:
        The path of the version folder written (a list of paths for
        multi-direction models).
    """
    if not name or not all(c.isalnum() or c in "_-." for c in name):
        raise ValueError(f"Model name must be letters, digits, '_', '-' or '.'; got {name!r}.")
    if version is not None and (not isinstance(version, (int, np.integer)) or version < 1):
        raise ValueError(f"version must be a positive integer or None, got {version!r}.")
    # A bfloat16-trained model serves through a float32 copy (zoo.precision).
    serving = zoo_precision.float32_copy(model)
    endpoints = serving.serving_endpoints()
    targets = []
    for suffix in endpoints:
        model_dir = os.path.join(base_dir, f"{name}{suffix}")
        v = version if version is not None else (max(_versions(model_dir), default=0) + 1)
        target = os.path.join(model_dir, str(v))
        if os.path.exists(target):
            raise FileExistsError(
                f"{target} already exists; exports are never overwritten. "
                f"Pick another version (existing: {_versions(model_dir)}) or omit it."
            )
        targets.append(target)
    for (suffix, (serve, signature)), target in zip(endpoints.items(), targets):
        info = dict(metadata(model, recipe=recipe, metrics=metrics, signature=signature), **(extra_metadata or {}))
        parent = os.path.dirname(target)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".export-", dir=parent)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a model server may run as another user
        try:
            _archive(serving, serve, signature).write_out(tmp, verbose=False)
            with open(os.path.join(tmp, METADATA), "w") as f:
                json.dump(dict(info, direction=suffix.lstrip("_") or None), f, indent=2)
            # rename() of a directory onto a missing path is atomic on POSIX;
            # it fails (rather than overwriting) if the target appeared meanwhile.
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return targets[0] if len(targets) == 1 else targets


def latest_version(path):
    """``path`` if it holds a ``saved_model.pb``; else its highest version
    folder (a TF Serving model folder); else the single model folder below a
    base folder (``saved_models/dcgan_mnist`` -> ``.../dcgan_mnist/1``)."""
    if os.path.exists(os.path.join(path, "saved_model.pb")):
        return path
    versions = _versions(path)
    if versions:
        return latest_version(os.path.join(path, str(versions[-1])))
    raise FileNotFoundError(
        f"No SavedModel in {path!r}: expected saved_model.pb there or numbered "
        "version folders (TF Serving layout <name>/<version>/saved_model.pb)."
    )


def model_from_exports(*paths):
    """The zoo model behind exported SavedModel(s), rebuilt from the config
    in ``metadata.json`` with the generator weights the exports hold (one
    export per generator: a CycleGAN needs its ``_a2b`` and ``_b2a``).

    Exports carry no discriminator: it is freshly initialized, so the model
    is for sampling and re-exporting (with a newer export's input checks),
    not for resuming training. Raises if an export's weights do not match
    the rebuilt networks by name and shape.
    """
    from zoo import registry

    exports = []
    for path in paths:
        path = latest_version(path)
        meta = files.read_json(os.path.join(path, METADATA))
        loaded = tf.saved_model.load(path)  # kept alive while its variables are read
        variables = {v.name.rsplit(":", 1)[0]: v.numpy() for v in loaded.signatures[SIGNATURE].variables}
        exports.append((path, meta, variables))
    configs = {json.dumps(meta["config"], sort_keys=True) for _, meta, _ in exports}
    if len(configs) != 1:
        raise ValueError(f"{list(paths)} are exports of different models; pass the exports of one model.")
    meta = exports[0][1]
    model = registry.get_class(meta["model"]).from_config(meta["config"])
    for network in model.GENERATORS:
        weights = getattr(model, network).weights
        names = {w.path for w in weights}
        holders = [(path, variables) for path, _, variables in exports if names <= set(variables)]
        if not holders:
            raise ValueError(f"None of {[p for p, _, _ in exports]} holds the weights of {meta['model']}'s {network}.")
        variables = holders[0][1]
        for w in weights:
            if tuple(variables[w.path].shape) != tuple(w.shape):
                raise ValueError(f"{holders[0][0]}: {w.path} has shape {variables[w.path].shape}, the model {w.shape}.")
            w.assign(variables[w.path])
    return model


# === Using an export without the zoo package ===


def sampler(path):
    """Returns ``generate(n, seed=0, **condition) -> float32 images`` backed
    by an exported SavedModel (any version folder or TF Serving model
    folder). Needs only TensorFlow: this is what serving does. Conditional
    exports take ``labels=`` (an int or ``n`` ints) or ``text=`` (a string
    or ``n`` strings)."""
    path = latest_version(path)
    loaded = tf.saved_model.load(path)
    fn = loaded.signatures[SIGNATURE]
    inputs = fn.structured_input_signature[1]
    conditions = set(inputs) - {"latent"}
    if "latent" not in inputs or conditions - {"labels", "text"}:
        raise ValueError(
            f"{path} needs inputs {sorted(inputs)}; `sample` drives generators taking "
            "latent (+ labels or text). Call its serving_default signature directly."
        )
    latent_dim = inputs["latent"].shape[-1]

    def generate(n, seed=0, truncation=None, **condition):
        given = {k for k, v in condition.items() if v is not None}
        if given - conditions:
            raise ValueError(f"{path} takes {sorted(conditions) or 'no conditions'}; got {sorted(given)}.")
        latents = zoo_conditions.Latent(latent_dim).draw(n, seed)  # Model.generate's latents for this seed
        if truncation is not None:  # as Model.generate(truncation=) does
            latents = zoo_conditions.truncate(latents, truncation, seed)
        feeds = {"latent": tf.constant(latents)}
        for key in sorted(conditions):
            if key not in given:
                flag = {"labels": "--label", "text": "--text"}[key]
                raise ValueError(f"{path} is conditional: give {key}= ({flag} on the command line).")
            value = np.asarray(condition[key])
            if key == "labels" and value.dtype.kind not in "iu":
                raise TypeError(f"labels must be integers, got {value.dtype}.")
            if value.ndim == 0:
                value = np.full((n,), value.item(), dtype=value.dtype)
            if value.shape != (n,):
                raise ValueError(f"{key} must be one value or {n} values, got shape {value.shape}.")
            feeds[key] = tf.constant(value.astype(str) if key == "text" else value, dtype=inputs[key].dtype)
        return _run(fn, feeds, path)

    return generate


def signature_inputs(path):
    """The input names of an export's ``serving_default`` (from its
    ``metadata.json`` when it has one, else from the SavedModel)."""
    path = latest_version(path)
    meta = os.path.join(path, METADATA)
    if os.path.exists(meta):
        inputs = files.read_json(meta).get("signature", {}).get("inputs")
        if inputs:
            return list(inputs)
    return list(tf.saved_model.load(path).signatures[SIGNATURE].structured_input_signature[1])


def is_text_export(path):
    """True for the export of a sequence model: its ``metadata.json`` lists
    a ``text`` output (a SavedModel without one: its signature is read)."""
    path = latest_version(path)
    if os.path.exists(os.path.join(path, METADATA)):
        return "text" in files.read_json(os.path.join(path, METADATA)).get("signature", {}).get("outputs", [])
    return "text" in tf.saved_model.load(path).signatures[SIGNATURE].structured_outputs


def sentence_sampler(path):
    """Returns ``sample(n, seed=0, temperature=1.0) -> [str]`` backed by a
    sequence model's export (inputs ``latent``: uniform noise ``[n,
    length]``, and ``temperature``; outputs ``tokens`` and ``text``). Needs
    only TensorFlow."""
    path = latest_version(path)
    fn = tf.saved_model.load(path).signatures[SIGNATURE]
    inputs = fn.structured_input_signature[1]
    if set(inputs) != {"latent", "temperature"} or "text" not in fn.structured_outputs:
        raise ValueError(f"{path} takes {sorted(inputs)} and returns {sorted(fn.structured_outputs)}; "
                         "sentence_sampler drives sequence models (latent + temperature -> tokens, text).")
    length = inputs["latent"].shape[-1]

    def sample(n, seed=0, temperature=1.0):
        feeds = {"latent": tf.constant(np.random.default_rng(seed).random((n, length)).astype("float32")),
                 "temperature": tf.fill([n], tf.constant(float(temperature), tf.float32))}
        return [s.decode("utf-8") for s in _run(fn, feeds, path, output="text")]

    return sample


def translator(path):
    """Returns ``(translate, source_shape)`` for an exported image-to-image
    SavedModel (input ``image``, plus ``domain`` for StarGAN):
    ``translate(images, domain=None) -> float32 images``; ``domain`` is one
    int32 id or one per image."""
    path = latest_version(path)
    fn = tf.saved_model.load(path).signatures[SIGNATURE]
    inputs = fn.structured_input_signature[1]
    if set(inputs) not in ({"image"}, {"image", "domain"}):
        raise ValueError(
            f"{path} takes {sorted(inputs)}; `translate` drives image-to-image models (input 'image', "
            "and 'domain' for multi-domain ones)."
        )
    takes_domain = "domain" in inputs

    def translate(images, domain=None):
        images = np.asarray(images, np.float32)
        # Checked here too: exports made before the in-graph shape guard lack it.
        if not inputs["image"].shape.is_compatible_with(images.shape):
            raise ValueError(f"{path} takes image of shape {shape_text(inputs['image'])}; got {images.shape}.")
        feeds = {"image": tf.constant(images)}
        if takes_domain != (domain is not None):
            raise ValueError(
                f"{path} translates to a target domain: give domain= (--domain)." if takes_domain
                else f"{path} has no target domain; drop domain= (--domain)."
            )
        if takes_domain:
            domain = np.asarray(domain)
            if domain.dtype.kind not in "iu":
                raise TypeError(f"domain must be integer ids for an export (names live in its metadata.json), got {domain!r:.60}.")
            feeds["domain"] = tf.constant(np.broadcast_to(domain, (len(images),)).astype(np.int32))
        return _run(fn, feeds, path)

    return translate, tuple(inputs["image"].shape[1:])


def text_translator(path):
    """Returns ``translate(lines) -> (texts, notes)`` backed by one
    direction of an exported text-to-text model (input ``text`` string
    ``[batch]``; outputs ``text``, ``truncated``, ``unknown_words``).
    ``notes``: one line per sentence that was cut to the model's length or
    had unknown words. Needs only TensorFlow."""
    path = latest_version(path)
    fn = tf.saved_model.load(path).signatures[SIGNATURE]
    inputs = fn.structured_input_signature[1]
    if set(inputs) != {"text"} or inputs["text"].dtype != tf.string or "text" not in fn.structured_outputs:
        raise ValueError(f"{path} takes {sorted(inputs)} and returns {sorted(fn.structured_outputs)}; "
                         "text_translator drives text-to-text exports (text -> text, e.g. text_cyclegan_*_a2b).")

    def translate(lines):
        if isinstance(lines, str) or not len(lines):
            raise ValueError(f"expected a non-empty list of sentences, got {lines!r:.60}.")
        outputs = _run(fn, {"text": tf.constant([str(x) for x in lines])}, path, output=None)
        notes = []
        for i, (cut, unknown) in enumerate(zip(outputs.get("truncated", []), outputs.get("unknown_words", []))):
            if cut or unknown:
                notes.append(f"sentence {i + 1}: " + ", ".join(
                    (["cut to the model's length"] if cut else []) + ([f"{unknown} unknown word(s)"] if unknown else [])))
        return [t.decode("utf-8") for t in outputs["text"]], notes

    return translate


def _run(fn, feeds, path, output="images"):
    """The signature's ``output`` (``None``: every output, by name); the
    export's own input checks (graph assertions) come back as a ValueError
    with their message."""
    try:
        if output is None:
            return {k: v.numpy() for k, v in fn(**feeds).items()}
        return fn(**feeds)[output].numpy()
    except tf.errors.InvalidArgumentError as e:
        import re

        found = re.search(r"assertion failed: \[([^\]]*)\]", e.message)
        reason = found.group(1) if found else e.message.strip().splitlines()[-1][:300]
        raise ValueError(f"{path} rejected the input: {reason}") from None


# === TFLite ===


def tflite(model, path, quantize=None, *, direction=None):
    """Converts the generator to a ``.tflite`` flatbuffer at ``path``.

    Args:
        model: a zoo model.
        path: output file (must not exist: never overwritten).
        quantize: ``None`` (float32), ``"dynamic"`` (int8 weights, float
            activations) or ``"float16"`` (float16 weights).
        direction: for multi-direction models, which one (a key suffix of
            ``tflite_endpoints()`` without the leading ``_``).

    The conversion runs on a SavedModel written by ``keras.export`` (PITFALLS
    15); run the result with ``ai_edge_litert.interpreter.Interpreter``
    (PITFALLS 8), e.g. via :func:`tflite_runner`. Several quantizations of
    one direction: :func:`tflite_files` (one SavedModel for all).
    """
    return tflite_files(model, {quantize: path}, direction=direction)[quantize]


def tflite_files(model, paths, *, direction=None):
    """``tflite`` for several quantizations of one direction at once:
    ``paths`` maps each quantization (``None``, ``"dynamic"``,
    ``"float16"``) to its output file; the intermediate SavedModel is
    written once. Returns ``paths``. No file is written unless every
    quantization and path is valid."""
    if not paths:
        raise ValueError("tflite_files needs at least one {quantization: path}, got none.")
    for quantize in paths:
        if quantize not in QUANTIZATIONS:
            raise ValueError(f"quantize must be one of {QUANTIZATIONS}, got {quantize!r}.")
    if len({os.path.abspath(p) for p in paths.values()}) < len(paths):
        raise ValueError(f"Each quantization needs its own file; got {paths}.")
    for path in paths.values():
        if os.path.exists(path):
            raise FileExistsError(f"{path} already exists; TFLite exports are never overwritten.")
    model = zoo_precision.float32_copy(model)  # TFLite has no bfloat16 kernels
    endpoints = model.tflite_endpoints()
    key = "" if direction is None else f"_{direction}"
    if key not in endpoints:
        raise ValueError(
            f"Unknown direction {direction!r}; this model exports "
            f"{[k.lstrip('_') or None for k in endpoints]}."
        )
    serve, signature = endpoints[key]
    flatbuffers = {}
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "saved_model")
        _archive(model, serve, signature).write_out(saved, verbose=False)
        for quantize in paths:
            converter = tf.lite.TFLiteConverter.from_saved_model(saved, signature_keys=[SIGNATURE])
            if quantize == "dynamic":
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
            elif quantize == "float16":
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
                converter.target_spec.supported_types = [tf.float16]
            flatbuffers[quantize] = converter.convert()
    for quantize, path in paths.items():
        with files.atomic_path(path) as tmp, open(tmp, "wb") as f:
            f.write(flatbuffers[quantize])
    return dict(paths)


def tflite_runner(path):
    """Returns ``run(**inputs) -> {"images": ..., "images_uint8": ...}`` for a
    ``.tflite`` file, using the LiteRT interpreter (any batch size)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner(SIGNATURE)
    details = runner.get_input_details()

    def run(**inputs):
        missing = set(details) - set(inputs)
        if missing:
            raise ValueError(f"TFLite model needs inputs {sorted(details)}; missing {sorted(missing)}.")
        feeds = {k: np.asarray(v, dtype=details[k]["dtype"]) for k, v in inputs.items()}
        return runner(**feeds)

    return run
