"""A task run by a forked child while this process goes on; its result comes back through a temporary file.

What-if planning solves the scenarios one after another on one core; the
base plan's folder and the rows the scenarios reuse need only the base plan,
so children compute them meanwhile on the other core. A child's result is
pickled into a file (not a pipe: the parent, busy solving, would leave a full
pipe unread). The child runs as one process (``CASELOAD_ONE_PROCESS``): no
forks of its own on a machine already busy. A child that fails makes
:meth:`Background.result` fail with its message. Without ``fork`` (or with
other threads running) the task simply runs at once, here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import Generic, TypeVar

from models.files.side_process import MAX_MESSAGE, SideProcessError, can_fork

T = TypeVar("T")


class Background(Generic[T]):
    """``task()`` in a forked child from now on; :meth:`result` waits for it (or :meth:`stop` ends it)."""

    def __init__(self, task: Callable[[], T], now: bool = False) -> None:
        """``now``: run the task here and now instead (a one-core run)."""
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
