"""Speed tricks, each in its own module with a test that proves it equal to the plain PyTorch path.

The training step (gan_core.trainer) should read like the algorithm and call these by name.
"""
