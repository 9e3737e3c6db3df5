"""Speed and memory benchmarks (outside the test suite): ``python -m benchmarks`` or ``make bench``."""
