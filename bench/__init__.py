"""patchbook benchmarks: `make bench` runs every `bench/*_bench.py` and prints its table."""
