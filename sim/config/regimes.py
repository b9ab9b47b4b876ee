"""Find a regime's class by name, the same way for the shipped regimes and for plug-ins.

A regime is named in a scenario as ``regime.policy``: a short name for the shipped
ones, or ``package.module:ClassName`` for any other. Both resolve by importing the
named module, so the configuration layer never imports the model, and a plug-in is
found exactly as the shipped regimes are.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

SHIPPED: dict[str, str] = {
    "qof": "sim.model.policies.qof:QofRecall",
    "careplan": "sim.model.policies.careplan:CarePlanning",
}
"""Short names of the regimes that ship with the model."""


def regime_class(name: str) -> Any:
    """The class a scenario's ``regime.policy`` names; ``ValueError`` if there is none.

    A regime class has a ``Params`` model (its parameters, validated from
    ``regime.params``) and is built as ``cls(params, scenario)``.
    """
    target = SHIPPED.get(name, name)
    if ":" not in target:
        raise ValueError(f"unknown policy {name!r}; shipped: {', '.join(sorted(SHIPPED))}, or give 'module:Class'")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import policy {name!r}: {exc}") from None
    params = getattr(cls, "Params", None)
    if not (isinstance(cls, type) and isinstance(params, type) and issubclass(params, BaseModel)):
        raise ValueError(f"{name!r} is not a regime: it needs a Params model (subclass sim.model.policies.Policy)")
    return cls
