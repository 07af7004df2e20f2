"""Sorting, selection and scans of op pack II (``sort``, ``argsort``, ``kthvalue``, ``median``, ``cummax``,
``cumprod``, ``isin``, ...): standard-op lowerings where they are exact (``TopK`` where its tie and
NaN order match torch), custom-domain nodes with kernels otherwise.
"""

from __future__ import annotations
