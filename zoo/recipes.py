"""Recipes: TOML files naming a model, a dataset, the kwargs that differ from
the model's defaults (each with a reason), and the training length.

    model = "dcgan"
    [data]
    source = "mnist"
    batch_size = 128    # Radford et al. 2015
    [kwargs]
    latent_dim = 100
    [train]
    epochs = 5

Loading validates every key (unknown keys raise with the list of valid ones).
Recipes are data: parsed with ``tomllib``, never executed.
"""

import copy
import inspect
import os
import tomllib

from zoo import data as zoo_data
from zoo import precision as zoo_precision
from zoo import registry

RECIPE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes")

TOP_LEVEL = {
    "model": "registered model name",
    "description": "one line on what the recipe trains",
    "reference": "paper or source of the settings",
    "expected": "what the recipe is expected to reach",
    "data": "arguments of zoo.data.load",
    "kwargs": "model constructor overrides",
    "train": "training length, seed, precision and compile settings",
    "g_optimizer": "overrides of the generator optimizer's config (GANs)",
    "d_optimizer": "overrides of the discriminator optimizer's config (GANs)",
    "optimizer": "overrides of the optimizer's config (one-optimizer models)",
    "<name>_optimizer": "overrides of another optimizer of the model (its OPTIMIZERS, e.g. glo's code_optimizer)",
}
TRAIN_KEYS = {
    "epochs", "steps_per_epoch", "seed", "sample_every", "jit_compile", "steps_per_execution",
    "eval_every", "eval_samples", "precision",
}
DATA_KEYS = (set(inspect.signature(zoo_data.load).parameters) | set(inspect.signature(zoo_data.load_images).parameters)
             | set(inspect.signature(zoo_data.load_tokens).parameters)) - {
    "kwargs", "epochs", "first_epoch", "seed", "steps_per_epoch"
}


#: [train] keys that are whole numbers, with their minimum.
TRAIN_WHOLE_NUMBERS = {
    "epochs": 1, "steps_per_epoch": 1, "seed": 0, "sample_every": 1, "eval_every": 1,
    "eval_samples": 1, "steps_per_execution": 1,
}


class RecipeError(ValueError):
    pass


def _check_values(recipe):
    """Types and ranges of the values the driver reads, so a typo such as
    ``train.epochs=abc`` fails here, naming its key, not deep in ``fit``."""
    train = recipe.get("train", {})
    for key, minimum in TRAIN_WHOLE_NUMBERS.items():
        value = train.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            raise RecipeError(
                f"[train] {key} must be a whole number >= {minimum}, got {value!r} ({type(value).__name__})."
            )
    if "jit_compile" in train and train["jit_compile"] not in (True, False, "auto"):
        raise RecipeError(f"[train] jit_compile must be true, false or \"auto\", got {train['jit_compile']!r}.")
    data = recipe["data"]
    if not isinstance(data["source"], str) or not data["source"]:
        raise RecipeError(f"[data] source must be a TFDS name or a folder path, got {data['source']!r}.")
    value = data.get("batch_size")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise RecipeError(f"[data] batch_size must be a whole number >= 1, got {value!r} ({type(value).__name__}).")
    try:
        zoo_data.check_size(data.get("image_size"))
    except zoo_data.DataError as e:
        raise RecipeError(f"[data] {e}") from None
    if data.get("channels") not in (None, 1, 3) or isinstance(data.get("channels"), bool):
        raise RecipeError(f"[data] channels must be 1 (greyscale) or 3 (RGB), got {data['channels']!r}.")


def _unknown(section, found, valid):
    unknown = sorted(set(found) - set(valid))
    if unknown:
        raise RecipeError(
            f"Unknown key(s) {unknown} in recipe section {section!r}. Valid keys: {sorted(valid)}."
        )


def names():
    """The shipped recipes' names (``recipes/*.toml``), sorted."""
    if not os.path.isdir(RECIPE_DIR):
        return []
    return sorted(f[:-5] for f in os.listdir(RECIPE_DIR) if f.endswith(".toml"))


def resolve_path(name_or_path):
    """A recipe path, or a recipe name found in the repository's recipes/."""
    candidates = [name_or_path, os.path.join(RECIPE_DIR, name_or_path)]
    candidates += [c + ".toml" for c in candidates]
    for c in candidates:
        if os.path.isfile(c):
            return c
    raise RecipeError(f"No recipe {name_or_path!r}. Available recipes: {names()}.")


def parse_override(text):
    """``section.key=value`` -> (["section", "key"], value); value parsed as TOML."""
    if "=" not in text:
        raise RecipeError(f"Override {text!r} must look like section.key=value (e.g. train.epochs=1).")
    key, raw = text.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare string such as a path
    return key.strip().split("."), value


def load(name_or_path, overrides=()):
    """Reads, overrides and validates a recipe; returns a plain dict."""
    path = resolve_path(name_or_path)
    with open(path, "rb") as f:
        try:
            recipe = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise RecipeError(f"Recipe {path!r} is not valid TOML: {e}") from None
    recipe = copy.deepcopy(recipe)
    for item in overrides:
        keys, value = parse_override(item) if isinstance(item, str) else item
        node = recipe
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    recipe["path"] = path
    recipe["name"] = os.path.splitext(os.path.basename(path))[0]
    validate(recipe)
    return recipe


def validate(recipe):
    # Optimizer sections are per model (its OPTIMIZERS): checked below, by name.
    _unknown("top level", {k for k in recipe if not k.endswith("optimizer")} - {"path", "name"}, TOP_LEVEL)
    if "model" not in recipe or "data" not in recipe:
        raise RecipeError("A recipe needs at least `model` and a [data] section.")
    cls = registry.get_class(recipe["model"])
    for key in sorted(k for k in recipe if k.endswith("optimizer") and k not in cls.OPTIMIZERS):
        raise RecipeError(f"{recipe['model']} has no {key!r}; its optimizers are {list(cls.OPTIMIZERS)}.")
    _unknown("data", recipe["data"], DATA_KEYS)
    if "source" not in recipe["data"]:
        raise RecipeError("Recipe section [data] needs `source` (a TFDS name or a folder).")
    _unknown("train", recipe.get("train", {}), TRAIN_KEYS)
    _check_values(recipe)
    precision = recipe.get("train", {}).get("precision", "float32")
    if precision not in zoo_precision.CHOICES:
        raise RecipeError(f"[train] precision must be one of {list(zoo_precision.CHOICES)}, got {precision!r}.")
    try:
        registry.check_kwargs(cls, recipe.get("kwargs", {}), where="[kwargs] keys")
    except ValueError as e:
        raise RecipeError(str(e)) from None


def model_kwargs(recipe):
    """Constructor kwargs: the recipe's, with image_shape derived from [data]."""
    kwargs = dict(recipe.get("kwargs", {}))
    d = recipe["data"]
    cls = registry.get_class(recipe["model"])
    if "image_shape" in registry.constructor_args(cls) and "image_shape" not in kwargs:
        if d.get("image_size") and d.get("channels"):
            size = d["image_size"]
            size = (size, size) if isinstance(size, int) else tuple(size)
            kwargs["image_shape"] = (*size, d["channels"])
    if d.get("tokens") is not None:
        # A sequence model's ids follow from its data: the oracle's size, or
        # the vocabulary built from the text's train split.
        kwargs = {**_sequence_kwargs(d, registry.constructor_args(cls)), **kwargs}
    return kwargs


def _sequence_kwargs(d, accepted):
    found = zoo_data.token_model_kwargs(d["source"], d["tokens"], length=d.get("length", 20),
                                        vocabulary_size=d.get("vocabulary_size"), styles=d.get("styles"))
    return {k: v for k, v in found.items() if k in accepted}
