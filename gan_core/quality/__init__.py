"""How good is G? Every number a page shows about sample quality, computed here.

Mode coverage and high-quality share on the 2D mixtures, divergences with their estimator floors
(metrics), the reference classifiers and the Fréchet distance on their features (classifier,
frechet), the evaluation a run makes a few times a second from fixed noise (evaluation), the
memorisation check (memorisation) and the collapse alarm (collapse). Plain numpy and PyTorch.
"""
