"""The clinical layer: risk factors, treatment, events and outcomes."""
