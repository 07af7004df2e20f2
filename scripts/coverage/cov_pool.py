"""A pool of worker processes that survives its tasks: crashes, hangs and leaks.

Each worker runs ``init(*init_args)`` once, then ``handle(state, task, stage)`` per
task. A task that kills its worker (segfault, abort, out of memory) or outlives its
timeout is reported as :class:`Lost`, with the last stage the task announced through
``stage(name)``; the worker is replaced. Workers are also replaced once their peak
memory passes ``max_rss_mb`` or after ``max_tasks`` tasks, so that what one op leaks
cannot pile up.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Lost:
    """A task whose worker died or timed out: the stage it was in and what happened."""

    stage: str | None
    what: str


class _Worker:
    """One process and its end of the pipe."""

    def __init__(self, context: Any, target_args: tuple) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, *target_args), daemon=True)
        self.process.start()
        child.close()
        self.born = time.monotonic()
        self.ready = False
        self.task: Any = None
        self.stage: str | None = None
        self.deadline = float("inf")
        self.timeout = 0.0
        self.done = 0
        self.rss_mb = 0.0

    def send(self, task: Any, timeout: float) -> None:
        self.task, self.stage, self.timeout = task, None, timeout
        self.deadline = time.monotonic() + timeout
        self.conn.send(task)

    def finish(self) -> Any:
        task, self.task, self.deadline = self.task, None, float("inf")
        self.done += 1
        return task

    def stop(self, graceful: bool = False) -> None:
        if graceful:
            with contextlib.suppress(OSError):  # a worker that died idle has no reader
                self.conn.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn: Any, init: Callable, init_args: tuple, handle: Callable, quiet: bool) -> None:
    """A worker's life: initialise, then answer tasks until told to stop (None)."""
    if quiet:
        _silence()
    try:
        state = init(*init_args)
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the sweep
        conn.send(("failed", traceback.format_exc()))
        return
    conn.send(("ready", None))
    while (task := conn.recv()) is not None:
        try:
            result = handle(state, task, lambda stage: conn.send(("stage", stage)))
        except Exception as e:  # noqa: BLE001 - a bug in one task should not end the sweep
            conn.send(("error", f"{type(e).__name__}: {e}"))
        else:
            conn.send(("done", (result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))


def _silence() -> None:
    """Sends the worker's stdout and stderr (C level too) to /dev/null: exporters are chatty."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _died(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"worker crashed ({signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"worker exited (status {code})"


def run(
    tasks: Iterable[Any],
    *,
    init: Callable,
    init_args: tuple,
    handle: Callable,
    on_result: Callable[[Any, Any], None],
    jobs: int = 2,
    timeout: float = 60.0,
    max_tasks: int = 1000,
    max_rss_mb: float = 3000.0,
    start_timeout: float = 600.0,
    quiet: bool = True,
) -> None:
    """Runs every task in ``jobs`` worker processes; calls ``on_result(task, result or Lost)``.

    ``init`` and ``handle`` must be importable module-level functions (workers are
    spawned, not forked: torch and ONNX Runtime do not survive a fork well).

    Raises:
        RuntimeError: a worker failed to initialise, or took longer than ``start_timeout``.
    """
    pending = collections.deque(tasks)
    context = multiprocessing.get_context("spawn")
    target_args = (init, init_args, handle, quiet)
    workers = [_Worker(context, target_args) for _ in range(min(jobs, len(pending)))]
    try:
        while workers:
            for w in workers:
                if w.ready and w.task is None and pending:
                    w.send(pending.popleft(), timeout)
            _step(workers, on_result, start_timeout)
            workers = _replace(workers, context, target_args, pending, (max_tasks, max_rss_mb))
    finally:
        for w in workers:
            w.stop()


def _step(workers: list[_Worker], on_result: Callable, start_timeout: float) -> None:
    """Waits for one event (a message, a death, a deadline) and handles what arrived."""
    wake = min([w.deadline for w in workers] + [w.born + start_timeout for w in workers if not w.ready])
    handles = [w.conn for w in workers] + [w.process.sentinel for w in workers]
    wait = None if wake == float("inf") else max(0.0, wake - time.monotonic())
    ready = multiprocessing.connection.wait(handles, timeout=wait)
    for w in workers:
        if w.conn in ready:
            _receive(w, on_result)
        elif w.process.sentinel in ready or time.monotonic() >= w.deadline:
            _bury(w, on_result)
        elif not w.ready and time.monotonic() > w.born + start_timeout:
            raise RuntimeError(f"coverage: a worker did not start within {start_timeout:.0f} s")


def _receive(w: _Worker, on_result: Callable) -> None:
    try:
        kind, payload = w.conn.recv()
    except (EOFError, OSError):
        _bury(w, on_result)
        return
    if kind == "failed":
        raise RuntimeError(f"coverage: a worker failed to start:\n{payload}")
    if kind == "ready":
        w.ready = True
    elif kind == "stage":
        w.stage = payload
    elif kind == "done":
        result, w.rss_mb = payload
        on_result(w.finish(), result)
    elif kind == "error":
        lost = Lost(w.stage, f"worker raised {payload}")
        on_result(w.finish(), lost)


def _bury(w: _Worker, on_result: Callable) -> None:
    """Handles a worker that died or overran: its task is lost; the process is stopped."""
    timed_out = time.monotonic() >= w.deadline
    if not timed_out:
        w.process.join(10)  # its pipe closes before it is gone: wait for the exit status
    w.stop()
    if w.task is None:
        if not w.ready:
            raise RuntimeError(f"coverage: a worker died while starting: {_died(w.process)}")
        return
    what = f"timed out after {w.timeout:g} s" if timed_out else _died(w.process)
    on_result(w.finish(), Lost(w.stage, what))


def _replace(
    workers: list[_Worker], context: Any, target_args: tuple, pending: collections.deque, limits: tuple[int, float]
) -> list[_Worker]:
    """Drops buried workers, stops idle worn-out or unneeded ones; starts replacements while tasks remain.

    A worker whose process has died but whose death :func:`_step` has not handled yet
    (its pipe is still open) stays: the next step reports its task as lost.
    """
    kept = []
    for w in workers:
        buried = w.conn.closed
        idle = w.task is None and w.ready
        worn = idle and (w.done >= limits[0] or w.rss_mb >= limits[1])
        if not buried and not worn and not (idle and not pending):
            kept.append(w)
            continue
        if not buried:
            w.stop(graceful=True)
        if pending:
            kept.append(_Worker(context, target_args))
    return kept
