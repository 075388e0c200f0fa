"""Errors raised by the versions package."""

from __future__ import annotations


class InvalidVersion(ValueError):
    """The ecosystem cannot order this version string."""


class UnsupportedEcosystem(ValueError):
    """The ecosystem name is unknown or has no version ordering we can evaluate offline."""


class InvalidPurl(ValueError):
    """A package URL that does not parse or violates its type's rules."""
