"""Answers with what it can see of its sandbox: cwd, environment, network interfaces, a connect attempt."""

import json
import os
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
for line in sys.stdin:
    req = json.loads(line)
    reach = None
    if port:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            reach = True
        except OSError:
            reach = False
    with open("/proc/net/dev") as f:
        ifaces = sorted(ln.split(":")[0].strip() for ln in f.readlines()[2:])
    out = {
        "seq": req["seq"],
        "cwd": os.getcwd(),
        "env": sorted(os.environ),
        "ifaces": ifaces,
        "reach_host": reach,
        "marker": os.environ.get("MARKER"),
    }
    try:
        import pbtinywheel  # only present when the profile's package was installed

        out["wheel"] = pbtinywheel.VALUE
    except ImportError:
        out["wheel"] = None
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
