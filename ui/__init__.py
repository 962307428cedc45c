"""Streamlit glue shared by the pages: session-owned runs, the run controls, live fragments.

Everything GAN-specific lives in gan_core; this package only wires widgets to it.
"""
