"""Work that cannot be interrupted (OR-Tools' min-cost flow), stopped at a deadline all the same.

The work runs in a forked child: it shares the district copy-on-write, sends
each result back as soon as it has it, and is killed when the deadline comes.
The caller keeps whatever arrived. Where fork is not available the work runs
here and stops between two results once the deadline has passed.
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_HEADER = struct.Struct("!Q")


class WorkerError(RuntimeError):
    """The work raised in the child; the message is the child's."""


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _child(fd: int, work: Callable[[], Iterable[Any]]) -> None:
    code = 0
    try:
        for item in work():
            _send(fd, ("item", item))
        _send(fd, ("done", None))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent, which raises it
        code = 1
        try:
            _send(fd, ("error", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
    finally:
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _reader(fd: int, out: queue.Queue) -> None:
    """Drain the pipe as the child writes (it never blocks on a full pipe while the parent is busy)."""
    try:
        while True:
            header = _read_exactly(fd, _HEADER.size)
            body = None if header is None else _read_exactly(fd, _HEADER.unpack(header)[0])
            if body is None:
                out.put(("eof", None))
                return
            message = pickle.loads(body)
            out.put(message)
            if message[0] != "item":  # "done" or "error": the child's last word
                return
    except OSError:
        out.put(("eof", None))
    finally:
        os.close(fd)


def _wait_for(pid: int, seconds: float) -> bool:
    """Whether the child ended within ``seconds`` (reaped if so)."""
    end = time.monotonic() + seconds
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        if time.monotonic() >= end:
            return False
        select.select([], [], [], 0.01)


class Interruptible:
    """Start each of ``works`` (functions returning iterables of picklable results) now, each in its own
    forked child; read their results, as they come, until a deadline.

    Use as a context manager: leaving it kills every child still running.
    """

    def __init__(self, *works: Callable[[], Iterable[Any]], local: bool = False) -> None:
        """``local``: run the works here, one after another (no child), for work known to end well before any
        deadline."""
        self.works = works
        self.pids: list[int] = []
        self.items: queue.Queue = queue.Queue()
        self.local = local or not hasattr(os, "fork") or not sys.platform.startswith("linux")
        self.finished = False

    def __enter__(self) -> Interruptible:
        if self.local:
            return self
        for work in self.works:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_fd)
                _child(write_fd, work)
            os.close(write_fd)
            self.pids.append(pid)
            threading.Thread(target=_reader, args=(read_fd, self.items), daemon=True).start()
        return self

    def results(self, deadline: float) -> Iterator[Any]:
        """The works' results as they come, until all finish or ``deadline`` (``time.perf_counter``) passes."""
        if self.local:
            for work in self.works:
                for item in work():
                    yield item
                    if time.perf_counter() >= deadline:
                        return
            self.finished = True
            return
        running = len(self.pids)
        while running:
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            try:
                kind, payload = self.items.get(timeout=left)
            except queue.Empty:
                return
            if kind == "item":
                yield payload
            elif kind == "error":
                raise WorkerError(payload)
            elif kind == "done":
                running -= 1
            else:  # a child died without a word
                raise WorkerError("the flow worker ended without its results")
        self.finished = True

    def __exit__(self, *exc: object) -> None:
        for pid in self.pids:
            if not _wait_for(pid, 0.0):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        self.pids = []
