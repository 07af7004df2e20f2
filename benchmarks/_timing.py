"""Timing shared by the benchmark scripts: interleaved medians and ORT sessions that do not spin."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import onnxruntime

import symreg.ort

CLOCKS = {"wall": time.perf_counter, "thread": time.thread_time}
BLOCK = 3  # timed calls in a row per column and turn


def medians_ms(fns: dict[str, Callable], warmup: int, repeat: int, clock: Callable[[], float]) -> dict[str, float]:
    """Median time (ms) of each callable over ``repeat`` calls, the columns taking turns so that all see the same
    machine load.

    A turn is two untimed calls, then BLOCK timed calls in a row: the inputs and weights are in cache, as a
    layer's are when the layer before it has just written them. Each call right after another column's
    would start from caches that column emptied (deform_conv2d: torchvision's 140 ms above all; one call
    after it still measured 0.6 ms slower than the next), and the columns that read more input would pay
    main-memory reads that a network in steady state does not.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(-(-repeat // BLOCK)):
        for name, fn in fns.items():
            fn()
            fn()
            for _ in range(BLOCK):
                start = clock()
                fn()
                times[name].append(clock() - start)
    return {name: statistics.median(t[:repeat]) * 1e3 for name, t in times.items()}


def session(model: bytes, threads: int, quiet: bool = False) -> onnxruntime.InferenceSession:
    """A symreg session on ``threads`` intra- and inter-op threads that do not spin: each session has its own
    pool, and spinning idle workers of one would take the cores the next column needs (several pools take
    turns on few cores here, unlike in a deployment). ``quiet``: ORT logs nothing below fatal (a failing row
    is reported in the table)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if quiet:
        options.log_severity_level = 4
    return symreg.ort.InferenceSession(model, options)


def add_clock_option(parser: argparse.ArgumentParser) -> None:
    """``--clock wall|thread``, read back by :func:`chosen_clock`."""
    parser.add_argument(
        "--clock",
        choices=CLOCKS,
        default="wall",
        help="'thread': CPU time of the calling thread, which other processes on a busy machine barely "
        "disturb; valid for 1 thread only (every column then runs on the calling thread)",
    )


def chosen_clock(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Callable[[], float]:
    """The clock ``--clock`` names; a usage error for the thread clock with other thread counts than 1."""
    if args.clock == "thread" and args.threads != [1]:
        parser.error("--clock thread measures the calling thread only: use it with --threads 1")
    return CLOCKS[args.clock]
