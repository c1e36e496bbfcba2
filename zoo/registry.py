"""The model registry: one decorator registers a class and makes it
Keras-serializable; ``get`` builds a compiled model by name."""

import inspect

import keras

_REGISTRY = {}


def register(name, description):
    """Class decorator: registers a model under ``name``.

    The class also becomes Keras-serializable (package ``zoo``), so a saved
    ``.keras`` file reloads to the same class. Registering a name twice raises.
    """

    def decorator(cls):
        if name in _REGISTRY:
            raise ValueError(
                f"A model named {name!r} is already registered "
                f"({_REGISTRY[name].__module__}.{_REGISTRY[name].__name__}); "
                "pick another name."
            )
        cls = keras.saving.register_keras_serializable(package="zoo", name=cls.__name__)(cls)
        cls.registry_name = name
        cls.description = description
        _REGISTRY[name] = cls
        return cls

    return decorator


def names():
    """Registered model names, sorted."""
    return sorted(_REGISTRY)


def get_class(name):
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown model {name!r}. Available models: {', '.join(names())}."
        )
    return _REGISTRY[name]


def constructor_args(cls):
    """Names of the keyword arguments a model class accepts (its config keys)."""
    params = inspect.signature(cls.__init__).parameters
    names = [p for p in params if p not in ("self", "kwargs", "args")]
    # Options the base class stores and every subclass passes on through **kwargs.
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        names += [o for o in getattr(cls, "OPTIONS", ()) if o not in names]
    return names


def check_kwargs(cls, kwargs, where="overrides"):
    valid = constructor_args(cls)
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        raise ValueError(
            f"Unknown {where} for model {cls.registry_name!r}: {unknown}. "
            f"Valid keys: {valid}."
        )


def get(name, *, precision=None, **overrides):
    """Builds the registered model ``name`` with ``overrides`` and compiles it
    with the paper's optimizers, or the ones given by the model's optimizer
    names (a GAN's ``g_optimizer=`` / ``d_optimizer=``, a one-optimizer
    model's ``optimizer=``): instances, names or dicts of config overrides.

    ``precision``: ``"float32"``, ``"mixed_bfloat16"`` or ``"auto"``
    (``zoo.precision``); by default, Keras's global dtype policy.

    Call it under ``strategy.scope()`` to train with ``tf.distribute``.
    """
    from zoo import precision as zoo_precision

    cls = get_class(name)
    optimizers = {k: overrides.pop(k) for k in list(overrides) if k in cls.OPTIMIZERS}
    check_kwargs(cls, overrides)
    if precision is None:
        model = cls(**overrides)
    else:
        with zoo_precision.policy(precision):
            model = cls(**overrides)
    model.compile(**optimizers)
    return model
