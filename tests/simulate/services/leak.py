"""Misbehaving service: keeps 4 MiB per request until the memory limit kills it."""

import json
import sys

hoard = []
for line in sys.stdin:
    req = json.loads(line)
    hoard.append(bytearray(4 * 1024 * 1024))
    sys.stdout.write(json.dumps({"seq": req["seq"], "status": "accepted"}) + "\n")
    sys.stdout.flush()
