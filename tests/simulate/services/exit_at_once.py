"""Misbehaving service: dies before answering anything."""

import sys

sys.stderr.write("fatal: config file /etc/venue.conf missing\n")
sys.exit(3)
