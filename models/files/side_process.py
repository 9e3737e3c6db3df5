"""Output work shared with a second process (the machine has two cores).

- :func:`alongside`: plan.xlsx takes longer to write than every other file of
  a plan together, and nothing else waits for it. A forked child writes it into
  the same (temporary) plan folder while the parent writes the rest; the parent
  waits for the child before the folder is swapped in, so the folder stays
  whole or absent (``safe.atomic_folder``).
- :func:`in_parts` (:func:`in_halves`): explain.csv's rows, one student at a
  time: a child computes part of the students and sends its rows back
  (pickled) while the parent reviews the plan and computes the rest.
- :class:`Background`: the one way all of these fork: a task in a child, its
  result pickled back through a temporary file (also what-if's base folder,
  written while the scenarios are re-planned).

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
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_MESSAGE = 4000  # bytes of the child's error passed back


class SideProcessError(RuntimeError):
    """The child failed; its error type and message."""


def can_fork() -> bool:
    return (hasattr(os, "fork") and threading.active_count() == 1
            and not os.environ.get("CASELOAD_ONE_PROCESS"))


class Background(Generic[T]):
    """``task()`` in a forked child from now on; :meth:`result` waits for it (or :meth:`stop` ends it).

    The child's result is pickled into a temporary file (not a pipe: a parent busy elsewhere would leave a
    full pipe unread). The child runs as one process (``CASELOAD_ONE_PROCESS``): no forks of its own on a
    machine already busy. A child that fails makes :meth:`result` fail with its message. Without ``fork``
    (or with other threads running), or with ``now``, the task simply runs at once, here.
    """

    def __init__(self, task: Callable[[], T], now: bool = False) -> None:
        self._pid: int | None = None
        self._path = ""
        if now or not can_fork():
            self._value = task()
            return
        handle, self._path = tempfile.mkstemp(prefix="caseload-", suffix=".pickle")
        sys.stdout.flush()  # nothing buffered may be written twice
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: the task, its result (or failure) into the file, never return
            code = 1
            try:
                os.environ["CASELOAD_ONE_PROCESS"] = "1"
                payload = (True, task())
                code = 0
            except BaseException as exc:  # everything (an interrupt too) goes back to the parent
                payload = (False, f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE])
            finally:
                with contextlib.suppress(BaseException), os.fdopen(handle, "wb") as out:
                    pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
                os._exit(code)
        os.close(handle)
        self._pid = pid

    def result(self) -> T:
        if self._pid is None:
            return self._value
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        try:
            with open(self._path, "rb") as handle:
                done, value = pickle.load(handle)
        except Exception:  # the child died before it could say why
            raise SideProcessError(f"the process working alongside ended with status {status}") from None
        finally:
            os.unlink(self._path)
        if not done or status != 0:
            raise SideProcessError(value)
        self._value = value
        return value

    def stop(self) -> None:
        """End the child, if still running, and remove its file (after a failure here)."""
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
            with contextlib.suppress(OSError):
                os.unlink(self._path)


@contextlib.contextmanager
def alongside(task: Callable[[], None]) -> Iterator[None]:
    """Run ``task`` in a forked child while the ``with`` block runs here; on leaving, wait for it.

    The child's failure is raised here as :class:`SideProcessError` (after the block); a failure of
    the block stops the child first.
    """
    child = Background(task)
    try:
        yield
    except BaseException:
        child.stop()
        raise
    child.result()


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
    child = Background(lambda: work(middle, n))
    try:
        ahead = before() if before is not None else None
        first = work(0, middle)
    except BaseException:
        child.stop()
        raise
    return ahead, (first, child.result())
