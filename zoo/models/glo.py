"""Generative Latent Optimization (Bojanowski, Joulin, Lopez-Paz & Szlam 2018)."""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import conditions as zoo_conditions
from zoo import layers as zoo_layers
from zoo.base import GenerativeModel
from zoo.registry import register

#: 5-tap binomial filter (an approximate Gaussian) of the Laplacian pyramid.
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def laplacian_pyramid(images, levels):
    """``levels`` band-pass images (finest first), then the low-pass residual:
    each level is the image minus its blur, and the next level works on the
    blur downsampled by 2 (Burt & Adelson 1983)."""
    channels = images.shape[-1]
    kernel = np.outer(_BINOMIAL, _BINOMIAL)[:, :, None, None]
    kernel = tf.constant(np.tile(kernel, (1, 1, channels, 1)), tf.float32)
    pyramid, current = [], images
    for _ in range(levels):
        padded = tf.pad(current, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="SYMMETRIC")
        blurred = tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")
        pyramid.append(current - blurred)
        current = tf.nn.avg_pool2d(blurred, 2, 2, "VALID")
    return pyramid + [current]


def laplacian_l1(real, fake, levels=3):
    """Per-example Lap1: the mean absolute difference of each pyramid level,
    summed over levels. Equal weight per level's mean is the paper's
    sum_j 2^(2j) |L^j(x) - L^j(x')|_1 up to a constant (level j has 4^-j of
    the pixels)."""
    return tf.add_n([tf.reduce_mean(tf.abs(a - b), axis=[1, 2, 3])
                     for a, b in zip(laplacian_pyramid(real, levels), laplacian_pyramid(fake, levels))])


def unit_rows(values):
    return values / np.maximum(np.linalg.norm(values, axis=1, keepdims=True), 1e-12)


def code_table(num_codes, code_dim, seed, name="codes"):
    """index -> its code: an Embedding whose rows Keras's optimizers project
    back onto the unit sphere after every update (its constraint)."""
    index = keras.Input((), dtype="int32", name="index")
    embedding = layers.Embedding(num_codes, code_dim, embeddings_constraint=keras.constraints.UnitNorm(axis=1),
                                 name="code_table")
    model = keras.Model(index, embedding(index), name=name)
    # Start on the sphere too: random directions.
    start = np.random.default_rng(seed).standard_normal((num_codes, code_dim))
    embedding.embeddings.assign(unit_rows(start).astype("float32"))
    return model


def principal_codes(images, code_dim, seed=0, power_iterations=4):
    """Each image's coordinates on the top ``code_dim`` principal axes of the
    centred images, projected onto the unit sphere (the GLO paper's start).
    Randomized subspace iteration (Halko, Martinsson & Tropp 2011), so an
    RGB split costs O(n * pixels * code_dim), not a pixels^2 covariance."""
    flat = np.asarray(images, np.float32).reshape(len(images), -1)
    flat = flat - flat.mean(axis=0)
    if code_dim > min(flat.shape):
        raise ValueError(f"PCA codes of {code_dim} need at least {code_dim} images of at least {code_dim} pixels, "
                         f"got {flat.shape[0]} images of {flat.shape[1]} pixels; use code_init='random'.")
    width = min(code_dim + 10, min(flat.shape))
    basis = np.random.default_rng(seed).standard_normal((flat.shape[1], width)).astype(np.float32)
    for _ in range(power_iterations + 1):
        left, _ = np.linalg.qr(flat @ basis)
        basis, _ = np.linalg.qr(flat.T @ left)
    # basis spans the top right-singular subspace; rotate it to the axes.
    _, _, axes = np.linalg.svd(flat @ basis, full_matrices=False)
    components = basis @ axes[:code_dim].T
    return unit_rows((flat @ components).astype(np.float64)).astype(np.float32)


def gaussian_prior(code_dim, name="prior"):
    """z ~ N(0, I) -> mean + L z (L the Cholesky factor of the codes'
    covariance, set by ``GLO.fit_prior``), projected onto the sphere where
    the generator was trained. Starts as the identity."""
    z = keras.Input((code_dim,), name="latent")
    affine = layers.Dense(code_dim, kernel_initializer="identity", trainable=False, name="cholesky")
    return keras.Model(z, layers.UnitNormalization(name="to_sphere")(affine(z)), name=name)


@register("glo", "GLO: a learned code per training image, a generator fit by reconstruction (Bojanowski et al. 2018)")
class GLO(GenerativeModel):
    """Generative Latent Optimization: no encoder, no discriminator.

    Every training image i owns a code z_i on the unit sphere (a row of the
    ``codes`` table); the generator G and the codes are fit jointly to
    reconstruct each image from its own code, with the Laplacian-pyramid L1
    loss (Lap1) plus ``l2_weight`` times the mean squared error. Batches are
    ``(images, indices)``: load them with
    ``zoo.data.load_images(..., with_index=True)``. New samples: a full-
    covariance Gaussian fit to the learned codes (``fit_prior``, refreshed
    whenever the model is sampled or exported after training), a draw from
    it projected onto the sphere, then G.

    Two optimizers: ``optimizer`` for G, ``code_optimizer`` for the codes
    (plain SGD: only the rows of this batch get a gradient, and SGD moves
    only those; the unit-norm constraint projects them back after each
    update).

    Args:
        image_shape: (height, width, channels), square (DCGAN generator).
        num_codes: size of the code table (the training split's size); an
            index outside it fails the step with a clear message.
        code_dim: size of each code (the generator's input).
        g_filters: width of the DCGAN generator's last block.
        lap_levels: band-pass levels of the Laplacian pyramid.
        l2_weight: weight of the mean squared error next to Lap1.
        code_init: "pca" (the paper's): ``gan-zoo train`` sets the codes to
            the training images' principal components before the first
            epoch (``init_from_data``; with your own ``fit``, call
            ``init_codes(images)`` first); "random": random directions.
        generator, codes, prior: custom networks.
        seed: seeds the initial codes.

    Example:
        >>> import zoo
        >>> model = zoo.get("glo", num_codes=100, code_dim=8, g_filters=8)
        >>> model.generate(2).shape
        (2, 28, 28, 1)

    Reference: Bojanowski, Joulin, Lopez-Paz, Szlam, "Optimizing the Latent
    Space of Generative Networks", ICML 2018. Not the paper's: G trains with Adam 1e-3 /
    beta1 0.5 (the paper: SGD); codes use plain SGD with learning rate 100
    on the batch-mean loss (measured from a random start, 300 steps on 640
    MNIST digits: reconstruction MSE 0.235 at 100, 0.315 at 10, 0.280 at
    1000).
    """

    NETWORKS = ("generator", "codes", "prior")
    GENERATORS = ("generator", "prior")
    OPTIMIZERS = ("optimizer", "code_optimizer")
    DEFAULT_OPTIMIZERS = {
        "optimizer": ("Adam", {"learning_rate": 1e-3, "beta_1": 0.5}),
        "code_optimizer": ("SGD", {"learning_rate": 100.0}),
    }
    LOSS_NAMES = ("loss", "lap1", "l2")

    def __init__(self, image_shape=(28, 28, 1), num_codes=60_000, code_dim=32, g_filters=64, lap_levels=3,
                 l2_weight=1.0, code_init="pca", seed=0, generator=None, codes=None, prior=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        num_codes = zoo_layers.whole_number("num_codes", num_codes, minimum=1)
        code_dim = zoo_layers.whole_number("code_dim", code_dim, minimum=1)
        lap_levels = zoo_layers.whole_number("lap_levels", lap_levels, minimum=0)
        image_shape = zoo_layers.check_image_shape(image_shape)
        if 2**lap_levels > image_shape[0]:
            raise ValueError(f"lap_levels={lap_levels} halves {image_shape[0]}-pixel images below one pixel.")
        if not float(l2_weight) >= 0:
            raise ValueError(f"l2_weight must be >= 0, got {l2_weight!r}.")
        if code_init not in ("pca", "random"):
            raise ValueError(f"code_init must be 'pca' or 'random', got {code_init!r}.")
        self.generator = generator or zoo_layers.dcgan_generator(image_shape, code_dim, g_filters)
        self.codes = codes or code_table(num_codes, code_dim, seed)
        self.prior = prior or gaussian_prior(code_dim)
        table = self.code_table
        if tuple(table.shape) != (num_codes, code_dim):
            raise ValueError(f"the code table has shape {tuple(table.shape)}, expected ({num_codes}, {code_dim}).")
        self.image_shape = image_shape
        self.num_codes, self.code_dim, self.g_filters = num_codes, code_dim, g_filters
        self.lap_levels, self.l2_weight, self.code_init = lap_levels, float(l2_weight), code_init
        self._prior_fitted_at = None

    @property
    def code_table(self):
        return self.codes.trainable_variables[0]

    def init_codes(self, images):
        """Sets code i to image i's principal components on the sphere
        (``principal_codes``); ``images``: the whole training split in index
        order, e.g. ``zoo.data.arrays("mnist", split="train")``."""
        expected = (self.num_codes, *self.image_shape)
        if tuple(np.shape(images)) != expected:
            raise ValueError(f"init_codes needs one image per code, shape {expected}; got {tuple(np.shape(images))}.")
        self.code_table.assign(principal_codes(images, self.code_dim, seed=self.seed))
        self._prior_fitted_at = None

    def init_from_data(self, load_split):
        if self.code_init == "pca":
            self.init_codes(load_split())

    def optimizer_variables(self, name):
        network = self.codes if name == "code_optimizer" else self.generator
        return network.trainable_variables

    # === Training: reconstruct each image from its own code ===

    def reconstruction_loss(self, real, fake):
        """Per-example Lap1 and MSE, and their weighted sum."""
        lap1 = laplacian_l1(real, fake, self.lap_levels)
        l2 = tf.reduce_mean(tf.square(real - fake), axis=[1, 2, 3])
        return lap1, l2, lap1 + self.l2_weight * l2

    def train_step(self, data):
        images, index = self.unpack(data)
        if index is None:
            raise ValueError("glo trains on (images, indices) batches; load the data with "
                             "zoo.data.load_images(..., with_index=True) (recipe: [data] with_index = true).")
        index = tf.cast(index, tf.int32)
        in_range = tf.debugging.assert_less(
            index, self.num_codes,
            message=f"glo has num_codes={self.num_codes} codes; an example index is beyond it: "
                    "set num_codes to the training split's size")
        with tf.control_dependencies([in_range]):
            index = tf.identity(index)
        with tf.GradientTape(persistent=True) as tape:
            # 1. Each image's own code (on the sphere) through G.
            fake = self.generator(self.codes(index, training=True), training=True)
            # 2. Reconstruction loss over the global batch.
            lap1, l2, per_example = self.reconstruction_loss(images, fake)
            loss = self.global_mean(per_example) + self.regularization([self.generator])
        # 3. G and this batch's codes step together (then the codes are projected).
        self.apply_update(self.optimizer, loss, self.optimizer_variables("optimizer"), tape)
        self.apply_update(self.code_optimizer, loss, self.optimizer_variables("code_optimizer"), tape)
        del tape
        self._track("loss", per_example)
        self._track("lap1", lap1)
        self._track("l2", l2)
        return self._logs()

    def example_batch(self, n=8, seed=0):
        images = zoo_conditions.random_images(self.image_shape, n, seed)
        index = np.random.default_rng(seed).permutation(self.num_codes)[:n].astype("int32")
        return images, index

    # === Sampling: a Gaussian fit to the codes ===

    def fit_prior(self):
        """Sets the prior to the mean and covariance of the learned codes."""
        table = keras.ops.convert_to_numpy(self.code_table).astype("float64")
        mean = table.mean(axis=0)
        cov = np.cov(table, rowvar=False) if len(table) > 1 else np.zeros((self.code_dim, self.code_dim))
        cov = np.atleast_2d(cov) + 1e-6 * np.eye(self.code_dim)
        cholesky = np.linalg.cholesky(cov)
        self.prior.get_layer("cholesky").set_weights([cholesky.T.astype("float32"), mean.astype("float32")])
        self._prior_fitted_at = self.steps_trained

    def conditions(self):
        return (zoo_conditions.Latent(self.code_dim),)

    def generator_network(self):
        """Served network: z ~ N(0, I) -> the codes' Gaussian -> sphere -> G."""
        if self._prior_fitted_at != self.steps_trained and tf.executing_eagerly():
            self.fit_prior()
        z = keras.Input((self.code_dim,), name="latent")
        return keras.Model(z, self.generator(self.prior(z)), name="glo_sampler")

    def reconstruct(self, index, batch_size=500):
        """G(z_i) for training-image indices ``index`` (numpy, in [-1, 1])."""
        index = np.asarray(index)
        if index.dtype.kind not in "iu" or index.ndim != 1:
            raise ValueError(f"index must be a 1-d array of ints, got {index.dtype} of shape {index.shape}.")
        if index.size and (index.min() < 0 or index.max() >= self.num_codes):
            raise ValueError(f"index must be in [0, {self.num_codes}), got [{index.min()}, {index.max()}].")
        return np.concatenate([
            keras.ops.convert_to_numpy(self.generator(self.codes(index[i : i + batch_size].astype("int32"))))
            for i in range(0, len(index), batch_size)])
