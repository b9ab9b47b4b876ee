"""Regimes of long-term-condition care, by name."""

from __future__ import annotations

import importlib

from sim.model.policies.base import Policy, PolicyParams
from sim.model.policies.careplan import CarePlanning
from sim.model.policies.qof import QofRecall

REGISTRY: dict[str, type[Policy]] = {cls.name: cls for cls in (QofRecall, CarePlanning)}


def resolve(name: str) -> type[Policy]:
    """A policy class from a registered name or a ``package.module:ClassName`` path."""
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" not in name:
        raise ValueError(f"unknown policy {name!r}; registered: {', '.join(sorted(REGISTRY))}, or give 'module:Class'")
    module_name, _, attr = name.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import policy {name!r}: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise ValueError(f"{name!r} is not a Policy subclass")
    return cls


__all__ = ["Policy", "PolicyParams", "REGISTRY", "resolve"]
