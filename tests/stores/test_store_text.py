"""The store texts kept in English (a sync's error and result, a delivery's reason, an import's
line errors) are shown in Chinese to a Chinese reader, and the rows stay English whatever the
language of the request that wrote them (afterdesk.stores.phrases)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Store
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.phrases import STORE_TEXT
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.services.sync import SyncResult, connection_sync
from tests.stores.servers import ShopifyServer
from tests.stores.test_csv_import import GOOD

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ERRORS = {
    "PlatformError",
    "PlatformUnreachable",
    "ValidationError",
    "Conflict",
    "NotFound",
    "PayloadTooLarge",
    "CredentialsError",
}


def _sample(node: ast.expr) -> str | None:
    """The text an error's message expression writes, each value replaced by "X7"; None for
    a message the site does not spell (a variable passed on)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_part(value) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _sample(node.left)
        return None if left is None else left + "X7"
    if (  # f"…".rstrip(": ")
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("strip", "rstrip")
    ):
        return _sample(node.func.value)
    if isinstance(node, ast.Subscript):  # f"…"[:500]
        return _sample(node.value)
    if isinstance(node, ast.IfExp):  # "no signature" if … else "bad signature"
        return _sample(node.body)
    return None


def _part(value: ast.expr) -> str:
    """One piece of an f-string: its text, a value ("X7"), or a choice of words written in
    place ({'is' if … else 'are'}: its first word)."""
    if isinstance(value, ast.Constant):
        return str(value.value)
    if isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.IfExp):
        return _sample(value.value) or "X7"
    return "X7"


def written_texts(files: list[Path], names: set[str] = ERRORS) -> list[tuple[str, str]]:
    """(where, sample) of every message these files write: the errors raised (classes
    `names`) and the import's line errors; a message passed through gettext is skipped (it is
    written in the request's language already)."""
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id in names and node.args:
                message = node.args[0]
            elif node.func.id == "LineError" and len(node.args) > 1:
                message = node.args[1]
            else:
                continue
            sample = _sample(message)
            if sample is not None:
                found.append((f"{path.name}:{node.lineno}", sample))
    return found


def store_texts() -> list[tuple[str, str]]:
    """The store code's messages, the credentials key's (a sync catches both) and those of a
    return's refund through the store (kept on the refund)."""
    root = Path(settings.BASE_DIR)
    files = [p for p in (root / "stores").rglob("*.py") if "migrations" not in p.parts]
    refunds = root / "returns" / "services" / "refunds.py"
    return written_texts([*files, root / "core" / "credentials.py"]) + written_texts(
        [refunds], {"PlatformError"}
    )


def test_every_text_the_store_code_writes_has_a_chinese_translation() -> None:
    texts = store_texts()
    assert len(texts) > 100  # the sites were found
    texts += [
        ("sync", SyncResult(1, 12, 3).line()),
        ("sync", SyncResult(1, 0, 0, error="Shopify answered HTTP 503").line()),
        ("webhooks", "no signature"),
        ("webhooks", "no webhook secret"),
        ("webhooks", "bad signature"),
        ("webhooks", "order 1001 is not known here yet; a sync is queued"),
        ("webhooks", "topic 'x/y' is not used"),
    ]
    missing = []
    with translation.override("zh-hans"):
        for where, text in texts:
            if not CHINESE.search(STORE_TEXT.shown(text)):
                missing.append((where, text))
    assert missing == [], missing
    # With the English interface the text is shown as written.
    with translation.override("en"):
        assert all(STORE_TEXT.shown(text) == text for _where, text in texts)


def test_a_quoted_error_and_a_fields_reason_are_translated_in_turn() -> None:
    with translation.override("zh-hans"):
        line = STORE_TEXT.shown(SyncResult(1, 2, 0, error="Shopify answered HTTP 503").line())
        assert line == "写入 2 个订单后失败：Shopify 返回 HTTP 503"
        assert STORE_TEXT.shown("line_items[0]: each line item must be an object") == (
            "line_items[0]: 每个订单行必须是对象"
        )
        # A platform's own words are shown as they came.
        assert STORE_TEXT.shown("Throttled: try later") == "Throttled: try later"


def test_a_text_longer_than_the_matched_length_is_shown_as_stored() -> None:
    """Matching placeholders costs time growing with the square of a text's length, and a
    platform's text can be made long: past MAX_MATCHED it is shown as it came."""
    from afterdesk.core.stored_text import MAX_MATCHED

    long_status = "5" * MAX_MATCHED
    text = f"Shopify answered HTTP {long_status}"
    with translation.override("zh-hans"):
        assert STORE_TEXT.match(text) is None
        assert STORE_TEXT.shown(text) == text
        assert STORE_TEXT.shown("Shopify answered HTTP 503") == "Shopify 返回 HTTP 503"


def _zh_client(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(user)
    return client


def test_a_failed_sync_is_kept_in_english_and_shown_in_chinese(
    admin_user: User, shopify_server: ShopifyServer
) -> None:
    connection = connection_save(
        ConnectionInput(
            platform="shopify", name="Mugs DE", base_url=shopify_server.url, access_token="wrong"
        )
    )
    # Even run while Chinese is active (a request's thread), the row is written in English.
    with translation.override("zh-hans"):
        connection_sync(connection)
    connection.refresh_from_db()
    assert connection.last_error == "Shopify refused the access token (HTTP 401)"
    assert connection.last_sync_result.startswith("failed after 0 orders: ")
    for path in ("/stores/", f"/stores/{connection.pk}/"):
        text = _zh_client(admin_user).get(path).content.decode()
        assert "Shopify 拒绝了访问令牌（HTTP 401）" in text, path
        assert "refused the access token" not in text, path
    assert "写入 0 个订单后失败" in _zh_client(admin_user).get("/stores/").content.decode()
    english = Client()
    english.force_login(admin_user)
    assert "refused the access token" in english.get("/stores/").content.decode()


def test_the_form_and_the_import_show_their_errors_in_chinese(admin_user: User) -> None:
    client = _zh_client(admin_user)
    answer = client.post(
        "/stores/new/", {"platform": "shopify", "name": "X", "base_url": "http://x.example"}
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "店铺地址必须使用 https://（每次调用都会发送凭据）" in text
    assert "credentials are sent" not in text
    assert not StoreConnection.objects.exists()

    Store.objects.create(code="etsy", name="Etsy")
    csv = GOOD.replace("9.50", "lots")
    answer = client.post(
        "/stores/import/",
        {"store": "etsy", "file": SimpleUploadedFile("o.csv", csv.encode(), "text/csv")},
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "unit_price &#x27;lots&#x27; 不是金额" in text, text
