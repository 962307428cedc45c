"""The DCGAN a user would write for 28x28 images: the PyTorch DCGAN tutorial's networks and loop,
scaled from 64x64 to 28x28, in plain PyTorch (the yardstick of benchmarks/fashion.py).

What is kept from the tutorial (pytorch/examples dcgan, and the "DCGAN Tutorial" of the PyTorch
docs): nz = 100 Gaussian noise; G = transposed convolutions with batch norm and ReLU, tanh output;
D = strided convolutions with batch norm (not on the first layer) and LeakyReLU(0.2), a sigmoid
output and `nn.BCELoss`; weights drawn from N(0, 0.02) (batch norm: N(1, 0.02), bias 0); Adam with
lr 2e-4 and betas (0.5, 0.999) for both; batch size 128; real label 1, fake label 0; D is trained on
a real batch and a fake batch with one backward pass each, then G with a second pass of its fake
batch through the updated D. Scaled to 28x28: the tutorial's 1 -> 4 -> 8 -> 16 -> 32 -> 64 ladder
with ngf = ndf = 64 becomes 1 -> 7 -> 14 -> 28 (one stride-2 layer fewer each), as the many
"DCGAN on MNIST" versions of it do:

    G: z (100) -> ConvT 7x7 -> (256, 7, 7) -> ConvT 4/2/1 -> (128, 14, 14) -> ConvT 4/2/1 -> (1, 28, 28)
    D: (1, 28, 28) -> Conv 4/2/1 -> (64, 14, 14) -> Conv 4/2/1 -> (128, 7, 7) -> Conv 7x7 -> 1
"""

from __future__ import annotations

import torch
from torch import nn

NZ, NGF, NDF = 100, 64, 64
BATCH, LR, BETAS = 128, 2e-4, (0.5, 0.999)


class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 4, 7, 1, 0, bias=False),
            nn.BatchNorm2d(NGF * 4),
            nn.ReLU(True),  # (256, 7, 7)
            nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF * 2),
            nn.ReLU(True),  # (128, 14, 14)
            nn.ConvTranspose2d(NGF * 2, 1, 4, 2, 1, bias=False),
            nn.Tanh(),  # (1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.view(z.shape[0], NZ, 1, 1))


class Discriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, NDF, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),  # (64, 14, 14)
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NDF * 2),
            nn.LeakyReLU(0.2, inplace=True),  # (128, 7, 7)
            nn.Conv2d(NDF * 2, 1, 7, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


def weights_init(m: nn.Module) -> None:
    """The tutorial's initialisation."""
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class PlainDCGAN:
    """The tutorial's training loop, one step at a time, on a `Dataset` sampler (images in [-1, 1])."""

    def __init__(self, dataset, seed: int = 0) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.netG, self.netD = Generator(), Discriminator()
            self.netG.apply(weights_init)
            self.netD.apply(weights_init)
        self.dataset = dataset
        self.criterion = nn.BCELoss()
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=LR, betas=BETAS)
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=LR, betas=BETAS)
        self.rng = torch.Generator().manual_seed(seed)
        self.steps = 0

    def step(self) -> tuple[float, float]:
        real = self.dataset.sample(BATCH, self.rng)
        # (1) Update D: maximise log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        label = torch.full((BATCH,), 1.0)
        output = self.netD(real)
        err_d_real = self.criterion(output, label)
        err_d_real.backward()
        noise = torch.randn(BATCH, NZ, generator=self.rng)
        fake = self.netG(noise)
        label.fill_(0.0)
        output = self.netD(fake.detach())
        err_d_fake = self.criterion(output, label)
        err_d_fake.backward()
        self.optimizerD.step()
        # (2) Update G: maximise log(D(G(z)))
        self.netG.zero_grad()
        label.fill_(1.0)
        output = self.netD(fake)
        err_g = self.criterion(output, label)
        err_g.backward()
        self.optimizerG.step()
        self.steps += 1
        return (err_d_real + err_d_fake).item(), err_g.item()

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z) in eval mode (batch norm's running statistics), as a user's sample grid shows it."""
        self.netG.eval()
        try:
            return self.netG(z)
        finally:
            self.netG.train()
