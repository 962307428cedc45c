"""Performance benchmarks for GAN Explainer: `python -m benchmarks.run` (see BENCHMARKS.md).

Every comparison is a ratio of two numbers measured in the same run, on the same machine, in
alternating blocks, so that the load of the machine cancels out as far as possible.
"""
