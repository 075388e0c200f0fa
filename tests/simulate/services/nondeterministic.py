"""A 'venue' whose fill prices depend on the wall clock: two runs of the same build disagree."""

import json
import sys
import time

for line in sys.stdin:
    req = json.loads(line)
    fills = [{"price": 100 + time.perf_counter_ns() % 7, "qty": 1, "side": "buy", "maker": "a", "taker": "b"}]
    sys.stdout.write(json.dumps({"seq": req["seq"], "status": "filled", "fills": fills}) + "\n")
    sys.stdout.flush()
