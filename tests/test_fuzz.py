"""A short run of the project's fuzz test (tests/fuzzing.py); `make fuzz` runs thousands of cases."""

from __future__ import annotations

import pytest

from tests.fuzzing import fuzz, make_case, run_case


def test_short_fuzz_run_keeps_every_promise(tmp_path):
    outcomes, failures = fuzz(cases=30, seed=7, root=tmp_path)
    assert not failures, failures[0]
    assert outcomes["0"] and outcomes["2"]  # both good plans and bad inputs were reached


@pytest.mark.parametrize("seed", [3, 11, 12, 25])
def test_fuzz_cases_replay_the_same_way(tmp_path, seed):
    first, second = make_case(seed), make_case(seed)
    assert first.done == second.done  # a printed seed reproduces its case
    run_case(first, tmp_path / "case")
