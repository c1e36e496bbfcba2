"""StarGAN's digit-styles data: three real domains of 28x28 greyscale digits
(thin-stroke MNIST, thick-stroke MNIST, USPS), written once to a folder that
``zoo.data.load_images(root, with_labels=True)`` reads with domain ids.
Used by the ``stargan_digit_styles`` recipe, ``benchmarks/stargan_digits.py``
and its domain classifier (``zoo.eval.classifiers``)."""

import os
import shutil
import tempfile

import numpy as np

from zoo import data as zoo_data

DOMAINS = ("mnist_thick", "mnist_thin", "usps")


def write(root, usps, *, seed=0, splits=("train", "test")):
    """Writes the three-domain digit set of the ``stargan_digit_styles``
    recipe, all real images at 28x28 greyscale::

        <root>/{train,test}/{mnist_thick,mnist_thin,usps}/<digit>_<index>.png

    ``usps``: the USPS digits (16x16, resized). ``mnist_thin`` and
    ``mnist_thick``: within each MNIST digit class, the third of the images
    with the least and the most ink (pixels brighter than mid-grey), so the
    two differ in stroke weight, not in which digits they hold. Each MNIST
    domain takes as many images of a split as USPS has (7,291 train, 2,007
    test), drawn at random (``seed``) from its third. The file name starts
    with the digit (``digit_of``), the folder is the domain, so
    ``zoo.data.load_images(root, with_labels=True)`` yields domain ids in ``DOMAINS``
    order. ``splits``: which splits to write (the images drawn do not
    depend on it). Written to a temporary folder and renamed: an existing
    ``root`` is never touched. Returns ``root``.
    """
    from PIL import Image

    root = os.fspath(root)
    if os.path.exists(root):
        raise zoo_data.DataError(f"{root!r} exists; digit_styles.write never writes into an existing folder.")
    parent = os.path.dirname(os.path.abspath(root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".digit-styles-", dir=parent)
    rng = np.random.default_rng(seed)
    try:
        for split in ("train", "test"):
            usps_images, usps_labels = zoo_data.arrays(usps, split=split, image_size=28, channels=1, with_labels=True)
            mnist_images, mnist_labels = zoo_data.arrays("mnist", split=split, channels=1, with_labels=True)
            thin, thick = ink_thirds(mnist_images, mnist_labels)
            domains = {"usps": (usps_images, usps_labels)}
            for name, picked in (("mnist_thin", thin), ("mnist_thick", thick)):
                chosen = rng.permutation(picked)[: len(usps_images)]
                domains[name] = (mnist_images[chosen], mnist_labels[chosen])
            if split not in splits:
                continue
            for name, (images, labels) in domains.items():
                folder = os.path.join(tmp, split, name)
                os.makedirs(folder)
                pixels = np.clip(np.round((images[..., 0] + 1.0) * 127.5), 0, 255).astype(np.uint8)
                for index, (image, digit) in enumerate(zip(pixels, labels)):
                    Image.fromarray(image, "L").save(os.path.join(folder, f"{digit}_{index:05d}.png"))
        os.chmod(tmp, 0o755)
        os.rename(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def ink_thirds(images, labels):
    """Indices of the least-inked and the most-inked third of each class
    (ink: pixels brighter than mid-grey, images in [-1, 1])."""
    ink = (np.asarray(images) > 0).sum(axis=tuple(range(1, np.ndim(images))))
    thin, thick = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ranked = members[np.argsort(ink[members], kind="stable")]
        third = len(ranked) // 3
        thin.append(ranked[:third])
        thick.append(ranked[len(ranked) - third:])
    return np.concatenate(thin), np.concatenate(thick)


def digit_of(path):
    """The digit class of a ``write`` file (its name's prefix)."""
    name = os.path.basename(os.fspath(path))
    head = name.split("_", 1)[0]
    if not head.isdigit():
        raise zoo_data.DataError(f"{path!r} is not a digit-styles file (<digit>_<index>.png).")
    return int(head)
