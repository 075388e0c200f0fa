"""Validate: simulated deployment of a patch (sandboxes, order-flow replay, output diff, canary judge).

``run_simulation`` is the entry point for the service layer; it is imported lazily so that light
users of the package (``patchbook.simulate.flow``) do not pay for numpy/scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patchbook.simulate.runner import SimulationResult, run_simulation

__all__ = ["SimulationResult", "run_simulation"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from patchbook.simulate import runner

        return getattr(runner, name)
    raise AttributeError(name)
