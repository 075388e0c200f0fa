"""Misbehaving service: answers every request with a line that is not JSON."""

import sys

for _line in sys.stdin:
    sys.stdout.write("OK order accepted!!\n")
    sys.stdout.flush()
