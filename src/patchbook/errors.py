"""Errors that reach the user as one clear line.

Every stage raises :class:`InputError` for input it cannot use; the CLI prints ``str(error)`` and exits 2.
The message always names the file (or URL), the place in it, and what was expected.
"""

from __future__ import annotations


class PatchbookError(Exception):
    """Base of every error patchbook raises on purpose."""

    exit_code = 2
    one_line = True  # the CLI folds the message onto one line; a list of problems sets this False


class InputError(PatchbookError):
    """Input that cannot be used: names where and what was wrong."""

    def __init__(self, source: str, message: str, position: str | None = None) -> None:
        self.source = source
        self.position = position
        self.message = message
        where = f"{source}:{position}" if position else source
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str | None]]:
        # Raised in an import's worker processes and re-raised in the parent: pickle the three parts
        # (the default would call __init__ with the formatted message alone and fail).
        return (type(self), (self.source, self.message, self.position))


class StoreUnavailable(PatchbookError):
    """The configured database cannot be reached or opened."""
