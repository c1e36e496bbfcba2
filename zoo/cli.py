"""``gan-zoo``: list | train | sample | translate | export | evaluate."""

import argparse
import json
import os
import sys


def _cmd_list(args):
    import zoo

    width = max(len(n) for n in zoo.names())
    for name in zoo.names():
        print(f"{name:<{width}}  {zoo.get_class(name).description}")


def _cmd_train(args):
    from zoo import cpu, precision, recipes, train

    recipe = recipes.load(args.recipe, args.overrides)
    workdir = args.workdir or os.path.join("runs", recipe["name"])
    compute = precision.resolve(recipe.get("train", {}).get("precision", "float32"))
    onednn = "oneDNN on" if cpu.onednn_enabled() else "oneDNN off"
    print(f"Training {recipe['name']} ({recipe['model']} on {recipe['data']['source']}, {compute}, {onednn}) "
          f"in {workdir}")
    try:
        _, summary = train.train(recipe, workdir, strategy=args.strategy, devices=args.devices, verbose=args.verbose)
    except train.RunFinished as done:
        print(f"Nothing to do: {done}")
        return 0
    except KeyboardInterrupt:
        epochs = train.finished_epochs(workdir)
        where = f"from epoch {epochs}" if epochs else "from the start (no epoch was finished)"
        print(f"\ngan-zoo: interrupted; {epochs} epoch(s) are checkpointed in {workdir}. "
              f"Rerun the same command to resume {where}.", file=sys.stderr)
        return 130
    print(json.dumps(summary, indent=2))
    print(_rate_line(summary))
    return 0


def _rate_line(summary):
    rate = summary.get("images_per_s_median")
    steps = summary.get("generator_steps")
    wall = summary.get("wall_seconds_this_run")
    from zoo import registry

    unit = "sequences" if "text" in registry.get_class(summary["model"]).OUTPUTS else "images"
    rate_text = f"{rate:,.0f} {unit}/s (median over epochs)" if rate else f"{unit}/s not measured (one step per epoch)"
    where = f" on {summary['cpu']}" if summary.get("cpu") else ""
    return f"Trained: {steps} generator steps, {wall} s this run, {rate_text}{where}."


def _load_for_sampling(path):
    """A .keras file, a training work directory, or an exported SavedModel
    folder of an image model."""
    generate, _ = _samplers(path)
    if generate is None:
        raise ValueError(f"{path} is a sequence model; `evaluate` scores images. Score it with "
                         "benchmarks/sequence_oracle.py (oracle) or benchmarks/sequence_text.py (text).")
    return generate


def _samplers(path):
    """``(generate, sentences)`` of a model, one of them ``None``:
    ``generate(n, seed, **condition) -> images`` for an image model,
    ``sentences(n, seed, temperature) -> [str]`` for a sequence model. A
    .keras file (or work directory) is loaded once; an export is read
    through its own signature."""
    from zoo import export, files

    path = files.keras_file(path)
    if os.path.isdir(path):
        if export.is_text_export(path):
            return None, export.sentence_sampler(path)
        return export.sampler(path), None
    model = files.load_model(path)
    if "text" in model.OUTPUTS:
        return None, lambda n, seed, temperature: model.sample_text(n, seed=seed, temperature=temperature)
    return lambda n, seed, **condition: model.generate(n, seed=seed, **condition), None


def _cmd_sample(args):
    from zoo import images

    generate, sentences = _samplers(args.model)
    if sentences is not None:
        if args.label is not None or args.text is not None or args.truncation is not None:
            raise ValueError("--label, --text and --truncation are for image models; a sequence model takes "
                             "--temperature.")
        lines = sentences(args.n, args.seed, 1.0 if args.temperature is None else args.temperature)
        print("\n".join(lines))
        if args.output.endswith(".txt"):
            _write_lines(args.output, lines, "sentences")
        return
    if args.temperature is not None:
        raise ValueError("--temperature is for sequence models (mle_lm); this model makes images.")
    condition = {} if args.truncation is None else {"truncation": args.truncation}
    if args.label is not None:
        condition["labels"] = args.label
    if args.text is not None:
        condition["text"] = args.text
    out = images.save_grid(generate(args.n, args.seed, **condition), args.output, scale=args.scale)
    print(f"Wrote {args.n} samples to {out}")


def _write_lines(path, lines, what):
    """Writes ``lines`` to ``path`` atomically, one a line, and says so."""
    from zoo import files

    with files.atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"Wrote {len(lines)} {what} to {path}", file=sys.stderr)


def _translate_text(args, path, model=None):
    """``translate`` for text-to-text models: sentences from ``--text`` and
    ``.txt`` files (one a line) -> their translations, one a line."""
    from zoo import text

    lines = list(args.text or [])
    for item in args.inputs:
        if not item.endswith(".txt"):
            raise ValueError(f"a text model translates --text sentences or .txt files (one sentence a line); "
                             f"got {item!r}.")
        lines += text.read_lines(item)
    if not lines:
        raise ValueError("Nothing to translate: give --text \"...\" (repeatable) or .txt files of one sentence a line.")
    if model is None:
        from zoo import export

        if args.direction:
            raise ValueError("An exported model serves one direction: pass its folder (e.g. <base>/<name>_b2a) "
                             "without --direction.")
        translations, notes = export.text_translator(path)(lines)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    else:
        translations = model.translate(lines, direction=args.direction or "a2b")
    print("\n".join(translations))
    if args.output.endswith(".txt"):
        _write_lines(args.output, translations, "translation(s)")


def _cmd_translate(args):
    import numpy as np
    from PIL import Image

    from zoo import data, files, images

    path = files.keras_file(args.model)
    model = None
    if os.path.isdir(path):
        from zoo import export

        fn_inputs = export.signature_inputs(path)
        if "text" in fn_inputs and "image" not in fn_inputs:
            return _translate_text(args, path)
    else:
        from zoo import conditions

        model = files.load_model(path)
        if hasattr(model, "translate") and not model.condition_of(conditions.Image):
            return _translate_text(args, path, model)
    if args.text:
        raise ValueError(f"--text is for text-to-text models (text_cyclegan); {path} translates images.")
    if not args.inputs:
        raise ValueError("Nothing to translate: give image files or folders.")
    if model is not None:
        if args.direction not in (None, "a2b", "b2a"):
            raise ValueError(f"--direction is a2b or b2a for image models, got {args.direction!r}.")
        if not model.condition_of(conditions.Image):
            raise ValueError(f"{path} is a {model.registry_name} model; `translate` needs an image-to-image model.")
        if args.direction and model.ENDPOINT_ARG != "direction":
            raise ValueError(f"--direction is for two-direction models (cyclegan); {path} is a {model.registry_name}.")
        if (args.domain is not None) != bool(model.condition_of(conditions.Domain)):
            raise ValueError(f"--domain (the target domain) is for and required by multi-domain models (stargan); "
                             f"{path} is a {model.registry_name}.")
        choice = {model.ENDPOINT_ARG: args.direction} if args.direction else {}
        if args.domain is not None:  # StarGAN: an id or a domain name
            choice["domain"] = int(args.domain) if args.domain.isdigit() else args.domain
        translate = lambda x: model.generate(image=x, **choice)  # noqa: E731
        endpoint = model.endpoint(args.direction) if model.ENDPOINT_ARG else model.endpoint()
        shape = next(c for c in endpoint.conditions if isinstance(c, conditions.Image)).shape
    else:
        from zoo import export

        if args.direction:
            raise ValueError(
                "An exported model serves one direction: pass its folder (e.g. <base>/<name>_b2a) without --direction."
            )
        to_target, shape = export.translator(path)
        domain = None
        if args.domain is not None:
            if not args.domain.isdigit():
                raise ValueError(f"An export takes domain ids (see its metadata.json for the names), got {args.domain!r}.")
            domain = int(args.domain)
        translate = lambda x: to_target(x, domain)  # noqa: E731
    paths = []
    for item in args.inputs:
        paths += data.list_images(item)[0] if os.path.isdir(item) else [item]
    height, width, channels = shape
    batch = []
    for f in paths:
        if not os.path.isfile(f):
            raise FileNotFoundError(f"No image at {f!r}.")
        try:
            with Image.open(f) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
        except (OSError, ValueError) as e:  # PIL.UnidentifiedImageError is an OSError
            raise ValueError(
                f"Cannot read {f!r} as an image ({', '.join(data.IMAGE_EXTENSIONS)} expected): {e}"
            ) from None
        batch.append(np.asarray(image, np.float32).reshape(height, width, channels) / 127.5 - 1.0)
    inputs = np.stack(batch)
    pairs = images.side_by_side(inputs, translate(inputs))
    out = images.save_grid(pairs, args.output, columns=2, scale=args.scale)
    print(f"Translated {len(paths)} image(s): {out} (each row: input | output)")


def _cmd_export(args):
    from zoo import export, files

    path, recipe, metrics = args.model, None, None
    if os.path.isdir(path):
        # A training work directory: record its recipe and measured figures.
        recipe = files.read_json(os.path.join(path, "recipe.json"))
        metrics = files.read_json(os.path.join(path, "summary.json"))
        path = os.path.join(path, "model.keras")
    if os.path.exists(args.base_dir) and not os.path.isdir(args.base_dir):
        raise NotADirectoryError(f"Export base folder {args.base_dir!r} exists and is not a folder.")
    model = files.load_model(path)
    written = export.saved_model(
        model, args.base_dir, args.name, version=args.version, recipe=recipe, metrics=metrics
    )
    folders = [written] if isinstance(written, str) else written
    for folder in folders:
        print(f"SavedModel: {folder}")
    # One TFLite file per direction (CycleGAN's a2b and b2a), beside its SavedModel.
    for suffix, folder in zip(model.serving_endpoints(), folders):
        if not args.tflite:
            continue
        paths = {None if quant == "float32" else quant: os.path.join(folder, f"model_{quant}.tflite")
                 for quant in args.tflite}
        written = export.tflite_files(model, paths, direction=suffix.lstrip("_") or None)
        for q, tfl in written.items():
            print(f"TFLite ({q or 'float32'}): {tfl} ({os.path.getsize(tfl) / 1e6:.2f} MB)")


def _cmd_evaluate(args):
    from zoo.eval import evaluate

    if args.model == "real":
        from zoo.eval import classifiers

        src = classifiers.resolve_source(args.dataset, args.source)
        generate, memorization = evaluate.real_sampler(src, args.real_split), False
        print(f"Real-vs-real baseline: {args.n} {args.real_split} images vs the {args.reference_split} split")
    else:
        generate, memorization = _load_for_sampling(args.model), not args.no_memorization
    report = evaluate.evaluate(
        generate, args.dataset, source=args.source, n=args.n, extractors=args.extractor,
        inception_weights=None if args.inception_weights == "random" else args.inception_weights,
        reference_split=args.reference_split, reference_n=args.reference_n,
        memorization=memorization, memorization_train=args.memorization_train, seed=args.seed,
        output=args.output,
    )
    print(evaluate.summary(report))
    print(f"Report: {args.output}")
    for path in report["files"].values():
        print(f"PNG: {path}")


def _positive_int(text):
    """argparse type: an integer >= 1 ("2.5", "0", "-3" are refused)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _positive_float(text):
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gan-zoo", description="GAN model zoo for TensorFlow/Keras 3")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="registered variants").set_defaults(func=_cmd_list)

    t = sub.add_parser("train", help="train a recipe (resumes if the workdir has a checkpoint)")
    t.add_argument("recipe", help="recipe name (recipes/) or path to a .toml")
    t.add_argument("overrides", nargs="*", help="section.key=value, e.g. train.epochs=1 data.source=/imgs")
    t.add_argument("--workdir", help="output folder (default runs/<recipe>)")
    t.add_argument("--strategy", default="default", choices=["default", "one_device", "mirrored", "multi_worker"])
    t.add_argument("--devices", type=_positive_int, help="number of devices for mirrored (GPUs, or logical CPUs)")
    t.add_argument("--verbose", type=int, default=1, help="0 silent, 1 progress bar, 2 one line per epoch")
    t.set_defaults(func=_cmd_train)

    s = sub.add_parser("sample", help="write a PNG grid of samples (sequence models: print sentences)")
    s.add_argument("model", help=".keras file, training workdir, or exported model folder")
    s.add_argument("-n", type=_positive_int, default=64, help="number of samples (default 64)")
    s.add_argument("-o", "--output", default="samples.png")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--scale", type=_positive_int, default=2, help="pixel upscaling of the PNG")
    s.add_argument("--label", type=int, help="class id for class-conditional models (cgan, acgan)")
    s.add_argument("--text", help='caption for text-conditional models, e.g. "an ankle boot"')
    s.add_argument("--temperature", type=_positive_float,
                   help="sequence models: sampling temperature (default 1); they print sentences "
                        "(and write them to -o if it ends in .txt)")
    s.add_argument("--truncation", type=_positive_float,
                   help="redraw latent components beyond this many standard deviations (the truncation "
                        "trick: fewer, more typical samples; e.g. 1.0)")
    s.set_defaults(func=_cmd_sample)

    r = sub.add_parser("translate", help="run a translation model on image files (pix2pix, cyclegan, stargan) "
                                         "or sentences (text_cyclegan)")
    r.add_argument("model", help=".keras file, training workdir, or exported model folder")
    r.add_argument("inputs", nargs="*", help="image files or folders (resized to the model's input size); for a "
                                             "text model: .txt files, one sentence a line")
    r.add_argument("-o", "--output", default="translated.png", help="the PNG of image translations; for a text "
                                                                     "model, a .txt file to write too")
    r.add_argument("--text", action="append", help="text models: a sentence to translate (repeatable)")
    r.add_argument("--direction", help="two-direction .keras files: a2b or b2a (default a2b); text models also "
                                       "take '<from>2<to>' or the target style's name")
    r.add_argument("--domain", help="stargan: the target domain (an id, or a name for .keras files)")
    r.add_argument("--scale", type=_positive_int, default=2, help="pixel upscaling of the PNG")
    r.set_defaults(func=_cmd_translate)

    e = sub.add_parser("export", help="SavedModel in TF Serving layout (+ TFLite)")
    e.add_argument("model", help=".keras file or training workdir")
    e.add_argument("base_dir")
    e.add_argument("--name", required=True)
    e.add_argument("--version", type=_positive_int)
    e.add_argument("--tflite", nargs="*", choices=["float32", "dynamic", "float16"])
    e.set_defaults(func=_cmd_export)

    v = sub.add_parser("evaluate", help="FID, KID, score, precision/recall, mode and memorization reports")
    v.add_argument("model", help=".keras file, training workdir, exported model folder, or 'real' (baseline)")
    v.add_argument("--dataset", required=True, help="mnist, fashion_mnist, usps (domain classifier) or any TFDS name/folder")
    v.add_argument("--source", help="data folder for folder datasets (usps: <root>/{train,test}/<digit>/)")
    v.add_argument("-n", type=_positive_int, default=10_000, help="generated samples (default 10000)")
    v.add_argument("-o", "--output", default="report.json", help="report path; PNGs go beside it")
    v.add_argument("--extractor", nargs="+", default=["classifier"], choices=["classifier", "inception"])
    v.add_argument("--inception-weights", default="imagenet",
                   help="'imagenet' (download), a local .h5 file, or 'random' (plumbing only)")
    v.add_argument("--reference-split", default="test")
    v.add_argument("--reference-n", type=int, help="reference images (default: the whole split)")
    v.add_argument("--real-split", default="train", help="split the 'real' baseline draws from")
    v.add_argument("--no-memorization", action="store_true")
    v.add_argument("--memorization-train", type=int, help="training images searched (default all)")
    v.add_argument("--seed", type=int, default=0)
    v.set_defaults(func=_cmd_evaluate)

    # Overrides may also follow the options (`train R --workdir w train.epochs=2`).
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "train" or any(a.startswith("-") or "=" not in a for a in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.overrides = list(args.overrides) + extra
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:  # `train` says more (where to resume) itself
        print("\ngan-zoo: interrupted.", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError) as err:
        # A sentence, not a traceback: these are the errors a user's input
        # causes (bad path, existing export, bad recipe value). GAN_ZOO_DEBUG=1
        # shows the traceback too.
        if os.environ.get("GAN_ZOO_DEBUG"):
            raise
        print(f"gan-zoo: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
