"""Regimes of long-term-condition care. Shipped: ``qof`` and ``careplan``."""

from __future__ import annotations

from sim.config.regimes import SHIPPED, regime_class
from sim.model.policies.base import Policy, PolicyParams


def resolve(name: str) -> type[Policy]:
    """A policy class from a shipped name or a ``package.module:ClassName`` path."""
    cls = regime_class(name)
    if not issubclass(cls, Policy):
        raise ValueError(f"{name!r} is not a Policy subclass")
    return cls


__all__ = ["Policy", "PolicyParams", "SHIPPED", "resolve"]
