"""Every `/api/` answer is JSON with a `message`, also where Django rather than an operation
answers: unknown paths (404), wrong methods (405), oversized bodies (413)
(docs/reliability.md, "Web and API")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from afterdesk.accounts.models import User

from .conftest import JSON, ApiClient

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]


def assert_json_error(response: Any, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, object] = response.json()
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/nope", "/api/nope/", "/api/tickets/1/nope", "/api/", "/api/tickets/", "/api/%C3%A9"],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_unknown_api_path_is_404_json(
    api_as: ApiAs, supervisor: User, path: str, signed_in: bool
) -> None:
    api = api_as(supervisor if signed_in else None)
    for response in (api.get(path), api.post(path, {"a": 1}), api.delete(path)):
        assert_json_error(response, 404)


def test_unknown_page_outside_the_api_is_still_html() -> None:
    response = Client().get("/nope-not-a-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/tickets", {"GET", "POST"}),
        ("put", "/api/tickets", {"GET", "POST"}),
        ("patch", "/api/me", {"GET"}),
    ],
)
def test_wrong_method_is_405_json(
    api_as: ApiAs, supervisor: User, method: str, path: str, allowed: set[str]
) -> None:
    api = api_as(supervisor)
    response = getattr(api.client, method)(path, "{}", content_type=JSON, headers=api.headers)
    body = assert_json_error(response, 405)
    assert "method" in str(body["message"]).lower()
    assert {m.strip() for m in response["Allow"].split(",")} >= allowed


@pytest.mark.parametrize("debug", [False, True])
def test_oversized_json_body_is_413_json(api_as: ApiAs, supervisor: User, debug: bool) -> None:
    api = api_as(supervisor)
    payload = '{"subject": "x", "channel": "email", "body": "' + "x" * 2000 + '"}'
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000, DEBUG=debug):
        response = api.client.post("/api/tickets", payload, content_type=JSON, headers=api.headers)
    assert_json_error(response, 413)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_form_body_is_413_json(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    response = api.post_multipart("/api/tickets", {"subject": "x" * 2000})
    assert_json_error(response, 413)


@pytest.mark.parametrize("debug", [False, True])
def test_unhandled_error_is_500_json(
    api_as: ApiAs, supervisor: User, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    def boom(**_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("afterdesk.accounts.api.selectors.user_with_teams", boom)
    api = api_as(supervisor)
    api.client.raise_request_exception = False
    with override_settings(DEBUG=debug):
        response = api.get("/api/me")
    body = assert_json_error(response, 500)
    assert "boom" not in str(body)
