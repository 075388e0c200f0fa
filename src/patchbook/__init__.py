"""patchbook: the patch lifecycle of a trading venue, from advisory to verified fix."""

__version__ = "0.1.0"
