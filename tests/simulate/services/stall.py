"""Service with one 200 ms stall at request 300: open-loop measurement must charge the queue behind it."""

import json
import sys
import time

for line in sys.stdin:
    req = json.loads(line)
    if req["seq"] == 300:
        time.sleep(0.2)
    sys.stdout.write(json.dumps({"seq": req["seq"]}) + "\n")
    sys.stdout.flush()
