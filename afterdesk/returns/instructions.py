# ruff: noqa: E501 - buyer-facing prose in six languages reads better unwrapped
"""The printable RMA instructions (docs/returns.md, "Printable instructions"): the buyer's
link to them, where the parcel goes, and their words in the buyer's language.

The page is for the buyer, who has no account: the link carries a token signed with the
desk's SECRET_KEY and a salt of its own, naming the case and its RMA (a token for another
case, or made for another purpose, never opens it). The desk's own catalogue is English and
Chinese for agents, so the buyer's six languages are written here, like the tracking words
of the replies app.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse

from afterdesk.replies.models import ReturnAddress
from afterdesk.returns.models import MarketReturnAddress, ReturnCase, ShippingPaidBy
from afterdesk.returns.services.policy import policy_for

SALT = "afterdesk.returns.instructions"
# A market of the European Union finds the `EU` address when it has none of its own.
EU_MARKETS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


class LinkInvalid(Exception):
    """Forged, tampered with, or not an RMA instructions link."""


def link_token(case: ReturnCase) -> str:
    """Without a timestamp: the same case always has the same link (the email's and the case
    page's), and it does not expire (docs/returns.md, "Not built yet")."""
    return signing.Signer(salt=SALT).sign_object([case.pk, case.rma])


def link_read(token: str) -> tuple[int, str]:
    """The case id and RMA a token names; LinkInvalid otherwise."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    # A validly signed value that is not our payload (another signer's token of the same
    # salt) fails to decode: ValueError (base64, JSON) or zlib.error.
    except (signing.BadSignature, ValueError, zlib.error) as error:
        raise LinkInvalid(str(error)) from error
    match value:
        case [int() as case_id, str() as rma] if not isinstance(case_id, bool):
            return case_id, rma
    raise LinkInvalid("not an RMA instructions link")


def link_url(case: ReturnCase) -> str:
    """The absolute link the approval email gives the buyer."""
    path = reverse("returns:instructions", kwargs={"token": link_token(case)})
    return settings.AFTERDESK_PUBLIC_URL.rstrip("/") + path


@dataclass(frozen=True)
class Destination:
    warehouse: str
    address: str


def destination(case: ReturnCase) -> Destination:
    """Where the parcel goes: the market's own return address (`US`, `JP`…), the `EU` one for
    a market of the Union, the address for every other market (`""`, e.g. back to China); else
    the replies app's address of the store, else its default."""
    market = (case.order.store.market or "").upper()
    wanted = [market] + (["EU"] if market in EU_MARKETS else []) + [""]
    rows = {row.market: row for row in MarketReturnAddress.objects.filter(market__in=wanted)}
    for key in wanted:
        if key in rows:
            return Destination(rows[key].warehouse, rows[key].address)
    store_id = case.order.store_id
    found = {
        row.store_id: row.address
        for row in ReturnAddress.objects.filter(Q(store_id=store_id) | Q(store__isnull=True))
    }
    return Destination("", found.get(store_id) or found.get(None) or "")


def language_of(case: ReturnCase) -> str:
    """The buyer's language among the six written here; English otherwise."""
    code = (case.ticket.language or "en").lower().replace("_", "-").split("-")[0]
    return code if code in WORDS else "en"


def shipping_words(case: ReturnCase, language: str) -> str:
    policy = policy_for(case.order)
    if policy is None:
        return ""
    key = "seller_pays" if policy.shipping_paid_by == ShippingPaidBy.SELLER else "buyer_pays"
    return str(WORDS[language][key])


# Every language has the same keys (tests/returns/test_instructions.py checks it); `steps`
# take {rma}.
WORDS: dict[str, dict[str, str | list[str]]] = {
    "en": {
        "title": "Return instructions",
        "rma": "RMA number",
        "order": "Order",
        "items": "Items to return",
        "quantity": "Quantity",
        "send_to": "Send the parcel to",
        "how": "How to return your items",
        "steps": [
            "Pack the items listed below, in their original packaging if you still have it.",
            "Write the RMA number {rma} clearly on the outside of the parcel, or put this page inside it.",
            "Send the parcel to the address below. If we sent you a return label, stick it on the parcel.",
            "Keep the proof of postage and the tracking number until your return is settled.",
        ],
        "seller_pays": "We pay the return shipping.",
        "buyer_pays": "The return shipping is paid by you.",
        "print": "Print this page",
        "no_address": "Reply to our email and we will send you the return address.",
    },
    "es": {
        "title": "Instrucciones de devolución",
        "rma": "Número de RMA",
        "order": "Pedido",
        "items": "Artículos que devolver",
        "quantity": "Cantidad",
        "send_to": "Envía el paquete a",
        "how": "Cómo devolver tus artículos",
        "steps": [
            "Empaqueta los artículos indicados abajo, en su embalaje original si aún lo tienes.",
            "Escribe el número de RMA {rma} de forma visible en el exterior del paquete, o mete esta página dentro.",
            "Envía el paquete a la dirección de abajo. Si te enviamos una etiqueta de devolución, pégala en el paquete.",
            "Guarda el justificante de envío y el número de seguimiento hasta que se resuelva la devolución.",
        ],
        "seller_pays": "Nosotros pagamos el envío de la devolución.",
        "buyer_pays": "El envío de la devolución corre a tu cargo.",
        "print": "Imprimir esta página",
        "no_address": "Responde a nuestro correo y te enviaremos la dirección de devolución.",
    },
    "de": {
        "title": "Rücksendeanleitung",
        "rma": "RMA-Nummer",
        "order": "Bestellung",
        "items": "Zurückzusendende Artikel",
        "quantity": "Menge",
        "send_to": "Senden Sie das Paket an",
        "how": "So senden Sie Ihre Artikel zurück",
        "steps": [
            "Verpacken Sie die unten aufgeführten Artikel, wenn möglich in der Originalverpackung.",
            "Schreiben Sie die RMA-Nummer {rma} gut lesbar außen auf das Paket oder legen Sie diese Seite bei.",
            "Senden Sie das Paket an die unten stehende Adresse. Wenn wir Ihnen ein Rücksendeetikett geschickt haben, kleben Sie es auf das Paket.",
            "Bewahren Sie den Einlieferungsbeleg und die Sendungsnummer auf, bis die Rücksendung abgeschlossen ist.",
        ],
        "seller_pays": "Die Rücksendekosten übernehmen wir.",
        "buyer_pays": "Die Rücksendekosten tragen Sie.",
        "print": "Diese Seite drucken",
        "no_address": "Antworten Sie auf unsere E-Mail, dann senden wir Ihnen die Rücksendeadresse.",
    },
    "fr": {
        "title": "Instructions de retour",
        "rma": "Numéro de RMA",
        "order": "Commande",
        "items": "Articles à retourner",
        "quantity": "Quantité",
        "send_to": "Envoyez le colis à",
        "how": "Comment retourner vos articles",
        "steps": [
            "Emballez les articles ci-dessous, dans leur emballage d'origine si vous l'avez encore.",
            "Inscrivez lisiblement le numéro de RMA {rma} sur l'extérieur du colis, ou glissez cette page à l'intérieur.",
            "Envoyez le colis à l'adresse ci-dessous. Si nous vous avons envoyé une étiquette de retour, collez-la sur le colis.",
            "Conservez la preuve de dépôt et le numéro de suivi jusqu'au règlement de votre retour.",
        ],
        "seller_pays": "Nous prenons en charge les frais de retour.",
        "buyer_pays": "Les frais de retour sont à votre charge.",
        "print": "Imprimer cette page",
        "no_address": "Répondez à notre e-mail et nous vous enverrons l'adresse de retour.",
    },
    "ja": {
        "title": "返品の手順",
        "rma": "RMA番号",
        "order": "ご注文",
        "items": "返品する商品",
        "quantity": "数量",
        "send_to": "返送先",
        "how": "返品の方法",
        "steps": [
            "下記の商品を梱包してください。できれば購入時の箱や袋をご利用ください。",
            "RMA番号 {rma} を箱の外側にはっきりとご記入いただくか、このページを同封してください。",
            "下記の住所へ発送してください。返品用の送り状をお送りした場合は、箱に貼ってください。",
            "返品が完了するまで、発送の控えと追跡番号を保管してください。",
        ],
        "seller_pays": "返送料は当店が負担いたします。",
        "buyer_pays": "返送料はお客様のご負担となります。",
        "print": "このページを印刷",
        "no_address": "メールにご返信いただければ、返送先の住所をお知らせします。",
    },
    "zh": {
        "title": "退货说明",
        "rma": "退货授权号（RMA）",
        "order": "订单",
        "items": "需退回的商品",
        "quantity": "数量",
        "send_to": "请将包裹寄至",
        "how": "如何退货",
        "steps": [
            "请包装好下列商品，如仍保留原包装，请使用原包装。",
            "请在包裹外侧清楚写上退货授权号 {rma}，或将本页放入包裹内。",
            "请将包裹寄往下方地址。如我们已向您发送退货运单，请将其贴在包裹上。",
            "请保留寄件凭证和运单号，直至退货处理完毕。",
        ],
        "seller_pays": "退货运费由我们承担。",
        "buyer_pays": "退货运费由您承担。",
        "print": "打印本页",
        "no_address": "请回复我们的邮件，我们会将退货地址发给您。",
    },
}


# A case's resolution as the buyer reads it (the `return_resolution` variable of the emails).
RESOLUTION_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "refund": "refunded",
        "partial_refund": "partly refunded",
        "refund_no_return": "refunded, no need to send the item back",
        "exchange": "an exchange is on its way",
        "reship": "a new parcel is on its way",
        "kept_partial_refund": "you keep the item with a partial refund",
        "kept_no_refund": "you keep the item",
        "withdrawn": "withdrawn",
    },
    "es": {
        "refund": "reembolsada",
        "partial_refund": "reembolsada en parte",
        "refund_no_return": "reembolsada, sin necesidad de devolver el artículo",
        "exchange": "el cambio ya está en camino",
        "reship": "un nuevo envío ya está en camino",
        "kept_partial_refund": "te quedas el artículo con un reembolso parcial",
        "kept_no_refund": "te quedas el artículo",
        "withdrawn": "retirada",
    },
    "de": {
        "refund": "erstattet",
        "partial_refund": "teilweise erstattet",
        "refund_no_return": "erstattet, ohne dass Sie den Artikel zurücksenden müssen",
        "exchange": "der Umtausch ist unterwegs",
        "reship": "eine neue Sendung ist unterwegs",
        "kept_partial_refund": "Sie behalten den Artikel mit einer Teilerstattung",
        "kept_no_refund": "Sie behalten den Artikel",
        "withdrawn": "zurückgezogen",
    },
    "fr": {
        "refund": "remboursé",
        "partial_refund": "remboursé en partie",
        "refund_no_return": "remboursé, sans renvoyer l'article",
        "exchange": "l'échange est en route",
        "reship": "un nouvel envoi est en route",
        "kept_partial_refund": "vous gardez l'article avec un remboursement partiel",
        "kept_no_refund": "vous gardez l'article",
        "withdrawn": "annulé",
    },
    "ja": {
        "refund": "返金済み",
        "partial_refund": "一部返金済み",
        "refund_no_return": "返金済み（商品の返送は不要です）",
        "exchange": "交換品を発送しました",
        "reship": "再発送しました",
        "kept_partial_refund": "一部返金のうえ商品はそのままお使いください",
        "kept_no_refund": "商品はそのままお使いください",
        "withdrawn": "取り下げ",
    },
    "zh": {
        "refund": "已退款",
        "partial_refund": "已部分退款",
        "refund_no_return": "已退款，无需寄回商品",
        "exchange": "换货已寄出",
        "reship": "已重新发货",
        "kept_partial_refund": "您保留商品并获得部分退款",
        "kept_no_refund": "您保留商品",
        "withdrawn": "已撤销",
    },
}
