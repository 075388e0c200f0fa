"""Misbehaving service: answers with seq + 1000 (an off-by-a-lot correlation bug)."""

import json
import sys

for line in sys.stdin:
    req = json.loads(line)
    sys.stdout.write(json.dumps({"seq": req["seq"] + 1000, "status": "accepted"}) + "\n")
    sys.stdout.flush()
