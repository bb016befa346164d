"""Validation: the rule catalogue (catalogue.py), its checks and the engine.

    from gxxl.rules import validate
    result = validate(report, previous=None)   # -> ValidationResult

May import: schema, errors, model, narrative (placeholders), api (to accept a path). Imported by: render (the gate), audit, consolidation and the front ends.
"""
from __future__ import annotations

from .catalogue import BY_ID, RULES, Rule
from .engine import ValidationResult, validate

__all__ = ["validate", "ValidationResult", "RULES", "BY_ID", "Rule"]
