"""Misbehaving service: answers the first requests, then stops answering (and never exits)."""

import json
import sys
import time

for line in sys.stdin:
    req = json.loads(line)
    if req["seq"] > 50:
        while True:
            time.sleep(1)
    sys.stdout.write(json.dumps({"seq": req["seq"], "status": "accepted"}) + "\n")
    sys.stdout.flush()
