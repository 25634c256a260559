"""The interactive API documentation: signed-in users only, assets served by Afterdesk itself
(no CDN) under the site's Content-Security-Policy; the OpenAPI schema stays public
(docs/api.md, "The schema and the explorer")."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from afterdesk.accounts.models import User

pytestmark = pytest.mark.django_db


def test_docs_redirect_anonymous_visitors_to_the_login_page() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs")


def test_docs_load_swagger_ui_from_our_static_files_under_the_csp(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert "/static/ninja/swagger-ui.css" in sources
    assert all(src.startswith("/static/") for src in sources), sources
    # The only script elements with a body hold JSON data, which the CSP does not execute.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    inline = [attrs for attrs, body in scripts if body.strip()]
    assert inline == [' type="application/json" id="swagger-settings"'], inline
    assert " style=" not in html
    for src in sources:
        assert client.get(src).status_code == 200, src


def test_the_openapi_schema_stays_public() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/tickets" in response.json()["paths"]
