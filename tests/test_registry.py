"""The parameter registry: the docs table is generated from it and is current."""

from __future__ import annotations

from conftest import ROOT, SCENARIOS
from sim.config import load_scenario
from sim.config.registry import docs, registry, uncertain


def test_docs_table_is_generated_from_the_registry():
    """docs/parameters.md equals what the scenario files generate now (run `qofsim params --docs`)."""
    assert (ROOT / "docs" / "parameters.md").read_text() == docs(SCENARIOS)


def test_every_clinical_parameter_has_source_or_assumption_and_ranges_bracket_values():
    """Each registry entry states its provenance; each stated range contains the value."""
    params = registry(load_scenario(SCENARIOS / "optout_practice.yaml"))
    assert any(p.path.startswith("clinical.events.mi") for p in params)
    for p in params:
        assert p.source or p.assumption, p.path
    for p in uncertain(load_scenario(SCENARIOS / "optout_practice.yaml")):
        assert p.low <= p.value <= p.high, p.path
