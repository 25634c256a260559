"""The published OpenAPI schema is true to the API: every component name is defined once
(ninja merges the definitions of all models by name, so two models with the same name would
silently overwrite each other) and the enums are the models' (docs/reliability.md, "Web and
API")."""

from __future__ import annotations

from typing import Any

import pytest
from ninja.openapi.schema import OpenAPISchema

from afterdesk.api.api import api
from afterdesk.commerce.models import Order, Shipment
from afterdesk.tickets.models import Status


def test_component_names_are_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    clashes: dict[str, list[Any]] = {}
    merge = OpenAPISchema.add_schema_definitions

    def record(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if seen.setdefault(name, definition) != definition:
                clashes.setdefault(name, [seen[name]]).append(definition)
        merge(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    schema = api.get_openapi_schema()
    assert clashes == {}
    assert set(schema["components"]["schemas"]) == set(seen)
    assert not [name for name in seen if "__" in name]  # no module-qualified fallback names


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref` followed and a nullable `anyOf` unwrapped."""
    if "$ref" in node:
        return resolve(schema, schema["components"]["schemas"][node["$ref"].split("/")[-1]])
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        assert len(options) == 1
        return resolve(schema, options[0])
    return node


def enum_of(schema: dict[str, Any], component: str, field: str) -> list[str]:
    return list(
        resolve(schema, schema["components"]["schemas"][component]["properties"][field])["enum"]
    )


def test_status_enums_are_the_models() -> None:
    schema = api.get_openapi_schema()
    for component in ("TicketDetail", "TicketListItem", "StatusIn", "ReplyIn"):
        assert enum_of(schema, component, "status") == list(Status.values), component
    assert enum_of(schema, "OrderOut", "status") == list(Order.Status.values)
    assert enum_of(schema, "ShipmentOut", "status") == list(Shipment.Status.values)
