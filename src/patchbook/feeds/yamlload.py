"""A YAML loader for advisory files that keeps every scalar a string.

YAML 1.1 would turn an unquoted ``fixed: 1.10`` into the float 1.1 and ``modified: 2021-01-01`` into a
date; a version or a timestamp must reach the validator exactly as written. Only null and booleans are
resolved.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class StringScalarLoader(_Base):  # type: ignore[misc]
    pass


StringScalarLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


def load(text: bytes | str) -> Any:
    return yaml.load(text, Loader=StringScalarLoader)
