"""CycleGAN: unpaired image-to-image translation with cycle consistency (Zhu et al. 2017)."""

import keras
import numpy as np
import tensorflow as tf

from zoo import conditions
from zoo import layers
from zoo.base import AdversarialModel
from zoo.registry import register

DIRECTIONS = ("a2b", "b2a")


@register("cyclegan", "CycleGAN: two ResNet Gs, two PatchGAN Ds, least squares + 10 * cycle L1 + identity, image pool (Zhu et al. 2017)")
class CycleGAN(AdversarialModel):
    """Unpaired translation between two image domains A and B.

    Two generators, G: A -> B (``generator``) and F: B -> A
    (``generator_ba``), and two PatchGAN discriminators, D_B
    (``discriminator``, judges B images) and D_A (``discriminator_a``).
    With no pairs to copy from, an adversarial loss alone lets G map every
    input to any plausible B image; the cycle loss ``|F(G(a)) - a|_1 +
    |G(F(b)) - b|_1`` makes each translation keep what is needed to undo it,
    so the output stays tied to its input. The identity loss ``|G(b) - b|_1
    + |F(a) - a|_1`` keeps images already in the target domain unchanged
    (the paper uses it to preserve colour).

    Each step: 1. both generators, on ``adversarial + cycle_weight * cycle +
    identity_weight * cycle_weight * identity``; 2. both discriminators, on
    real images vs fakes drawn from a history pool of ``pool_size`` earlier
    fakes (Shrivastava et al. 2017), which keeps D from forgetting what G
    did a few steps ago. The pool is state: saved in ``.keras`` files and
    checkpoints, and filled from the *global* batch (gathered across
    replicas), so 1 and N replicas train identically.

    Training batches are ``(images_a, images_b)`` with no relation between
    the two (``zoo.data.load_unpaired``).

    Args:
        shape_a / shape_b: (height, width, channels) of the two domains
            (same height and width, multiples of 4).
        filters: width of the generators' first conv (64 in the paper).
        n_blocks: residual blocks per generator (9 at 256x256, 6 at 128x128).
        d_filters / d_layers: PatchGAN width and depth (64, 3: 70x70 patches).
        norm: ``"instance"`` (the paper's), ``"batch"`` or ``"none"``.
        cycle_weight: lambda of the cycle loss (10).
        identity_weight: the identity loss's weight as a fraction of
            ``cycle_weight`` (0.5, the paper's 0.5 * lambda; 0 turns it off
            and is required when the domains' channel counts differ).
        pool_size: fakes kept per domain for D (50; 0: D sees only the latest).
        adversarial_loss: ``"least_squares"`` (the paper's) or another
            family of ``zoo.losses``.
        seed, generator, generator_ba, discriminator, discriminator_a: see
            ``AdversarialModel``; custom networks map images to images (G)
            or to logit maps (D).

    Example:
        >>> import zoo
        >>> model = zoo.get("cyclegan", shape_a=(16, 16, 1), shape_b=(16, 16, 1), filters=4, n_blocks=1)
        >>> model.generate(image=np.zeros((2, 16, 16, 1), "float32"), direction="b2a").shape
        (2, 16, 16, 1)

    Reference: Zhu, Park, Isola, Efros, "Unpaired Image-to-Image Translation
    using Cycle-Consistent Adversarial Networks", ICCV 2017. Adam 2e-4 / 0.5,
    constant then linearly decayed to 0 (``zoo.schedules.LinearDecay``).
    """

    ENDPOINT_ARG = "direction"
    GENERATORS = ("generator", "generator_ba")
    DISCRIMINATORS = ("discriminator", "discriminator_a")
    IMAGE_D_OPTIONS = False  # diff_augment / r1_weight refused: two Ds judge images of two domains; not wired yet
    LOSS_NAMES = ("d_loss_a", "d_loss_b", "g_loss", "g_adversarial", "cycle", "identity")

    def __init__(
        self,
        shape_a=(28, 28, 1),
        shape_b=(28, 28, 1),
        filters=64,
        n_blocks=9,
        d_filters=64,
        d_layers=3,
        norm="instance",
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        adversarial_loss="least_squares",
        seed=0,
        generator=None,
        generator_ba=None,
        discriminator=None,
        discriminator_a=None,
        **kwargs,
    ):
        shape_a = layers.check_image_shape(shape_a)
        shape_b = layers.check_image_shape(shape_b)
        if shape_a[:2] != shape_b[:2]:
            raise ValueError(f"shape_a and shape_b must share height and width, got {shape_a} and {shape_b}.")
        if float(cycle_weight) < 0 or float(identity_weight) < 0:
            raise ValueError(f"cycle_weight and identity_weight must be >= 0, got {cycle_weight}, {identity_weight}.")
        if float(identity_weight) and shape_a[-1] != shape_b[-1]:
            raise ValueError(
                f"The identity loss feeds B images to G: A -> B, so it needs equal channel counts; got "
                f"{shape_a[-1]} (A) and {shape_b[-1]} (B). Pass identity_weight=0."
            )
        if int(pool_size) < 0:
            raise ValueError(f"pool_size must be >= 0, got {pool_size}.")
        generator = generator or layers.resnet_generator(shape_a, shape_b[-1], filters, n_blocks, norm, name="generator")
        generator_ba = generator_ba or layers.resnet_generator(
            shape_b, shape_a[-1], filters, n_blocks, norm, name="generator_ba"
        )
        discriminator = discriminator or layers.patchgan_discriminator(
            shape_b, None, d_filters, d_layers, norm, name="discriminator"
        )
        discriminator_a = discriminator_a or layers.patchgan_discriminator(
            shape_a, None, d_filters, d_layers, norm, name="discriminator_a"
        )
        super().__init__(
            generator=generator,
            discriminator=discriminator,
            adversarial_loss=adversarial_loss,
            seed=seed,
            **kwargs,
        )
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.add_averaged_generators()  # generator_ba's, with ema_decay
        self.shape_a, self.shape_b = shape_a, shape_b
        self.filters, self.n_blocks = filters, n_blocks
        self.d_filters, self.d_layers = d_filters, d_layers
        self.norm = norm
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        # The pools hold the same values on every replica: filled from the
        # gathered global batch with the same random draws.
        for domain, shape in (("a", shape_a), ("b", shape_b)):
            images = count = None
            if self.pool_size:
                images = keras.Variable(np.zeros((self.pool_size, *shape), "float32"), trainable=False,
                                        aggregation="only_first_replica", name=f"pool_{domain}")
                count = keras.Variable(0, dtype="int32", trainable=False,
                                       aggregation="only_first_replica", name=f"pool_{domain}_count")
            setattr(self, f"pool_{domain}", images)
            setattr(self, f"pool_{domain}_count", count)

    @property
    def image_shape(self):
        return self.shape_b

    # === Training ===

    def train_step(self, data):
        real_a, real_b = self.unpack(data)
        if real_b is None:
            raise ValueError(
                "cyclegan trains on (images_a, images_b) batches of the two domains; load them with "
                "zoo.data.load_unpaired(source_a, source_b, ...)."
            )
        real_a, real_b = tf.cast(real_a, tf.float32), tf.cast(real_b, tf.float32)
        # 1. Generators: fool both Ds, undo each other (cycle), leave
        #    target-domain images alone (identity).
        fake_b, fake_a = self._generator_step(real_a, real_b)
        # 2. Discriminators: real images vs fakes from the history pools.
        self._discriminator_step(real_a, real_b, self.from_pool("a", fake_a), self.from_pool("b", fake_b))
        return self._logs()

    def _generator_step(self, real_a, real_b):
        with tf.GradientTape() as tape:
            fake_b = self.generator(real_a, training=True)
            fake_a = self.generator_ba(real_b, training=True)
            cycle = l1(self.generator_ba(fake_b, training=True), real_a) + l1(self.generator(fake_a, training=True), real_b)
            adversarial = self.g_loss_fn(self.discriminator(fake_b, training=True)) + self.g_loss_fn(
                self.discriminator_a(fake_a, training=True)
            )
            if self.adversarial_loss == "least_squares":
                adversarial *= 2.0  # tensorflow-gan's is (D - 1)^2 / 2; the paper's G term is (D - 1)^2
            per_example = adversarial + self.cycle_weight * cycle
            identity = tf.zeros_like(cycle)
            if self.identity_weight:
                identity = l1(self.generator(real_b, training=True), real_b) + l1(
                    self.generator_ba(real_a, training=True), real_a
                )
                per_example += self.identity_weight * self.cycle_weight * identity
            loss = self.global_mean(per_example) + self.regularization([self.generator, self.generator_ba])
        self.apply_update(self.g_optimizer, loss, self.generator_variables, tape)
        self._track("g_loss", per_example)
        self._track("g_adversarial", adversarial)
        self._track("cycle", cycle)
        self._track("identity", identity)
        return fake_b, fake_a

    def _discriminator_step(self, real_a, real_b, fake_a, fake_b):
        with tf.GradientTape() as tape:
            # The paper's D objective is halved: tensorflow-gan's least-squares
            # D loss already is ((D(real) - 1)^2 + D(fake)^2) / 2.
            loss_b = self.d_loss_fn(self.discriminator(real_b, training=True), self.discriminator(fake_b, training=True))
            loss_a = self.d_loss_fn(self.discriminator_a(real_a, training=True), self.discriminator_a(fake_a, training=True))
            # D_A and D_B share no weights: one sum gives each its own gradient.
            loss = self.global_mean(loss_a + loss_b) + self.regularization([self.discriminator, self.discriminator_a])
        self.apply_update(self.d_optimizer, loss, self.discriminator_variables, tape)
        self._track("d_loss_a", loss_a)
        self._track("d_loss_b", loss_b)

    def from_pool(self, domain, fakes):
        """What D sees for this replica's ``fakes``: per image of the global
        batch, in order, while the pool is filling the image itself (and it
        is stored); then with probability 1/2 a stored earlier fake (the new
        one takes its place), else the image itself."""
        fakes = tf.stop_gradient(fakes)
        if not self.pool_size:
            return fakes
        pool, count = getattr(self, f"pool_{domain}"), getattr(self, f"pool_{domain}_count")
        everyone = self.gather_global(fakes)
        n = tf.shape(everyone)[0]
        coins = tf.random.stateless_uniform([n], seed=self.seed_generator.next())
        slots = tf.random.stateless_uniform([n], seed=self.seed_generator.next(), maxval=self.pool_size, dtype=tf.int32)

        def one_image(i, stored, buffer, picked):
            image = everyone[i]

            def store():
                return stored + 1, tf.tensor_scatter_nd_update(buffer, [[stored]], image[None]), image

            def swap():
                slot = slots[i]
                return stored, tf.tensor_scatter_nd_update(buffer, [[slot]], image[None]), buffer[slot]

            def keep():
                return stored, buffer, image

            stored, buffer, chosen = tf.cond(
                stored < self.pool_size, store, lambda: tf.cond(coins[i] < 0.5, swap, keep)
            )
            return i + 1, stored, buffer, picked.write(i, chosen)

        _, stored, buffer, picked = tf.while_loop(
            lambda i, *_: i < n,
            one_image,
            (tf.constant(0), tf.convert_to_tensor(count), tf.convert_to_tensor(pool),
             tf.TensorArray(tf.float32, size=n, element_shape=everyone.shape[1:])),
        )
        pool.assign(buffer)
        count.assign(stored)
        return self.replica_slice(picked.stack(), tf.shape(fakes)[0])

    def extra_state(self):
        state = super().extra_state()
        if self.pool_size:
            for name in ("pool_a", "pool_a_count", "pool_b", "pool_b_count"):
                state[name] = getattr(self, name)
        return state

    # === Inference: an image in, an image out, either way ===

    def endpoints(self):
        """``_a2b`` (G) and ``_b2a`` (F): ``generate(image=, direction=)``
        and one exported model each."""
        return {
            f"_{d}": conditions.Endpoint(
                [conditions.Image(shape, f" (domain {d[0].upper()}, direction {d!r})")], network
            )
            for d, shape, network in (("a2b", self.shape_a, self.sampling_network("generator")),
                                      ("b2a", self.shape_b, self.sampling_network("generator_ba")))
        }

    def example_batch(self, n=8, seed=0):
        return conditions.random_images(self.shape_a, n, seed), conditions.random_images(self.shape_b, n, seed + 1)

    def reconstruct(self, image, direction="a2b", batch_size=64):
        """``(translations, reconstructions)``: ``image`` taken one way and back."""
        there = self.generate(image=image, direction=direction, batch_size=batch_size)
        back = self.generate(image=there, direction=DIRECTIONS[1 - DIRECTIONS.index(direction)], batch_size=batch_size)
        return there, back

    def preview_columns(self, batch):
        """a, G(a), F(G(a)), b, F(b), G(F(b)) for the first 8 of ``(a, b)``."""
        a, b = (np.asarray(x)[:8] for x in batch)
        return [a, *self.reconstruct(a, "a2b"), b, *self.reconstruct(b, "b2a")]


def l1(x, y):
    """Per-example mean absolute difference."""
    return tf.reduce_mean(tf.abs(x - y), axis=[1, 2, 3])
