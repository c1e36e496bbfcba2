"""PyTorch versions of the DCGAN-MNIST and WGAN-GP-MNIST recipes: the same
networks (NCHW), optimizers, losses, batch size and step structure as the
zoo's ``train_step`` (critic updates with fresh latents on the step's real
batch, then one generator update), written for the throughput benchmark.

MNIST comes in as one float tensor in [-1, 1] and is sliced per batch after
a per-epoch permutation: the cheapest input path PyTorch offers, so the
comparison does not favour the zoo's tf.data pipeline.
"""

import torch
from torch import nn


def plan(size):
    """``(start, steps)`` as ``zoo.layers.upsampling_plan``: 28 -> (7, 2), 64 -> (4, 4)."""
    start, steps = size, 0
    while start > 7:
        start, steps = start // 2, steps + 1
    return start, steps


def generator(latent_dim, filters, channels=1, size=28):
    start, steps = plan(size)
    width = filters * 2 ** (steps - 1)
    layers = [
        nn.Linear(latent_dim, start * start * width, bias=False),
        nn.Unflatten(1, (width, start, start)),
        nn.BatchNorm2d(width, momentum=0.01, eps=1e-3),  # Keras's defaults
        nn.ReLU(),
    ]
    for _ in range(steps - 1):
        layers += [
            nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width // 2, momentum=0.01, eps=1e-3),
            nn.ReLU(),
        ]
        width //= 2
    layers += [nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(filters, channels=1, size=28):
    start, steps = plan(size)
    layers, width = [], channels
    for i in range(steps):
        layers += [nn.Conv2d(width, filters * 2**i, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        width = filters * 2**i
    layers += [nn.Flatten(), nn.Linear(width * start * start, 1)]
    return nn.Sequential(*layers)


class TorchGAN:
    """``step(real)`` runs one generator step and its critic steps."""

    def __init__(self, model, filters, latent_dim=100, seed=0, channels=1, size=28, device="cpu"):
        if model not in ("dcgan", "wgan_gp"):
            raise ValueError(f"model must be 'dcgan' or 'wgan_gp', got {model!r}.")
        torch.manual_seed(seed)
        self.model, self.latent_dim, self.device = model, latent_dim, device
        self.G = generator(latent_dim, filters, channels, size).to(device)
        self.D = discriminator(filters, channels, size).to(device)
        if model == "dcgan":
            lr, betas, self.d_steps = 2e-4, (0.5, 0.999), 1
        else:
            lr, betas, self.d_steps = 1e-4, (0.0, 0.9), 5
        self.g_opt = torch.optim.Adam(self.G.parameters(), lr=lr, betas=betas)
        self.d_opt = torch.optim.Adam(self.D.parameters(), lr=lr, betas=betas)
        self.bce = nn.BCEWithLogitsLoss()

    def _d_loss(self, real, fake):
        real_logits, fake_logits = self.D(real), self.D(fake)
        if self.model == "dcgan":
            return self.bce(real_logits, torch.ones_like(real_logits)) + self.bce(
                fake_logits, torch.zeros_like(fake_logits)
            )
        mix = torch.rand(real.shape[0], 1, 1, 1, device=self.device)
        interpolated = (real + mix * (fake - real)).requires_grad_(True)
        (grads,) = torch.autograd.grad(self.D(interpolated).sum(), interpolated, create_graph=True)
        penalty = (grads.flatten(1).norm(dim=1) - 1.0) ** 2
        return fake_logits.mean() - real_logits.mean() + 10.0 * penalty.mean()

    def step(self, real):
        batch = real.shape[0]
        for _ in range(self.d_steps):
            with torch.no_grad():
                fake = self.G(torch.randn(batch, self.latent_dim, device=self.device))
            self.d_opt.zero_grad(set_to_none=True)
            d_loss = self._d_loss(real, fake)
            d_loss.backward()
            self.d_opt.step()
        self.g_opt.zero_grad(set_to_none=True)
        fake_logits = self.D(self.G(torch.randn(batch, self.latent_dim, device=self.device)))
        if self.model == "dcgan":
            g_loss = self.bce(fake_logits, torch.ones_like(fake_logits))
        else:
            g_loss = -fake_logits.mean()
        g_loss.backward()
        self.g_opt.step()
        return d_loss.detach(), g_loss.detach()


def mnist_tensor():
    """MNIST train images as a float32 [60000, 1, 28, 28] tensor in [-1, 1]."""
    import tensorflow_datasets as tfds

    images = tfds.as_numpy(tfds.load("mnist", split="train", batch_size=-1))["image"]
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous()


def batches(images, batch_size, seed=0):
    """Endless batches, a new permutation each epoch."""
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images) - batch_size + 1, batch_size):
            yield images[order[start : start + batch_size]]
