"""Does a conditional generator obey its condition?

A domain classifier (``zoo.eval.classifiers``: MNIST 99.38%, Fashion-MNIST
90.33%, USPS 97.76% test accuracy) reads the class of each generated image;
*conditional accuracy* is the fraction read as the class that was asked for.
A generator that ignores its condition scores about 1/num_classes.

Example:
    >>> import keras, zoo
    >>> from zoo.eval import conditional
    >>> model = keras.saving.load_model("runs/cgan_mnist/model.keras")
    >>> conditional.label_accuracy(model, "mnist")["accuracy"]
"""

import numpy as np

from zoo.eval import classifiers


def accuracy(classifier, images, targets, num_classes=None):
    """``{"accuracy", "per_class", "n"}``: how often ``classifier`` reads
    ``targets[i]`` in ``images[i]``. ``classifier``: a ``Classifier`` or a
    dataset name with a shipped one."""
    if isinstance(classifier, str):
        classifier = classifiers.load(classifier)
    targets = np.asarray(targets)
    if len(images) != len(targets):
        raise ValueError(f"{len(images)} images but {len(targets)} targets.")
    _, logits = classifier(images)
    correct = logits.argmax(-1) == targets
    num_classes = num_classes or classifier.num_classes
    per_class = [float(correct[targets == k].mean()) if np.any(targets == k) else None
                 for k in range(num_classes)]
    return {"accuracy": float(correct.mean()), "per_class": per_class, "n": int(len(targets))}


def label_accuracy(model, classifier, *, n_per_class=100, seed=0):
    """Conditional accuracy of a class-conditional model: ``n_per_class``
    samples of each class (latents drawn with ``seed``).

    ``model``: a zoo model with ``num_classes`` or a callable
    ``generate(n, seed=, labels=)``."""
    num_classes = model.num_classes
    labels = np.repeat(np.arange(num_classes), n_per_class).astype("int32")
    images = model.generate(len(labels), seed=seed, labels=labels)
    return accuracy(classifier, images, labels, num_classes)


def caption_accuracy(model, classifier, captions_by_class, *, n_per_caption=50, seed=0):
    """Conditional accuracy of a text-conditional model: for every caption
    of class k in ``captions_by_class`` (a list of lists), ``n_per_caption``
    samples read as class k. Also reports accuracy per caption."""
    texts, targets = [], []
    for k, captions in enumerate(captions_by_class):
        for caption in captions:
            texts += [caption] * n_per_caption
            targets += [k] * n_per_caption
    images = model.generate(len(texts), seed=seed, text=np.array(texts))
    result = accuracy(classifier, images, targets, len(captions_by_class))
    _, logits = (classifiers.load(classifier) if isinstance(classifier, str) else classifier)(images)
    correct = logits.argmax(-1) == np.asarray(targets)
    texts = np.array(texts)
    result["per_caption"] = {
        caption: float(correct[texts == caption].mean())
        for captions in captions_by_class for caption in captions
    }
    return result
