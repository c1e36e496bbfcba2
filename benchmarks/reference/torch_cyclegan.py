"""A PyTorch CycleGAN in the structure of the authors' implementation
(junyanz/pytorch-CycleGAN-and-pix2pix: ``ResnetGenerator``,
``NLayerDiscriminator``, ``ImagePool``, ``CycleGANModel.optimize_parameters``),
written for the throughput benchmark at the ``cyclegan_mnist_usps`` recipe's
sizes and settings: 28x28x1, 32 filters, 3 residual blocks, PatchGAN with 32
filters and 2 stride-2 convs, least squares, cycle 10, identity 0.5 * 10, a
history pool of 50, Adam 2e-4 / 0.5 for G (both) and D (both), batch 16.

One step as the authors': forward both generators, a generator update with
the discriminators frozen, then a discriminator update on pooled fakes.
Instance norm has a learned scale and offset and convs before it have no
bias, as the zoo's networks (the authors' default instance norm is not
affine and keeps the biases: the same arithmetic up to a few vector ops).
"""

import random

import torch
from torch import nn


def conv_norm_relu(cin, cout, kernel, stride=1, reflect=True, relu=True):
    layers = []
    padding = kernel // 2
    if reflect and stride == 1:
        layers.append(nn.ReflectionPad2d(padding))
        padding = 0
    layers += [nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False),
               nn.InstanceNorm2d(cout, affine=True)]
    if relu:
        layers.append(nn.ReLU(True))
    return layers


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(*conv_norm_relu(dim, dim, 3), *conv_norm_relu(dim, dim, 3, relu=False))

    def forward(self, x):
        return x + self.block(x)


def resnet_generator(channels=1, filters=32, n_blocks=3):
    layers = conv_norm_relu(channels, filters, 7)
    layers += conv_norm_relu(filters, 2 * filters, 3, stride=2)
    layers += conv_norm_relu(2 * filters, 4 * filters, 3, stride=2)
    layers += [ResnetBlock(4 * filters) for _ in range(n_blocks)]
    for width in (4 * filters, 2 * filters):
        layers += [nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1, output_padding=1, bias=False),
                   nn.InstanceNorm2d(width // 2, affine=True), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(filters, channels, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patchgan(channels=1, filters=32, n_layers=2):
    layers = [nn.Conv2d(channels, filters, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
    width = filters
    for i in range(1, n_layers + 1):
        stride = 2 if i < n_layers else 1
        out = filters * min(2**i, 8)
        layers += [nn.Conv2d(width, out, 4, stride=stride, padding=1, bias=False), nn.InstanceNorm2d(out, affine=True),
                   nn.LeakyReLU(0.2, True)]
        width = out
    layers.append(nn.Conv2d(width, 1, 4, stride=1, padding=1))
    return nn.Sequential(*layers)


class ImagePool:
    """The authors' history buffer: while filling, return the new image and
    store it; then with probability 1/2 swap it for a stored one."""

    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                slot = random.randint(0, self.size - 1)
                out.append(self.images[slot].clone())
                self.images[slot] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


class TorchCycleGAN:
    """``step(real_a, real_b)`` runs one generator update and one
    discriminator update."""

    def __init__(self, channels=1, filters=32, n_blocks=3, d_filters=32, d_layers=2, pool_size=50, seed=0,
                 device="cpu"):
        torch.manual_seed(seed)
        random.seed(seed)
        self.G_A = resnet_generator(channels, filters, n_blocks).to(device)  # A -> B
        self.G_B = resnet_generator(channels, filters, n_blocks).to(device)  # B -> A
        self.D_A = patchgan(channels, d_filters, d_layers).to(device)  # judges B
        self.D_B = patchgan(channels, d_filters, d_layers).to(device)  # judges A
        self.pool_A, self.pool_B = ImagePool(pool_size), ImagePool(pool_size)
        self.opt_G = torch.optim.Adam(list(self.G_A.parameters()) + list(self.G_B.parameters()), lr=2e-4,
                                      betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(list(self.D_A.parameters()) + list(self.D_B.parameters()), lr=2e-4,
                                      betas=(0.5, 0.999))
        self.mse, self.l1 = nn.MSELoss(), nn.L1Loss()
        self.lambda_cycle, self.lambda_identity = 10.0, 0.5

    def _gan(self, logits, real):
        return self.mse(logits, torch.ones_like(logits) if real else torch.zeros_like(logits))

    def _set_requires_grad(self, nets, flag):
        for net in nets:
            for p in net.parameters():
                p.requires_grad = flag

    def step(self, real_a, real_b):
        fake_b = self.G_A(real_a)
        rec_a = self.G_B(fake_b)
        fake_a = self.G_B(real_b)
        rec_b = self.G_A(fake_a)
        # Generators, discriminators frozen.
        self._set_requires_grad([self.D_A, self.D_B], False)
        self.opt_G.zero_grad(set_to_none=True)
        identity = self.lambda_identity * self.lambda_cycle
        loss_idt = (self.l1(self.G_A(real_b), real_b) + self.l1(self.G_B(real_a), real_a)) * identity
        loss_gan = self._gan(self.D_A(fake_b), True) + self._gan(self.D_B(fake_a), True)
        loss_cycle = (self.l1(rec_a, real_a) + self.l1(rec_b, real_b)) * self.lambda_cycle
        loss_g = loss_gan + loss_cycle + loss_idt
        loss_g.backward()
        self.opt_G.step()
        # Discriminators on pooled fakes.
        self._set_requires_grad([self.D_A, self.D_B], True)
        self.opt_D.zero_grad(set_to_none=True)
        pooled_b, pooled_a = self.pool_B.query(fake_b), self.pool_A.query(fake_a)
        loss_d_a = (self._gan(self.D_A(real_b), True) + self._gan(self.D_A(pooled_b.detach()), False)) * 0.5
        loss_d_b = (self._gan(self.D_B(real_a), True) + self._gan(self.D_B(pooled_a.detach()), False)) * 0.5
        (loss_d_a + loss_d_b).backward()
        self.opt_D.step()
        return loss_g.detach(), (loss_d_a + loss_d_b).detach()


def to_tensor(images):
    """``[n, H, W, C]`` numpy in [-1, 1] -> a float32 NCHW tensor."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().contiguous()


def pair_batches(images_a, images_b, batch_size, seed=0):
    """Endless unpaired batches, each domain re-permuted per epoch."""
    generator = torch.Generator().manual_seed(seed)

    def stream(images):
        while True:
            order = torch.randperm(len(images), generator=generator)
            for start in range(0, len(images) - batch_size + 1, batch_size):
                yield images[order[start : start + batch_size]]

    yield from zip(stream(images_a), stream(images_b))
