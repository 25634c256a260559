"""The batched ingester (`channels.services.batch`) leaves what the one-by-one ingester
leaves, message for message: the same corpus through both, compared row for row; threading
inside a batch, a failing message, duplicates inside a batch."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.channels.models import EmailThread, InboundEmail, InboundState, ThreadMessageId
from afterdesk.channels.services import batch_route
from afterdesk.channels.services.batch import email_ingest_many, emails_retry
from afterdesk.channels.services.ingest import email_ingest, email_retry
from afterdesk.commerce.models import Customer
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.services import facts_refresh
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Status, Ticket, TicketEvent
from bench.ingest import messages_generate
from tests.channels.helpers import CORPUS, mail
from tests.factories import T0, OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _corpus() -> list[bytes]:
    """The .eml corpus (charsets, relays, automatic mail, broken MIME, attachments), the
    benchmark's generated mail (replies threading onto earlier messages), and messages that
    reply to each other and repeat each other."""
    files = sorted(CORPUS.glob("*.eml")) + sorted((CORPUS / "relays").glob("*.eml"))
    raws = [path.read_bytes() for path in files]
    raws += messages_generate(90, seed=5)
    raws += [
        mail(message_id="<a1@x.example>", subject="Order 1001 broken [#999]"),
        mail(message_id="<a2@x.example>", in_reply_to="<a1@x.example>", body="Any news?"),
        mail(message_id="<a1@x.example>", body="other bytes, same Message-ID"),
        mail(message_id="<a2@x.example>", in_reply_to="<a1@x.example>", body="Any news?"),
        mail(message_id=None, subject="no id", body="no Message-ID at all"),
        mail(message_id=None, subject="no id", body="no Message-ID at all"),
    ]
    return raws


def _times(count: int) -> list[Any]:
    return [T0 + timedelta(seconds=7 * index) for index in range(count)]


def _snapshot() -> dict[str, Any]:
    """Everything the ingester wrote, with ids replaced by their rank (two runs number rows
    differently) and the reply tokens left out (random)."""
    ticket_rank = {
        pk: n for n, pk in enumerate(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    }
    event_rank = {
        pk: n
        for n, pk in enumerate(TicketEvent.objects.order_by("pk").values_list("pk", flat=True))
    }
    message_rank = {
        pk: n for n, pk in enumerate(Message.objects.order_by("pk").values_list("pk", flat=True))
    }
    inbound_rank = {
        pk: n
        for n, pk in enumerate(InboundEmail.objects.order_by("pk").values_list("pk", flat=True))
    }
    customer_rank = {
        pk: n for n, pk in enumerate(Customer.objects.order_by("pk").values_list("pk", flat=True))
    }

    def numbers(text: str) -> str:
        text = re.sub(r"#(\d+)", lambda m: f"#i{inbound_rank.get(int(m.group(1)), '?')}", text)
        return re.sub(r"AD-(\d+)", lambda m: f"AD-t{ticket_rank.get(int(m.group(1)), '?')}", text)

    out: dict[str, Any] = {}
    out["tickets"] = [
        (
            ticket_rank[t.pk],
            numbers(t.external_id),
            t.subject,
            t.channel,
            t.platform,
            t.market,
            t.store_id,
            customer_rank.get(t.customer_id),
            t.status,
            t.priority,
            t.language,
            t.category,
            t.created_at,
            t.updated_at,
            t.buyer_message_at,
            sorted(t.orders.values_list("number", flat=True)),
        )
        for t in Ticket.objects.order_by("pk")
    ]
    out["customers"] = [
        (customer_rank[c.pk], c.store_id, c.name, sorted(c.identities.values_list("kind", "value")))
        for c in Customer.objects.order_by("pk")
    ]
    out["events"] = [
        (
            event_rank[e.pk],
            ticket_rank[e.ticket_id],
            e.kind,
            e.at,
            e.subtype,
            e.score,
            e.fields,
            e.fingerprint,
        )
        for e in TicketEvent.objects.order_by("pk")
    ]
    out["messages"] = [
        (
            message_rank[m.pk],
            ticket_rank[m.ticket_id],
            event_rank[m.event_id],
            m.kind,
            m.body_text,
            m.body_html,
            m.external_message_id,
            m.created_at,
            sorted(m.attachments.values_list("filename", "content_type", "size")),
        )
        for m in Message.objects.order_by("pk")
    ]
    out["inbound"] = [
        (
            inbound_rank[i.pk],
            i.state,
            numbers(i.reason),
            i.automatic_kind,
            i.sender,
            i.subject,
            ticket_rank.get(i.ticket_id),
            message_rank.get(i.ticket_message_id),
            inbound_rank.get(i.duplicate_of_id),
            i.text_folded,
            i.html,
            i.notes,
            i.triage,
            i.attempts,
            i.received_at,
            i.dedup_key,
        )
        for i in InboundEmail.objects.order_by("pk")
    ]
    out["thread_ids"] = sorted(
        (t.message_id, ticket_rank[t.ticket_id], t.direction, event_rank.get(t.event_id))
        for t in ThreadMessageId.objects.all()
    )
    out["threads"] = sorted(ticket_rank[t.ticket_id] for t in EmailThread.objects.all())
    names = [
        f.attname for f in TicketFacts._meta.concrete_fields if f.name not in ("computed_at", "id")
    ]
    out["facts"] = sorted(
        (ticket_rank[row[0]], *row[1:]) for row in TicketFacts.objects.values_list(*names)
    )
    out["waits"] = ReplyWait.objects.count()
    return out


def _wipe(customers_before: int) -> None:
    """Drop what the ingester wrote (the buyers it made; not the orders' customers)."""
    InboundEmail.objects.all().delete()
    Ticket.objects.all().delete()
    Customer.objects.filter(pk__gt=customers_before).delete()


def _facts_are_a_full_recompute() -> None:
    names = [f.attname for f in TicketFacts._meta.concrete_fields if f.name != "computed_at"]
    kept = sorted(TicketFacts.objects.values_list(*names))
    facts_refresh(ticket_ids=Ticket.objects.values_list("pk", flat=True))
    assert sorted(TicketFacts.objects.values_list(*names)) == kept


def test_the_batched_path_leaves_what_the_one_by_one_path_leaves() -> None:
    store = StoreFactory(code="shop")
    OrderFactory(store=store, number="1001")
    OrderFactory(store=store, number="302-4829174-3310257")
    raws = _corpus()
    times = _times(len(raws))
    customers_before = max(Customer.objects.values_list("pk", flat=True))
    one_by_one = [
        email_ingest(raw, source="test", received_at=at)
        for raw, at in zip(raws, times, strict=True)
    ]
    one_lines = [result.line() for result in one_by_one]
    _facts_are_a_full_recompute()
    expected = _snapshot()
    _wipe(customers_before)

    batched = email_ingest_many(raws, source="test", received_at=times, batch_size=40)
    _facts_are_a_full_recompute()
    got = _snapshot()

    assert not any(isinstance(result, OSError) for result in batched)
    assert len(expected["tickets"]) > 60
    assert len(expected["inbound"]) > 100
    assert {row[1] for row in expected["inbound"]} >= {
        "opened",
        "appended",
        "automatic",
        "failed",
        "duplicate",
    }
    for table in expected:
        assert got[table] == expected[table], table
    # The lines the CLI prints, with numbers as ranks.
    assert [_ranked(r.line()) for r in batched] == [_ranked(line) for line in one_lines]


def _ranked(line: str) -> str:
    return re.sub(r"#\d+", "#n", line)


def test_a_reply_to_a_ticket_opened_in_the_same_batch_threads_onto_it() -> None:
    raws = [
        mail(message_id="<open@x.example>", subject="Broken lamp"),
        mail(message_id="<other@x.example>", sender="someone@else.example", subject="Hi"),
        mail(
            message_id="<reply@x.example>",
            subject="Re: Broken lamp",
            in_reply_to="<open@x.example>",
            references="<open@x.example>",
            body="Photos attached soon.",
        ),
    ]
    results = email_ingest_many(raws, source="test")

    states = [r.inbound.state for r in results if not isinstance(r, OSError)]
    assert states == [InboundState.OPENED, InboundState.OPENED, InboundState.APPENDED]
    first, _other, reply = (r.inbound for r in results if not isinstance(r, OSError))
    assert reply.ticket_id == first.ticket_id
    assert reply.reason == "threaded by header"
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert list(ticket.messages.order_by("pk").values_list("body_text", flat=True)) == [
        "Hello, my parcel has not arrived.",
        "Photos attached soon.",
    ]
    assert set(
        ThreadMessageId.objects.filter(ticket=ticket).values_list("message_id", flat=True)
    ) == {
        "<open@x.example>",
        "<reply@x.example>",
    }
    # The buyer is one customer, made by the first message, found again by the second's.
    assert Customer.objects.count() == 2


def test_a_reply_reopens_a_solved_ticket_in_a_batch() -> None:
    first = email_ingest(mail(message_id="<s1@x.example>"), source="test").inbound
    ticket = Ticket.objects.get(pk=first.ticket_id)
    tickets.event_record(ticket=ticket, kind="status", fields={"status": Status.SOLVED})
    results = email_ingest_many(
        [mail(message_id="<s2@x.example>", in_reply_to="<s1@x.example>", body="Not fixed!")],
        source="test",
    )
    assert [r.inbound.state for r in results if not isinstance(r, OSError)] == ["appended"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    _facts_are_a_full_recompute()


def test_a_failing_message_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message whose routing raises rolls its batch back; the batch goes again one by one,
    and only that message is failed, with its reason."""
    real = batch_route.triage_first_message

    def triage(*, subject: str, body: str) -> Any:
        if "explode" in subject:
            raise RuntimeError("the triage broke on this one")
        return real(subject=subject, body=body)

    monkeypatch.setattr(batch_route, "triage_first_message", triage)
    monkeypatch.setattr("afterdesk.channels.services.ingest.triage_first_message", triage)
    raws = [
        mail(message_id="<f1@x.example>", subject="Fine"),
        mail(message_id="<f2@x.example>", subject="This will explode"),
        mail(message_id="<f3@x.example>", subject="Re: Fine", in_reply_to="<f1@x.example>"),
        b"\xff\xfe not a message at all \x00",
    ]
    results = [r for r in email_ingest_many(raws, source="test") if not isinstance(r, OSError)]

    assert [r.inbound.state for r in results[:3]] == ["opened", "failed", "appended"]
    failed = results[1].inbound
    assert failed.reason == "RuntimeError: the triage broke on this one"
    assert failed.attempts == 1
    assert failed.ticket_id is None
    assert results[2].inbound.ticket_id == results[0].inbound.ticket_id
    assert InboundEmail.objects.count() == 4
    assert all(r.inbound.attempts == 1 for r in results)
    # After the fix, the retry (batched) opens its ticket.
    monkeypatch.setattr(batch_route, "triage_first_message", real)
    monkeypatch.setattr("afterdesk.channels.services.ingest.triage_first_message", real)
    emails_retry([InboundEmail.objects.get(pk=failed.pk)])
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("opened", 2)


def test_duplicates_inside_a_batch() -> None:
    raw = mail(message_id="<d1@x.example>")
    other = mail(message_id="<d1@x.example>", body="the same Message-ID, other bytes")
    results = [
        r for r in email_ingest_many([raw, raw, other], source="test") if not isinstance(r, OSError)
    ]

    assert [r.stored for r in results] == [True, False, True]
    original = results[0].inbound
    assert results[1].inbound is original
    assert (
        results[1].line() == f"duplicate of inbound #{original.pk} (ticket #{original.ticket_id})"
    )
    kept = results[2].inbound
    assert kept.state == InboundState.DUPLICATE
    assert kept.duplicate_of_id == original.pk
    assert kept.ticket_id == original.ticket_id is not None
    assert InboundEmail.objects.get(pk=kept.pk).ticket_id == original.ticket_id
    assert Ticket.objects.count() == 1
    # And across batches: the same file again stores nothing.
    again = email_ingest_many([raw], source="test")
    assert [r.stored for r in again if not isinstance(r, OSError)] == [False]


def test_a_batch_costs_a_few_statements_per_message() -> None:
    raws = messages_generate(60, seed=9)
    email_ingest_many(raws[:5], source="warm")  # the fallback store, caches
    with CaptureQueriesContext(connection) as queries:
        email_ingest_many(raws[5:], source="test")
    per_message = len(queries.captured_queries) / 55
    # About 30 statements for the whole batch of 55 (one per table, the look-ups, the
    # attachments' rows); the one-by-one ingester sends about 20 per message.
    assert per_message < 1, per_message


def test_retry_of_many_failed_messages_goes_in_batches() -> None:
    rows = [
        email_ingest(
            mail(message_id=f"<r{n}@x.example>", sender=f"b{n}@x.example"), source="t"
        ).inbound
        for n in range(3)
    ]
    Ticket.objects.all().delete()
    InboundEmail.objects.update(state=InboundState.FAILED, ticket=None, ticket_message=None)
    chosen = list(InboundEmail.objects.order_by("pk"))
    emails_retry(chosen)
    assert [i.state for i in chosen] == ["opened"] * 3
    assert Ticket.objects.count() == 3
    assert [i.attempts for i in chosen] == [2, 2, 2]
    assert rows[0].pk == chosen[0].pk
    email_retry(chosen[0])  # processed: nothing happens
    assert Ticket.objects.count() == 3


def test_the_cli_ingests_many_files_in_batches(tmp_path: Path) -> None:
    files = []
    for n, raw in enumerate(messages_generate(12, seed=3)):
        path = tmp_path / f"{n}.eml"
        path.write_bytes(raw)
        files.append(str(path))
    out = StringIO()
    call_command("email", "ingest", *files, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 12
    assert all(line.startswith(tuple(files)) for line in lines)
    assert InboundEmail.objects.count() == 12


def test_threading_in_a_batch_by_imported_id_token_and_ticket_number() -> None:
    """The rarer ways a message finds its stored ticket, inside a batch: an imported message's
    Message-ID, the reply token, and a bare `[#123]` from the ticket's buyer."""
    imported = tickets.ticket_create(
        subject="From the old desk",
        channel="email",
        body="Old message",
        external_message_id="<imported@old.example>",
        at=T0,
    )
    opened = email_ingest(mail(message_id="<t1@x.example>"), source="test").inbound
    token = EmailThread.objects.get(ticket_id=opened.ticket_id).token
    number = opened.ticket_id
    raws = [
        mail(message_id="<t2@x.example>", in_reply_to="<imported@old.example>", body="Again."),
        mail(message_id="<t3@x.example>", subject=f"Re: parcel [#{number}-{token}]", body="Tok"),
        mail(message_id="<t4@x.example>", subject=f"About [#{number}]", body="Number"),
        mail(
            message_id="<t5@x.example>",
            sender="Stranger <stranger@else.example>",
            subject=f"About [#{number}]",
            body="Forged",
        ),
        mail(message_id="<t6@x.example>", subject=f"Re: [#{number}-wrongtok]", body="Guess"),
    ]
    results = [
        r.inbound for r in email_ingest_many(raws, source="test") if not isinstance(r, OSError)
    ]

    assert [(r.state, r.reason) for r in results] == [
        ("appended", "threaded by header"),
        ("appended", "threaded by token"),
        ("appended", "threaded by customer"),
        ("opened", ""),
        ("opened", ""),
    ]
    assert results[0].ticket_id == imported.pk
    assert results[1].ticket_id == results[2].ticket_id == number
    assert results[3].ticket_id != number
    assert results[4].ticket_id != number


def test_a_buyer_with_a_non_ascii_address_is_one_customer_in_a_batch() -> None:
    raws = [
        mail(
            message_id=f"<u{n}@x.example>", sender="Jürgen <JÜRGEN@müller.example>", subject=f"S{n}"
        )
        for n in range(3)
    ]
    one_by_one = [email_ingest(raws[0], source="test").inbound]
    results = [
        r.inbound for r in email_ingest_many(raws[1:], source="test") if not isinstance(r, OSError)
    ]

    customers = {
        Ticket.objects.get(pk=inbound.ticket_id).customer_id for inbound in [*one_by_one, *results]
    }
    assert len(customers) == 1
    # A new such buyer twice in one batch: made by the first message, found by the second.
    again = [
        mail(message_id=f"<z{n}@x.example>", sender="Zoë <ZOË@x.example>", subject=f"Z{n}")
        for n in range(2)
    ]
    made = [
        r.inbound for r in email_ingest_many(again, source="test") if not isinstance(r, OSError)
    ]
    assert [inbound.state for inbound in made] == ["opened", "opened"]
    assert len({Ticket.objects.get(pk=inbound.ticket_id).customer_id for inbound in made}) == 1


def test_a_reply_dated_before_its_new_ticket_sends_the_batch_one_by_one() -> None:
    """A message dated before the newest event of a ticket opened in the same batch (a
    retried old message, given times): the batch goes one message at a time, and leaves what
    one at a time leaves (the ticket's state replayed from its log)."""
    raws = [
        mail(message_id="<late1@x.example>", subject="Late"),
        mail(message_id="<late2@x.example>", in_reply_to="<late1@x.example>", body="Earlier!"),
        mail(message_id="<late3@x.example>", sender="c@x.example", subject="Other"),
    ]
    times = [T0 + timedelta(minutes=10), T0, T0 + timedelta(minutes=11)]
    one = [
        email_ingest(raw, source="t", received_at=at) for raw, at in zip(raws, times, strict=True)
    ]
    assert [r.inbound.state for r in one] == ["opened", "appended", "opened"]
    expected = _snapshot()
    _wipe(0)

    batched = email_ingest_many(raws, source="t", received_at=times)

    assert [r.inbound.state for r in batched if not isinstance(r, OSError)] == [
        "opened",
        "appended",
        "opened",
    ]
    got = _snapshot()
    for table in expected:
        assert got[table] == expected[table], table
    _facts_are_a_full_recompute()
