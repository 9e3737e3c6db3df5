"""Output work shared with a second process (the machine has two cores).

- :func:`alongside`: plan.xlsx takes longer to write than every other file of
  a plan together, and nothing else waits for it. A forked child writes it into
  the same (temporary) plan folder while the parent writes the rest; the parent
  waits for the child before the folder is swapped in, so the folder stays
  whole or absent (``safe.atomic_folder``).
- :func:`in_halves`: explain.csv's rows, one student at a time: a child
  computes the second half of the students and sends its rows back (pickled)
  while the parent computes the first.

A child that fails makes the parent fail with the child's message. Where there
is no ``fork`` (Windows), or the process already runs other Python threads
(forking them is unsafe), or ``CASELOAD_ONE_PROCESS`` is set, the work simply
runs in this process, one part after the other.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_MESSAGE = 4000  # bytes of the child's error passed back


class SideProcessError(RuntimeError):
    """The child writing a file failed; its error type and message."""


def can_fork() -> bool:
    return (hasattr(os, "fork") and threading.active_count() == 1
            and not os.environ.get("CASELOAD_ONE_PROCESS"))


def _stop(pid: int, read_end: int) -> None:
    """The parent failed: kill the child, reap it and close its pipe, so nothing is left behind."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_end)


@contextlib.contextmanager
def alongside(task: Callable[[], None]) -> Iterator[None]:
    """Run ``task`` in a forked child while the ``with`` block runs here; on leaving, wait for it.

    The child's failure is raised here as :class:`SideProcessError` (after the block); a failure of
    the block stops the child first.
    """
    if not can_fork():
        task()
        yield
        return
    read_end, write_end = os.pipe()
    sys.stdout.flush()  # nothing buffered may be written twice
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: run the task, report a failure through the pipe, never return
        code = 1
        try:
            os.close(read_end)
            task()
            code = 0
        except BaseException as exc:  # everything (an interrupt too) goes back to the parent
            with contextlib.suppress(OSError):
                os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:MAX_MESSAGE])
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        yield
    except BaseException:
        _stop(pid, read_end)
        raise
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SideProcessError(message or f"the process writing alongside ended with status {status}")


def in_halves(work: Callable[[int, int], T], n: int, least: int = 2000) -> tuple[T, ...]:
    """``work(0, m)`` here and ``work(m, n)`` in a forked child (m = n // 2), in that order.

    Below ``least`` items the fork costs more than it saves: ``(work(0, n),)``.
    """
    return in_parts(work, n, least=least)[1]


def in_parts(work: Callable[[int, int], T], n: int, before: Callable[[], R] | None = None, share: float = 0.5,
             least: int = 2000) -> tuple[R | None, tuple[T, ...]]:
    """(``before()``, the parts of ``work``): ``before()`` then ``work(0, m)`` here, ``work(m, n)`` meanwhile in
    a forked child, m = ``share`` * n (the parent's share is smaller by what ``before`` costs).

    Below ``least`` items the fork costs more than it saves: everything here, ``(work(0, n),)``.
    """
    if n < least or not can_fork():
        return (before() if before is not None else None), (work(0, n),)
    middle = max(1, min(n - 1, int(n * share)))
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: its part, pickled into the pipe (or its failure), never return
        code = 1
        try:
            os.close(read_end)
            payload = pickle.dumps((True, work(middle, n)), protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except BaseException as exc:  # everything (an interrupt too) goes back to the parent
            payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]))
        finally:
            with contextlib.suppress(BaseException), os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            os._exit(code)
    os.close(write_end)
    try:
        ahead = before() if before is not None else None
        first = work(0, middle)
    except BaseException:
        _stop(pid, read_end)
        raise
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()  # the child blocks on a full pipe until read here
    _, status = os.waitpid(pid, 0)
    try:
        done, second = pickle.loads(data)
    except Exception:  # the child died before it could say why
        raise SideProcessError(f"the process computing alongside ended with status {status}") from None
    if not done or status != 0:
        raise SideProcessError(second)
    return ahead, (first, second)
