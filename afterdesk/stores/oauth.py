"""What the Amazon and eBay clients share (docs/stores.md, "Amazon", "eBay"): an access token
minted from a long-lived refresh token, kept until shortly before it expires and minted again
when the platform says it is no longer good; rate-limit answers (429) waited out a bounded
number of times; server errors (5xx) and dropped connections tried again as for every store
client (`sources.http_call_retrying`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from afterdesk.stores.sources import (
    TRANSIENT_RETRIES,
    HttpAnswer,
    PlatformError,
    http_call_retrying,
    retry_after_seconds,
)

# A token is minted again this many seconds before the expiry the platform announced, so a
# call never leaves with a token that dies on the way.
EXPIRY_MARGIN_SECONDS = 60.0
MAX_RATE_LIMITED_RETRIES = 8
MAX_WAIT_SECONDS = 60.0


def backoff_seconds(attempt: int) -> float:
    """1, 2, 4, 8 … seconds for the attempt-th retry (0-based), at most a minute."""
    return min(float(2**attempt), MAX_WAIT_SECONDS)


def error_text(answer: HttpAnswer) -> str:
    """The platform's own words for a refusal: OAuth's `error`/`error_description`, or the
    first of `errors[]` (`code`/`message`/`details`, eBay's `message`/`longMessage`)."""
    try:
        document: Any = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    if not isinstance(document, dict):
        return ""
    if isinstance(document.get("error"), str):
        description = document.get("error_description")
        return f"{document['error']}: {description}" if description else document["error"]
    errors = document.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        parts = [first.get("code") or first.get("errorId"), first.get("message")]
        parts.append(first.get("details") or first.get("longMessage"))
        return " ".join(str(part) for part in parts if part not in (None, ""))[:300]
    return ""


class TokenClient:
    """A platform client holding one access token. Subclasses say how a token is minted
    (`token_mint`), how long to wait on a 429 (`rate_limit_wait`) and which answers mean the
    token was refused (`token_refused`)."""

    platform = "the platform"

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sleep = sleep
        self.clock = clock
        self._token = ""
        self._token_until = 0.0
        self.tokens_minted = 0
        self.waits: list[float] = []

    def token_mint(self) -> tuple[str, float]:
        """A new access token and its lifetime in seconds."""
        raise NotImplementedError

    def access_token(self) -> str:
        if not self._token or self.clock() >= self._token_until:
            token, lifetime = self.token_mint()
            self.tokens_minted += 1
            self._token = token
            self._token_until = self.clock() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)
        return self._token

    def token_forget(self) -> None:
        self._token, self._token_until = "", 0.0

    def token_refused(self, answer: HttpAnswer) -> bool:
        return answer.status == 401

    def rate_limit_wait(self, answer: HttpAnswer, attempt: int) -> float:
        header = answer.headers.get("retry-after", "")
        if header:
            return retry_after_seconds(header, default=backoff_seconds(attempt))
        return backoff_seconds(attempt)

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.sleep(seconds)

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Callable[[], dict[str, str]],
        body: bytes | None = None,
        on_refused: Callable[[], None] | None = None,
        refresh: bool = True,
    ) -> HttpAnswer:
        """One call with the current token (`headers()` is asked again before each try):
        a refused token is minted again once (`on_refused` forgets other derived tokens), a
        429 waited out, a 5xx or a dropped connection tried again (`http_call_retrying`: 1,
        2, 4, 8 seconds); any other answer is returned.
        `refresh=False` for the token endpoint itself (its 401 is an answer, not a cue)."""
        rate_limited = 0
        refreshed = False
        while True:
            answer = http_call_retrying(method, url, headers=headers(), body=body, sleep=self._wait)
            if refresh and not refreshed and self.token_refused(answer):
                refreshed = True
                self.token_forget()
                if on_refused:
                    on_refused()
                continue
            if answer.status == 429:
                if rate_limited >= MAX_RATE_LIMITED_RETRIES:
                    raise PlatformError(
                        f"{self.platform} still answered 429 (rate limit) after "
                        f"{MAX_RATE_LIMITED_RETRIES} waits"
                    )
                self._wait(self.rate_limit_wait(answer, rate_limited))
                rate_limited += 1
                continue
            if answer.status >= 500:
                raise PlatformError(
                    f"{self.platform} answered HTTP {answer.status} after {TRANSIENT_RETRIES} "
                    f"retries: {error_text(answer)}".rstrip(": ")
                )
            return answer

    def token_answer(self, answer: HttpAnswer, what: str) -> tuple[str, float]:
        """The `access_token` and `expires_in` of a token endpoint's answer."""
        if answer.status in (400, 401, 403):
            detail = error_text(answer) or f"HTTP {answer.status}"
            raise PlatformError(f"{self.platform} refused the {what}: {detail}")
        if answer.status != 200:
            raise PlatformError(f"{self.platform}'s token endpoint answered HTTP {answer.status}")
        document = answer.json()
        token = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise PlatformError(f"{self.platform}'s token endpoint answered no access_token")
        lifetime = document.get("expires_in", 3600)
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)):
            lifetime = 3600
        return token, float(lifetime)
