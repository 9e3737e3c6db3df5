"""A task handed to a forked child comes back with its result, or its failure, never silently."""

from __future__ import annotations

import os

import pytest

from models.files.side_process import Background, SideProcessError


def test_the_childs_result_comes_back_and_it_ran_elsewhere():
    here = os.getpid()
    job = Background(lambda: (os.getpid(), [1, 2, 3]))
    pid, value = job.result()
    assert value == [1, 2, 3] and pid != here


def test_a_failing_child_fails_the_caller_with_its_message():
    def boom():
        raise ValueError("no plan for S0001")

    with pytest.raises(SideProcessError, match="ValueError: no plan for S0001"):
        Background(boom).result()


def test_now_runs_the_task_here():
    assert Background(os.getpid, now=True).result() == os.getpid()
