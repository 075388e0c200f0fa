"""``python -m bench._peak CMD...``: run CMD, pass its output through, print its peak RSS on stderr."""

from __future__ import annotations

import os
import sys


def main() -> int:
    pid = os.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    _, status, usage = os.wait4(pid, 0)
    print(f"PEAK_RSS_KIB={usage.ru_maxrss}", file=sys.stderr)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
