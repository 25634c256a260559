"""The weekly review's charts, drawn once per content and served as images of their own
(docs/reports.md, "Charts").

Drawing the charts is most of a review's cost (matplotlib), and inlined as `data:` images they
made most of the page's weight. So the page names each chart by a digest of what it is drawn
from (the whole review, the language and the fonts) and links it as
`/reports/weekly/charts/<digest>/<name>.png`: the same figures give the same address, which
browsers keep for good, and changed figures (a late CSAT, a new version of a template) give a
new one, so a chart is never stale. The PNGs are kept in the `charts` cache (files under the
data folder, shared by the server's processes). A miss draws every chart of the review at once
under a short lock, so the page's parallel image requests draw the review once.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches
from django.utils.translation import get_language

from afterdesk.reports.charts import chart_fonts, review_charts
from afterdesk.reports.review import WeeklyReview

CACHE = "charts"
KEEP_SECONDS = 30 * 24 * 3600
LOCK_SECONDS = 60
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.1


def review_digest(review: WeeklyReview) -> str:
    """What the charts are drawn from, hashed: the review's figures (its dataclasses' repr:
    every value, in a fixed order), the language of their labels and the fonts."""
    text = "\n".join((repr(review), get_language() or "", ",".join(chart_fonts())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _key(digest: str, name: str) -> str:
    return f"weekly-chart:{digest}:{name}"


def chart_names(review: WeeklyReview) -> list[str]:
    from afterdesk.reports.present import leaderboard_key

    return [
        "team_trends",
        *(leaderboard_key(index) for index in range(len(review.groups))),
        "by_sku",
        "by_market",
    ]


def cached_chart(digest: str, name: str) -> bytes | None:
    """The chart of that content, when it was drawn already."""
    png = caches[CACHE].get(_key(digest, name))
    return png if isinstance(png, bytes) else None


def chart_png(review: WeeklyReview, name: str) -> bytes | None:
    """One chart of the review (None: no such chart), from the cache or drawn with all the
    others. Two requests for charts of one review: the first draws them all, the second waits
    for it (at most WAIT_SECONDS, then draws them itself)."""
    if name not in chart_names(review):
        return None
    digest = review_digest(review)
    if (png := cached_chart(digest, name)) is not None:
        return png
    cache = caches[CACHE]
    lock = f"weekly-chart-lock:{digest}"
    if not cache.add(lock, 1, timeout=LOCK_SECONDS):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            if (png := cached_chart(digest, name)) is not None:
                return png
    try:
        charts = review_charts(review)
        cache.set_many({_key(digest, key): value for key, value in charts.items()}, KEEP_SECONDS)
    finally:
        cache.delete(lock)
    return charts.get(name)
