"""DiffAugment (Zhao et al. 2020): differentiable augmentations of every image
the discriminator sees, real and generated, in the D step and in the G step,
so D cannot memorise the training images and G's gradient still flows
through the augmentation.

    images = augment(images, {"translation": uniforms}, ["translation"])

The random parameters come in as uniform [0, 1) draws (``[batch, DRAWS[p]]``
per policy), so a model draws them from its replica-aware seed generator
(``AdversarialModel.d_input``): the same global batch is augmented the same
way on one replica or two. Images are in [-1, 1], ``[batch, H, W, C]``.
Policies and ranges are the paper's reference implementation's:

* ``color``: brightness + (u - 0.5); saturation x (2u) around the per-pixel
  channel mean; contrast x (u + 0.5) around the image mean;
* ``translation``: an integer shift of up to 1/8 of each side (zeros shifted in);
* ``cutout``: a zeroed square of half the side at a random position.
"""

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")
#: Uniform draws each policy takes per image.
DRAWS = {"color": 3, "translation": 2, "cutout": 2}
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def check_policies(policies):
    """``policies`` (``None``, a list, or a comma-separated string) as a list
    of known names in the order given, or a ValueError naming the valid ones."""
    if policies is None:
        return None
    if isinstance(policies, str):
        policies = [p.strip() for p in policies.split(",") if p.strip()]
    policies = list(policies)
    unknown = [p for p in policies if p not in POLICIES]
    if unknown or not policies or len(set(policies)) != len(policies):
        raise ValueError(f"diff_augment must be None or distinct policies of {list(POLICIES)} (a list or "
                         f"'color,translation,cutout'); got {policies!r}.")
    return policies


def color(images, u):
    """Brightness, saturation, contrast: ``u`` is ``[batch, 3]``."""
    u = tf.cast(u, images.dtype)[:, None, None, :]
    images = images + (u[..., 0:1] - 0.5)
    mean = tf.reduce_mean(images, axis=-1, keepdims=True)
    images = (images - mean) * (2.0 * u[..., 1:2]) + mean
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return (images - mean) * (u[..., 2:3] + 0.5) + mean


def _shift_matrices(u, size, max_shift):
    """``[batch, size, size]`` one-hot rows: row i picks source index
    i - t, t an integer in [-max_shift, max_shift] drawn from ``u``."""
    t = tf.cast(tf.floor(u * (2 * max_shift + 1)), tf.int32) - max_shift
    target = tf.range(size)[None, :] - t[:, None]  # [batch, size]: the source of each row
    return tf.one_hot(target, size)  # out of range -> an all-zero row: zeros shifted in


def translation(images, u, ratio=TRANSLATION_RATIO):
    """Integer shifts of up to ``ratio`` of the height and width: ``u`` is
    ``[batch, 2]`` (rows, columns). A matrix product with one-hot shift
    matrices: differentiable, and the same op for every image."""
    height, width = images.shape[1], images.shape[2]
    rows = tf.cast(_shift_matrices(u[:, 0], height, int(height * ratio + 0.5)), images.dtype)
    cols = tf.cast(_shift_matrices(u[:, 1], width, int(width * ratio + 0.5)), images.dtype)
    images = tf.einsum("bih,bhwc->biwc", rows, images)
    return tf.einsum("bjw,biwc->bijc", cols, images)


def _band(u, size, cut):
    """``[batch, size]``: 1 outside a run of ``cut`` indices placed by ``u``."""
    start = tf.cast(tf.floor(u * (size + 1 - cut % 2)), tf.int32) - cut // 2
    index = tf.range(size)[None, :]
    return tf.logical_or(index < start[:, None], index >= start[:, None] + cut)


def cutout(images, u, ratio=CUTOUT_RATIO):
    """A zeroed square of ``ratio`` of each side: ``u`` is ``[batch, 2]``."""
    height, width = images.shape[1], images.shape[2]
    rows = _band(u[:, 0], height, int(height * ratio + 0.5))
    cols = _band(u[:, 1], width, int(width * ratio + 0.5))
    keep = tf.logical_or(rows[:, :, None], cols[:, None, :])  # outside the square
    return images * tf.cast(keep, images.dtype)[..., None]


OPS = {"color": color, "translation": translation, "cutout": cutout}


def augment(images, uniforms, policies):
    """``images`` through each policy in turn, with its uniform draws
    ``uniforms[policy]`` (``[batch, DRAWS[policy]]``)."""
    for policy in policies:
        images = OPS[policy](images, uniforms[policy])
    return images
