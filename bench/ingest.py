"""`afterdesk bench ingest`: inbound mail ingested per second through the real ingester
(`channels.services.batch.email_ingest_many`, `--ingest-batch` messages per transaction, or
with `--ingest-batch 1` `channels.services.ingest.email_ingest` one message at a time: raw
stored, parsed, threaded, triaged, written through the ticket services), in one process, on
SQLite and PostgreSQL (docs/benchmarks.md, "Email ingest").

`messages_write` writes N realistic .eml files once (deterministic, reused): buyer messages
from the labelled triage sets of tests/data/ (eight languages) in the charsets buyers' mail
clients use (UTF-8, ISO-8859-1, Windows-1252, GB2312/GBK, Big5, Shift_JIS, ISO-2022-JP,
EUC-KR), a third of them multipart/alternative with an HTML part, about 5 % with an
attachment (a photo or a PDF), about 30 % answers to an earlier message of the same buyer
threading by In-Reply-To/References with the quoted history below, about 10 % Amazon and
eBay relay mail, about 2 % auto-replies. The child process (`ingest_measure`) reads the
files into memory, then times their ingestion in file order (each batch, or each message).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import time
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from statistics import median
from typing import Any

INGEST_TARGET_PER_SECOND = 200  # on PostgreSQL, one process (issue 17)
INGEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/afterdesk_ingest_bench"
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FILES = ("triage_messages.jsonl", "triage_messages_blind.jsonl")
T0_EPOCH = 1_764_547_200  # 2025-12-01 00:00 UTC

# The charsets a buyer's client picks for each language (the first that encodes the text).
CHARSETS: dict[str, tuple[str, ...]] = {
    "en": ("us-ascii", "utf-8"),
    "de": ("iso-8859-1", "windows-1252", "utf-8"),
    "fr": ("windows-1252", "iso-8859-15", "utf-8"),
    "es": ("iso-8859-1", "utf-8"),
    "it": ("windows-1252", "utf-8"),
    "pt": ("iso-8859-1", "utf-8"),
    "ja": ("iso-2022-jp", "shift_jis", "utf-8"),
    "zh": ("gb2312", "gbk", "big5", "utf-8"),
    "ko": ("euc-kr", "utf-8"),
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f00050502005fc8f1d2"
    "0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AMAZON_SITES = (("de", "de"), ("co.uk", "en"), ("fr", "fr"), ("com", "en"), ("co.jp", "ja"))
EBAY_SITES = (("de", "de"), ("com", "en"), ("co.uk", "en"))


def _labelled() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in FILES:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _charset(rng: random.Random, lang: str, text: str) -> str:
    choices = CHARSETS.get(lang, ("utf-8",))
    preferred = choices[rng.randrange(len(choices))]
    for charset in (preferred, *choices):
        try:
            text.encode(charset)
            return charset
        except UnicodeEncodeError:
            continue
    return "utf-8"


def _html(text: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    signature = '<div class="sig">--<br>Sent from my phone</div>'
    return f'<html><body><div dir="ltr">{paragraphs}</div>{signature}</body></html>'


def _message(
    *,
    index: int,
    sender: str,
    subject: str,
    body: str,
    lang: str,
    rng: random.Random,
    in_reply_to: str = "",
    references: str = "",
    reply_to: str = "",
    attachment: tuple[str, bytes, str, str] | None = None,
    automatic: bool = False,
) -> tuple[bytes, str]:
    message = EmailMessage()
    message_id = f"<bench-{index}.{rng.getrandbits(40):x}@mail.buyer.example>"
    message["From"] = sender
    if reply_to:
        message["Reply-To"] = reply_to
    message["To"] = "Support <support@shop.example>"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.fromtimestamp(T0_EPOCH + index * 7, tz=UTC))
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = references
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Autoreply"] = "yes"
    charset = _charset(rng, lang, body)
    message.set_content(body, charset=charset)
    if rng.random() < 0.33 and not automatic:
        message.add_alternative(_html(body), subtype="html", charset="utf-8")
    if attachment is not None:
        filename, data, maintype, subtype = attachment
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(), message_id


def _digits(rng: random.Random, *widths: int) -> str:
    """An order number of digit groups ("302-4829174-3310257" for 3, 7, 7)."""
    return "-".join(str(rng.randrange(10 ** (w - 1), 10**w)) for w in widths)


def messages_generate(count: int, seed: int = 17) -> list[bytes]:
    """`count` raw messages, mixed as the module says (deterministic for a seed)."""
    rng = random.Random(seed)
    rows = _labelled()
    out: list[bytes] = []
    # The buyers' earlier messages: (sender, subject, message ids so far, lang, body).
    threads: list[tuple[str, str, list[str], str, str]] = []
    for index in range(count):
        row = rows[rng.randrange(len(rows))]
        lang, body = row.get("lang", "en"), row["body"]
        subject = row.get("subject") or body[:60]
        roll = rng.random()
        if roll < 0.30 and threads:
            sender, first_subject, ids, thread_lang, previous = threads[rng.randrange(len(threads))]
            quoted = "\n".join(f"> {line}" for line in previous.splitlines())
            text = f"{body}\n\nOn Mon, 1 Dec 2025 at 10:00, Support wrote:\n{quoted}\n"
            raw, message_id = _message(
                index=index,
                sender=sender,
                subject=f"Re: {first_subject}",
                body=text,
                lang=thread_lang,
                rng=rng,
                in_reply_to=ids[-1],
                references=" ".join(ids[-10:]),
            )
            ids.append(message_id)
        elif roll < 0.40:
            amazon = rng.random() < 0.7
            alias = f"{rng.getrandbits(60):015x}"
            if amazon:
                site, lang = AMAZON_SITES[rng.randrange(len(AMAZON_SITES))]
                number = _digits(rng, 3, 7, 7)
                sender = f'"Buyer {index} - Amazon Marketplace" <{alias}@marketplace.amazon.{site}>'
                reply_to = ""
            else:
                site, lang = EBAY_SITES[rng.randrange(len(EBAY_SITES))]
                number = _digits(rng, 2, 5, 5)
                sender = f'"eBay" <ebay@ebay.{site}>'
                reply_to = f"{alias[:20]}@members.ebay.{site}"
            text = (
                f"------------- Message: -------------\n\n{body}\n\n"
                f"------------- End message -------------\n\nOrder ID: {number}\n"
            )
            raw, _mid = _message(
                index=index,
                sender=sender,
                reply_to=reply_to,
                subject=f"{subject} (Order: {number})",
                body=text,
                lang=lang,
                rng=rng,
            )
        elif roll < 0.42:
            raw, _mid = _message(
                index=index,
                sender=f"buyer{rng.randrange(10**6)}@mail.buyer.example",
                subject=f"Automatic reply: {subject}",
                body="I am out of the office until Monday.",
                lang="en",
                rng=rng,
                automatic=True,
            )
        else:
            sender = f"Buyer {index} <buyer{index}@mail.buyer.example>"
            attachment = None
            if rng.random() < 0.05:
                attachment = (
                    ("photo.png", PNG, "image", "png")
                    if rng.random() < 0.6
                    else ("receipt.pdf", PDF, "application", "pdf")
                )
            raw, message_id = _message(
                index=index,
                sender=sender,
                subject=subject,
                body=body,
                lang=lang,
                rng=rng,
                attachment=attachment,
            )
            threads.append((sender, subject, [message_id], lang, body))
        out.append(raw)
    return out


def messages_write(out: Path, count: int, seed: int = 17) -> Path:
    """The .eml files of `count` messages in `out/ingest-<count>/` (written once)."""
    folder = out / f"ingest-{count}"
    done = folder / "done"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for index, raw in enumerate(messages_generate(count, seed)):
        (folder / f"{index:06d}.eml").write_bytes(raw)
    done.write_text(str(count))
    return folder


def ingest_measure(*, folder: Path, batch: int = 1) -> dict[str, Any]:
    """In the benchmark child: ingest every file of `folder` in name order, timed: one by one
    (`email_ingest`, `batch` 1) or `batch` at a time (`email_ingest_many`). Also counts the
    statements sent to the database (an `executemany` is one)."""
    from django.conf import settings
    from django.db import connection

    from afterdesk.channels.models import InboundEmail
    from afterdesk.channels.services.batch import email_ingest_many
    from afterdesk.channels.services.ingest import email_ingest

    # Raw files of an earlier run would be found on disk instead of written: start empty.
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "email", ignore_errors=True)
    messages = [path.read_bytes() for path in sorted(folder.glob("*.eml"))]
    each: list[float] = []  # per message (one by one) or per batch
    states: dict[str, int] = {}
    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    # Imports, the triage's detector and lexicons: one message that is not among the timed.
    email_ingest(messages_generate(1, seed=-1)[0].replace(b"@mail.buyer", b"@warm-up"), source="x")
    backend_cpu = _backend_cpu_seconds(connection)
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        for start in range(0, len(messages), batch):
            chunk = messages[start : start + batch]
            t0 = time.perf_counter()
            if batch == 1:
                results: list[Any] = [email_ingest(chunk[0], source="bench")]
            else:
                results = email_ingest_many(chunk, source="bench", batch_size=batch)
            each.append(time.perf_counter() - t0)
            for result in results:
                state = "error" if isinstance(result, OSError) else result.state
                states[state] = states.get(state, 0) + 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    backend_cpu_after = _backend_cpu_seconds(connection)
    backend = (
        backend_cpu_after - backend_cpu
        if backend_cpu is not None and backend_cpu_after is not None
        else None
    )
    each.sort()
    channels = Counter(
        InboundEmail.objects.filter(ticket__isnull=False).values_list("ticket__channel", flat=True)
    )
    return {
        "kind": "ingest",
        "backend": connection.vendor,
        "messages": len(messages),
        "mean_bytes": round(sum(map(len, messages)) / max(len(messages), 1)),
        "seconds": seconds,
        "messages_per_second": len(messages) / seconds if seconds else 0.0,
        "batch": batch,  # the p50/p95/max are per batch when > 1
        "statements_per_message": statements[0] / len(messages) if messages else 0.0,
        "p50_ms": median(each) * 1000 if each else 0.0,
        "p95_ms": each[int(len(each) * 0.95) - 1] * 1000 if each else 0.0,
        "max_ms": each[-1] * 1000 if each else 0.0,
        "states": states,
        "channels": dict(channels),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # CPU time per message of this process, and of its PostgreSQL server process (read
        # from /proc when the server runs on this machine): what the figures cost without
        # the other work of a shared machine.
        "cpu_ms_per_message": cpu / len(messages) * 1000 if messages else 0.0,
        "db_cpu_ms_per_message": backend / len(messages) * 1000 if backend and messages else None,
    }


def _backend_cpu_seconds(connection: Any) -> float | None:
    """User + system CPU seconds of this connection's PostgreSQL server process, if readable."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15)


def ingest_lines(result: dict[str, Any]) -> list[str]:
    rate = result["messages_per_second"]
    states = ", ".join(f"{state} {count}" for state, count in sorted(result["states"].items()))
    batch = result.get("batch", 1)
    per = f"per batch of {batch}" if batch > 1 else "per message"
    line = (
        f"ingest  {result['backend']:<10} {result['messages']:>7,} messages  "
        f"{result['seconds']:6.1f} s  {rate:7,.0f} messages/s  {per}: "
        f"p50 {result['p50_ms']:.1f} ms  p95 {result['p95_ms']:.1f} ms  "
        f"max {result['max_ms']:.0f} ms  ({states})  "
        f"{result.get('statements_per_message', 0):.1f} statements/message"
    )
    cpu = f"CPU {result['cpu_ms_per_message']:.1f} ms/message"
    if result.get("db_cpu_ms_per_message") is not None:
        cpu += f" + PostgreSQL server {result['db_cpu_ms_per_message']:.1f} ms"
    line += f"  {cpu}"
    if result["backend"] == "postgresql":
        verdict = "met" if rate >= INGEST_TARGET_PER_SECOND else "MISSED"
        line += f"  [target ≥ {INGEST_TARGET_PER_SECOND}/s: {verdict}]"
    else:
        line += f"  [PostgreSQL target: ≥ {INGEST_TARGET_PER_SECOND}/s]"
    return [line]


def run_ingest(options: Any, write: Any, *, count: int, batch: int = 100) -> None:
    """The parent side: write the files once, then one child per database (reset first);
    `batch` messages per transaction (1: the one-by-one ingester)."""
    from bench.databases import DEFAULT_POSTGRES_URL
    from bench.runner import databases

    if options.postgres_url == DEFAULT_POSTGRES_URL:
        # A database of its own: dropped and recreated by this benchmark alone.
        options.postgres_url = INGEST_POSTGRES_URL
    with options.step(f"Writing {count:,} .eml messages"):
        folder = messages_write(options.out, count)
    write(f"messages: {folder} ({count:,} .eml files)")
    for database in databases(options, write):
        with options.step(f"Ingest benchmark on {database.backend}"):
            database.reset()
            output = database.run_worker(["ingest", str(folder), "--batch", str(batch)])
        result = json.loads(output.strip().splitlines()[-1])
        options.results.append(result)
        for line in ingest_lines(result):
            write(line)
