"""The values of a template's variables for one ticket (docs/replies.md, "Variables").

The ticket's order is the newest order linked to it; its parcel the newest shipment of that
order. Dates, amounts and the tracking status are written in the language of the variant
being rendered, so an English fallback does not carry Spanish dates.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_currency
from django.db.models import Q
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order, Shipment
from afterdesk.replies.models import ReturnAddress
from afterdesk.replies.render import babel_locale, local_date
from afterdesk.tickets.models import Ticket

# The carriers' public tracking pages (the number appended, URL-quoted). A carrier not here
# links to a parcel-tracking search for the number, which is still a working link.
TRACKING_URLS: dict[str, str] = {
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{}",
    "gls": "https://gls-group.com/track/{}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{}",
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    "correos": "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={}",
    "yamato": "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01={}",
    "japan post": "https://trackings.post.japanpost.jp/services/srv/search/?requestNo1={}",
    "sf express": "https://www.sf-express.com/chn/en/waybill/waybill-detail/{}",
    "yanwen": "https://track.yanwen.com/en?nums={}",
}
FALLBACK_TRACKING_URL = "https://parcelsapp.com/en/tracking/{}"

# The normalised tracking statuses (commerce.TrackingStatus) in the buyers' languages: the
# desk's own catalogue is English and Chinese for agents, not these.
TRACKING_STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "info_received": "label created",
        "in_transit": "in transit",
        "out_for_delivery": "out for delivery",
        "delivered": "delivered",
        "failed_attempt": "delivery attempted",
        "exception": "held up (carrier exception)",
        "returned_to_sender": "returned to sender",
        "expired": "no longer tracked",
    },
    "es": {
        "info_received": "etiqueta creada",
        "in_transit": "en tránsito",
        "out_for_delivery": "en reparto",
        "delivered": "entregado",
        "failed_attempt": "intento de entrega fallido",
        "exception": "retenido (incidencia del transportista)",
        "returned_to_sender": "devuelto al remitente",
        "expired": "sin seguimiento",
    },
    "de": {
        "info_received": "Sendungsdaten übermittelt",
        "in_transit": "unterwegs",
        "out_for_delivery": "in Zustellung",
        "delivered": "zugestellt",
        "failed_attempt": "Zustellversuch fehlgeschlagen",
        "exception": "aufgehalten (Problem beim Versanddienstleister)",
        "returned_to_sender": "an den Absender zurückgesandt",
        "expired": "nicht mehr verfolgbar",
    },
    "fr": {
        "info_received": "étiquette créée",
        "in_transit": "en transit",
        "out_for_delivery": "en cours de livraison",
        "delivered": "livré",
        "failed_attempt": "tentative de livraison échouée",
        "exception": "bloqué (incident transporteur)",
        "returned_to_sender": "retourné à l'expéditeur",
        "expired": "suivi expiré",
    },
    "ja": {
        "info_received": "伝票作成済み",
        "in_transit": "輸送中",
        "out_for_delivery": "配達中",
        "delivered": "配達完了",
        "failed_attempt": "不在のため持ち戻り",
        "exception": "配送業者にて保留中",
        "returned_to_sender": "差出人に返送",
        "expired": "追跡期限切れ",
    },
    "zh": {
        "info_received": "已创建运单",
        "in_transit": "运输中",
        "out_for_delivery": "派送中",
        "delivered": "已签收",
        "failed_attempt": "派送未成功",
        "exception": "承运商异常",
        "returned_to_sender": "已退回发件人",
        "expired": "追踪已过期",
    },
}


def tracking_link(carrier: str, number: str) -> str:
    if not number:
        return ""
    pattern = TRACKING_URLS.get(carrier.strip().lower(), FALLBACK_TRACKING_URL)
    return pattern.format(quote(number, safe=""))


def tracking_status_words(status: str, language: str) -> str:
    if not status:
        return ""
    words = TRACKING_STATUS_WORDS.get(language.split("-")[0].lower(), TRACKING_STATUS_WORDS["en"])
    return words.get(status, status.replace("_", " "))


def _order_of(ticket: Ticket) -> Order | None:
    return (
        ticket.orders.select_related("store")
        .prefetch_related("lines")
        .order_by("-placed_at", "-id")
        .first()
    )


def _return_address(ticket: Ticket, order: Order | None) -> str:
    store_id = ticket.store_id or (order.store_id if order else None)
    # IN (…, NULL) never matches NULL: the default row is asked for by itself.
    wanted = Q(store__isnull=True) | Q(store_id=store_id) if store_id else Q(store__isnull=True)
    rows = {row.store_id: row.address for row in ReturnAddress.objects.filter(wanted)}
    return rows.get(store_id) or rows.get(None) or ""


def ticket_variables(*, ticket: Ticket, agent: User, language: str) -> dict[str, Any]:
    """Every variable's value for this ticket, written for `language` ("" = no value)."""
    order = _order_of(ticket)
    zone = _zone_of(ticket)
    shipment: Shipment | None = None
    if order is not None:
        shipment = order.shipments.order_by("-shipped_at", "-id").first()
    store = ticket.store or (order.store if order else None)
    customer = ticket.customer or (order.customer if order else None)
    lines = list(order.lines.all()) if order else []
    items = [{"title": ln.title, "quantity": ln.quantity, "sku": ln.sku} for ln in lines]
    status = ""
    if shipment is not None:
        status = shipment.tracking_status or _shipment_status(shipment.status)
    total = ""
    if order is not None and order.currency:
        total = format_currency(order.total, order.currency, locale=babel_locale(language))
    return {
        "buyer_name": customer.name if customer else "",
        "order_number": order.number if order else "",
        "order_date": local_date(order.placed_at, language, zone) if order else "",
        "order_total": total,
        "items": items,
        "items_list": "\n".join(f"{it['quantity']} × {it['title']}" for it in items),
        "carrier": shipment.carrier if shipment else "",
        "tracking_number": shipment.tracking_number if shipment else "",
        "tracking_link": tracking_link(shipment.carrier, shipment.tracking_number)
        if shipment
        else "",
        "tracking_status": tracking_status_words(status, language),
        "shipped_date": local_date(shipment.shipped_at, language, zone) if shipment else "",
        "delivered_date": local_date(shipment.delivered_at, language, zone) if shipment else "",
        "return_address": _return_address(ticket, order),
        "store_name": store.name if store else "",
        "agent_name": agent.display_name or agent.get_full_name() or agent.username,
        "ticket_number": str(ticket.pk),
        "today": local_date(timezone.now(), language, zone),
    }


def _zone_of(ticket: Ticket) -> tzinfo:
    """The ticket's business-hours zone (its market's), else the desk's."""
    if ticket.calendar_id is not None and ticket.calendar is not None:
        try:
            return ZoneInfo(ticket.calendar.tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def _shipment_status(status: str) -> str:
    """The shipment's own status as the nearest tracking status (a parcel with no tracking
    event yet)."""
    return {
        "label_created": "info_received",
        "in_transit": "in_transit",
        "out_for_delivery": "out_for_delivery",
        "delivered": "delivered",
        "exception": "exception",
        "returned": "returned_to_sender",
    }.get(status, status)
