"""plan.xlsx is written by a second process alongside the other files: same folder, same bytes, failures reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.files import side_process
from models.files.side_process import SideProcessError, alongside
from tests.factories import invoke, write_tables

STUDENTS = "student_id,site,grade,primary_disability,services\n0001,A,3,SLD,rsp;speech\n0002,A,4,SLI,speech\n"
STAFF = "staff_id,role,credentials,sites,fte\nR1,rsp_teacher,MMSN,A,1.0\nL1,slp,SLP,A,1.0\n"
FAST = ("--time-limit", 5, "--workers", 1)


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    """These tests are about the forked path: a daemon thread another test left (Dask's offload thread)
    would send them down the one-process path, so the thread count is taken as the CLI's (one)."""
    monkeypatch.setattr(side_process.threading, "active_count", lambda: 1)


def test_with_another_thread_running_nothing_is_forked(monkeypatch):
    import threading

    monkeypatch.undo()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not side_process.can_fork()
        seen = []
        with alongside(lambda: seen.append(os.getpid())):
            assert seen == [os.getpid()]
    finally:
        stop.set()
        thread.join()


def test_the_child_writes_its_file_while_the_parent_writes_its_own(tmp_path):
    assert side_process.can_fork()
    with alongside(lambda: (tmp_path / "child.txt").write_text(str(os.getpid()))):
        (tmp_path / "parent.txt").write_text(str(os.getpid()))
    assert (tmp_path / "child.txt").read_text() != (tmp_path / "parent.txt").read_text()  # another process


def test_a_failing_child_fails_the_parent_with_its_message(tmp_path):
    def fail():
        raise ValueError("disk full on plan.xlsx")

    with pytest.raises(SideProcessError, match="ValueError: disk full on plan.xlsx"), alongside(fail):
        (tmp_path / "parent.txt").write_text("written")


def test_a_failing_parent_stops_the_child_and_raises_its_own_error(tmp_path):
    import time

    started = time.monotonic()
    with pytest.raises(KeyError), alongside(lambda: time.sleep(30)):
        raise KeyError("parent")
    assert time.monotonic() - started < 10  # the child was stopped, not waited for


def test_without_fork_the_task_runs_here_first(tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOAD_ONE_PROCESS", "1")
    seen = []
    with alongside(lambda: seen.append(os.getpid())):
        assert seen == [os.getpid()]


def _plan(tmp_path: Path, out: Path):
    students, staff = write_tables(tmp_path, STUDENTS, STAFF)
    return invoke("plan", "--students", students, "--staff", staff, "--out", out, *FAST)


def test_the_plan_folder_is_the_same_bytes_written_in_one_process_or_two(tmp_path, monkeypatch):
    two, one = tmp_path / "two", tmp_path / "one"
    assert _plan(tmp_path, two).exit_code == 0
    monkeypatch.setenv("CASELOAD_ONE_PROCESS", "1")
    assert _plan(tmp_path, one).exit_code == 0
    names = sorted(p.name for p in two.iterdir())
    assert "plan.xlsx" in names and names == sorted(p.name for p in one.iterdir())
    for name in names:
        if name != "summary.json":  # its timings differ
            assert (two / name).read_bytes() == (one / name).read_bytes(), name


def test_a_workbook_that_cannot_be_written_leaves_the_previous_plan_folder_whole(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    assert _plan(tmp_path, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(reviewed, path):
        raise OSError("no space left on device")

    monkeypatch.setattr("models.files.writers.write_workbook", broken)
    result = _plan(tmp_path, out)
    assert result.exit_code == 1 and "no space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan")] == []  # no temporary folder left


def test_in_halves_gives_the_parts_in_order_the_second_from_another_process():
    from models.files.side_process import in_halves

    parts = in_halves(lambda lo, hi: (tuple(range(lo, hi)), os.getpid()), 5000)
    assert [x for part, _ in parts for x in part] == list(range(5000))
    assert parts[0][1] == os.getpid() != parts[1][1]
    assert in_halves(lambda lo, hi: (lo, hi), 10) == ((0, 10),)  # too few to be worth a process


def test_in_halves_raises_the_childs_failure():
    from models.files.side_process import in_halves

    def work(lo, hi):
        if lo > 0:
            raise ValueError(f"student {lo} has no row")
        return lo

    with pytest.raises(SideProcessError, match="ValueError: student 2500 has no row"):
        in_halves(work, 5000)


def test_garbage_collection_pauses_while_files_are_written_and_comes_back(tmp_path, monkeypatch):
    import gc

    from models.files import writers
    from models.files.gc_pause import gc_paused

    seen = []
    monkeypatch.setattr(writers, "write_reviewed", lambda reviewed, out: seen.append(gc.isenabled()))
    assert _plan(tmp_path, tmp_path / "plan").exit_code == 0
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_in_parts_runs_the_task_before_its_share_and_gives_every_part_in_order():
    from models.files.side_process import in_parts

    order = []
    ahead, parts = in_parts(lambda lo, hi: (lo, hi, os.getpid()), 5000, before=lambda: order.append("before") or 7,
                            share=0.4)
    assert ahead == 7 and order == ["before"]
    (lo1, hi1, here), (lo2, hi2, there) = parts
    assert (lo1, hi1, lo2, hi2) == (0, 2000, 2000, 5000) and here == os.getpid() != there
    assert in_parts(lambda lo, hi: (lo, hi), 10, before=lambda: "r") == ("r", ((0, 10),))
