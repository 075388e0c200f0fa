"""Reading the YAML files people write (inventory, SLA policy, calendars) with every complaint naming
the file, the key path and the line.

Works on PyYAML's node tree, so the position of each key and value is known when it is checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from patchbook.errors import InputError


def read_config(path: str | Path) -> tuple[str, str]:
    """(the file's name for messages, its UTF-8 text): one clear line when it cannot be read."""
    p = Path(path)
    try:
        return str(p), p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(p), f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(p), f"not UTF-8 text (byte {exc.start})") from exc


class ConfigReader:
    """Walks a YAML document's nodes; each check raises :class:`InputError` at the node's line."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.loader = yaml.SafeLoader(text)
        try:
            self.root: yaml.Node | None = self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            self.loader.dispose()
            problem = " ".join(str(exc.problem or exc).split())
            raise InputError(
                source, f"not valid YAML: {problem}", f"line {mark.line + 1}" if mark else None
            ) from None

    def close(self) -> None:
        self.loader.dispose()

    def __enter__(self) -> ConfigReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fail(self, node: yaml.Node, path: str, message: str) -> InputError:
        return InputError(
            self.source, f"{path}: {message}" if path else message, f"line {node.start_mark.line + 1}"
        )

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, path: str, allowed: Iterable[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, "expected a mapping")
        allowed = tuple(allowed)
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node)
            where = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(key_node, where, f"unknown key; expected one of {', '.join(allowed)}")
            if key in out:
                raise self.fail(key_node, where, "given twice")
            out[key] = value_node
        return out

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, "expected a list")
        return list(node.value)

    def text(self, node: yaml.Node, path: str, allowed: Iterable[str] | None = None) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, path, f"expected a non-empty string, got {value!r}")
        if allowed is not None:
            allowed = tuple(allowed)
            if value not in allowed:
                raise self.fail(node, path, f"unknown value {value!r}; expected one of {', '.join(allowed)}")
        return value

    def number(self, node: yaml.Node, path: str, *, minimum: float = 0) -> float:
        value = self.value(node)
        if isinstance(value, str):  # YAML 1.1 reads "5.0e7" (no exponent sign) as a string
            with contextlib.suppress(ValueError):
                value = float(value.replace("_", ""))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(node, path, f"expected a number >= {minimum:g}, got {value!r}")
        return float(value)

    def days(self, node: yaml.Node, path: str) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(node, path, f"expected a whole number of days >= 0, got {value!r}")
        return value

    def day(self, node: yaml.Node, path: str) -> date:
        """A calendar date written as YYYY-MM-DD (YAML reads it as a date already; quoted works too)."""
        value = self.value(node)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value.strip())
        if not isinstance(value, date):
            raise self.fail(node, path, f"expected a date as YYYY-MM-DD, got {value!r}")
        return value

    def flag(self, node: yaml.Node, path: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            raise self.fail(node, path, f"expected true or false, got {value!r}")
        return value

    def strings(self, node: yaml.Node, path: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
        value: Any = self.value(node)
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise self.fail(node, path, "expected a string or a list of strings")
        if allowed is not None:
            allowed = tuple(allowed)
            for v in items:
                if v not in allowed:
                    raise self.fail(node, path, f"unknown value {v!r}; expected one of {', '.join(allowed)}")
        return tuple(items)
