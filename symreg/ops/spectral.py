"""Spectral ops: real and Hermitian FFTs, fftshift, stft below opset 17.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
