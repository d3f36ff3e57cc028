"""Cost Explorer filter expressions, checked like the service checks them and compiled once.

An `Expression` node has exactly one root (`And`, `Or`, `Not`, `Dimensions`, `Tags`,
`CostCategories`, `ProductAttributes`); more or none is a ValidationException. Leaves OR their
`Values`. Match options follow the GetCostAndUsage rules: `EQUALS` and `CASE_SENSITIVE` for
Dimensions (the default is exact, case-sensitive equality, so `CASE_SENSITIVE` changes nothing),
plus `ABSENT` for Tags and CostCategories, which matches items without a value for the key (no
key, or an empty value). A leaf with `ABSENT` and `Values` matches either. `ProductAttributes`
and dimensions line items do not carry are refused with a message that says so, rather than
silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dapanoskop.localce.errors import validation_error
from dapanoskop.localce.table import DIMENSION_FIELDS, Profile

Predicate = Callable[[Profile], bool]

ROOTS: tuple[str, ...] = (
    "And",
    "Or",
    "Not",
    "Dimensions",
    "Tags",
    "CostCategories",
    "ProductAttributes",
)
MORE_THAN_ONE_ROOT = (
    "Expression has more than one roots. Only one root operator is allowed for each "
    "expression: And, Or, Not, Dimensions, Tags, CostCategories"
)
_DIMENSION_OPTIONS = frozenset({"EQUALS", "CASE_SENSITIVE"})
_KEYED_OPTIONS = frozenset({"EQUALS", "ABSENT", "CASE_SENSITIVE"})


def compile_expression(expression: Mapping[str, Any]) -> Predicate:
    """A predicate over profiles for one `Expression`, or a ValidationException."""
    roots = [name for name in ROOTS if expression.get(name) is not None]
    if len(roots) > 1:
        raise validation_error(MORE_THAN_ONE_ROOT)
    if not roots:
        raise validation_error("Expression has no root operator")
    root = roots[0]
    body = expression[root]
    if root in ("And", "Or"):
        return _combine(root, body)
    if root == "Not":
        inner = compile_expression(body)
        return lambda profile: not inner(profile)
    if root == "Dimensions":
        return _dimension_leaf(body)
    if root == "Tags":
        return _keyed_leaf(body, "Tags", "tags")
    if root == "CostCategories":
        return _keyed_leaf(body, "CostCategories", "cost_categories")
    raise validation_error("ProductAttributes filters are not supported by the local Cost Explorer")


def _combine(operator: str, operands: list[Mapping[str, Any]]) -> Predicate:
    if not operands:
        raise validation_error(f"{operator} needs at least one expression")
    parts = tuple(compile_expression(operand) for operand in operands)
    if operator == "And":
        return lambda profile: all(part(profile) for part in parts)
    return lambda profile: any(part(profile) for part in parts)


def _match_options(spec: Mapping[str, Any], allowed: frozenset[str], where: str) -> set[str]:
    options = set(spec.get("MatchOptions") or ())
    unsupported = sorted(options - allowed)
    if unsupported:
        raise validation_error(
            f"MatchOptions {unsupported} are not supported for {where} in GetCostAndUsage; "
            f"use {sorted(allowed)}"
        )
    return options


def _dimension_leaf(spec: Mapping[str, Any]) -> Predicate:
    key = spec.get("Key")
    if key not in DIMENSION_FIELDS:
        raise validation_error(
            f"Dimension {key!r} is not supported by the local Cost Explorer; "
            f"supported: {sorted(DIMENSION_FIELDS)}"
        )
    _match_options(spec, _DIMENSION_OPTIONS, "Dimensions")
    values = frozenset(spec.get("Values") or ())
    if not values:
        raise validation_error(f"Dimensions filter on {key} needs Values")
    attribute = DIMENSION_FIELDS[key]
    return lambda profile: getattr(profile, attribute) in values


def _keyed_leaf(spec: Mapping[str, Any], where: str, attribute: str) -> Predicate:
    key = spec.get("Key")
    if not key:
        raise validation_error(f"{where} filter needs a Key")
    options = _match_options(spec, _KEYED_OPTIONS, where)
    values = frozenset(spec.get("Values") or ())
    absent = "ABSENT" in options
    if not absent and not values:
        raise validation_error(f"{where} filter on {key} needs Values or MatchOptions ABSENT")

    def matches(profile: Profile) -> bool:
        value = getattr(profile, attribute).get(key, "")
        return (absent and value == "") or value in values

    return matches
