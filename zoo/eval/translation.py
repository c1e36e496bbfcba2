"""Does a translation keep its input's content?

Unpaired translation has no ground truth to compare with, so the notes'
question "does the output keep a relation to the input?" is measured with a
domain classifier of the *target* domain (``zoo.eval.classifiers``): on
digits translated from MNIST to USPS, the USPS classifier should read the
digit that was written in the MNIST input (*label preservation*). A
translator that ignores its input scores about 1/num_classes; the input
itself, untranslated, gives the domain-gap baseline.

Example:
    >>> import keras, zoo
    >>> from zoo.eval import translation
    >>> model = keras.saving.load_model("runs/cyclegan_mnist_usps/model.keras")
    >>> images, labels = zoo.data.arrays("mnist", with_labels=True, limit=1000)
    >>> translation.label_preservation(lambda x: model.generate(image=x), images, labels, "usps")["accuracy"]
"""

import numpy as np

from zoo.eval import conditional


def label_preservation(translate, images, labels, classifier, batch_size=500):
    """``{"accuracy", "per_class", "n", "untranslated_accuracy"}``: how often
    ``classifier`` (of the target domain) reads ``labels[i]`` in
    ``translate(images)[i]``, and in ``images[i]`` itself.

    Args:
        translate: callable ``[n, H, W, C] -> [n, H, W, C']`` (a model's
            ``generate(image=...)``, an export's ``translator``).
        images, labels: source-domain images in [-1, 1] and their classes.
        classifier: a ``Classifier`` or the name of a shipped one.
    """
    images = np.asarray(images, np.float32)
    translated = np.concatenate([translate(images[i : i + batch_size]) for i in range(0, len(images), batch_size)])
    if len(translated) != len(images):
        raise ValueError(f"translate returned {len(translated)} images for {len(images)}.")
    result = conditional.accuracy(classifier, translated, labels)
    result["untranslated_accuracy"] = conditional.accuracy(classifier, images, labels)["accuracy"]
    return result


def cycle_error(there, back, images, batch_size=500):
    """Mean |back(there(x)) - x| over pixels (images in [-1, 1]): how well a
    round trip A -> B -> A returns the input."""
    images = np.asarray(images, np.float32)
    errors = []
    for i in range(0, len(images), batch_size):
        chunk = images[i : i + batch_size]
        errors.append(np.abs(back(there(chunk)) - chunk).mean(axis=(1, 2, 3)))
    return float(np.concatenate(errors).mean())
