"""Null service: answers every request at once with just its seq (the harness-overhead floor)."""

import os
import sys

import orjson


def main() -> None:
    out = sys.stdout.fileno()
    tail = b""
    loads, dumps = orjson.loads, orjson.dumps
    while True:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        if lines:
            data = b"".join(dumps({"seq": loads(line)["seq"]}) + b"\n" for line in lines if line)
            view = memoryview(data)
            while view:
                view = view[os.write(out, view) :]


if __name__ == "__main__":
    main()
