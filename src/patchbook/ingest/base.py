"""The contract every inventory parser meets, and the registry the detector walks.

A parser is registered under its format name ("cyclonedx-json", "dpkg-status", ...). Detection asks each
registered parser, in its declared order, whether the first bytes of a file look like its format
(``sniff``); the first that says yes parses the whole file. Scanner-report parsers (``ingest/reports/``)
register the same way, after the inventory formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from patchbook.model.component import ParsedInventory


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Knobs a caller may turn; the defaults are what the CLI uses."""

    # A purl that does not parse is an input error naming the component (the "bad input" rule).
    # With strict_purls=False it becomes a warning and the component is kept without a purl instead.
    strict_purls: bool = True


class InventoryParser(Protocol):
    """One input format."""

    # The format name reported to the user and in ``ParsedInventory.format``.
    name: str
    # What the sniffer looks for, for the "tried: ..." part of an unrecognised-format error.
    signature: str

    def sniff(self, head: bytes) -> bool:
        """Whether ``head`` (the first bytes of the file, BOM stripped) looks like this format."""
        ...

    # A JSON parser may also define ``sniff_json(doc: object) -> bool``: asked with the decoded document
    # when no sniffer recognised the head (the telling key lay beyond it).

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        """Parse the whole file; raise ``InputError`` naming ``source`` and the position on bad input."""
        ...


_REGISTRY: dict[str, tuple[int, InventoryParser]] = {}


P = TypeVar("P", bound=InventoryParser)


def register(parser: P, order: int) -> P:
    """Add ``parser`` under its name; lower ``order`` is sniffed first.

    Orders in use: 10-19 structured SBOMs (JSON keys, XML namespaces), 20-29 lock files, 30-39 OS
    package databases, 90 requirements.txt (the loosest sniffer, last). Scanner reports: 100 and up.
    """
    if parser.name in _REGISTRY:
        raise ValueError(f"an ingest parser named {parser.name!r} is already registered")
    _REGISTRY[parser.name] = (order, parser)
    return parser


def registered() -> tuple[InventoryParser, ...]:
    """The registered parsers in sniffing order."""
    return tuple(p for _, p in sorted(_REGISTRY.values(), key=lambda item: item[0]))


def get(name: str) -> InventoryParser:
    """The parser registered as ``name``; KeyError if none."""
    return _REGISTRY[name][1]
