"""The demo's automations (docs/demo.md): the reply templates the defaults use, in the demo's
six languages, a pool of thank-you codes, and every default rule on. Loading twice changes
nothing but bringing them back to the demo's version."""

from __future__ import annotations

from afterdesk.accounts.models import User
from afterdesk.automations.coupons import codes_add, pool_free, pool_save
from afterdesk.automations.defaults import (
    APOLOGY_TEMPLATE,
    COUPON_POOL,
    COUPON_TEMPLATE,
    DEFAULT_RULES,
    defaults_install,
)
from afterdesk.automations.models import Rule
from afterdesk.replies import services as replies
from afterdesk.replies.models import ReplyTemplate

APOLOGY = {
    "en": "Dear {{ buyer_name }},\n\nwe are sorry: your parcel for order {{ order_number }} "
    "({{ carrier }} {{ tracking_number }}) has not moved for several days. We have asked the "
    "carrier and will write again as soon as we know more.\n\nKind regards",
    "es": "Hola {{ buyer_name }}:\n\nlo sentimos: su paquete del pedido {{ order_number }} "
    "({{ carrier }} {{ tracking_number }}) lleva varios días sin moverse. Hemos preguntado al "
    "transportista y le escribiremos en cuanto sepamos más.\n\nUn saludo",
    "de": "Hallo {{ buyer_name }},\n\nes tut uns leid: Ihr Paket zur Bestellung "
    "{{ order_number }} ({{ carrier }} {{ tracking_number }}) bewegt sich seit einigen Tagen "
    "nicht. Wir haben beim Versanddienst nachgefragt und melden uns, sobald wir mehr wissen."
    "\n\nViele Grüße",
    "fr": "Bonjour {{ buyer_name }},\n\nnous sommes désolés : votre colis de la commande "
    "{{ order_number }} ({{ carrier }} {{ tracking_number }}) n'a pas bougé depuis plusieurs "
    "jours. Nous avons contacté le transporteur et vous écrirons dès que nous en saurons plus."
    "\n\nCordialement",
    "ja": "{{ buyer_name }} 様\n\nご注文 {{ order_number }} のお荷物（{{ carrier }} "
    "{{ tracking_number }}）が数日間移動しておらず、大変申し訳ございません。配送業者に確認中です。"
    "詳細が分かり次第ご連絡いたします。",
    "zh": "{{ buyer_name }}，您好：\n\n非常抱歉，您订单 {{ order_number }} 的包裹（{{ carrier }} "
    "{{ tracking_number }}）已有数天没有更新。我们已联系承运商，一有消息会立即通知您。",
}
THANKS = {
    "en": "Dear {{ buyer_name }},\n\nthank you for your patience with order "
    "{{ order_number }}. As an apology, here is a discount code for your next order:",
    "es": "Hola {{ buyer_name }}:\n\ngracias por su paciencia con el pedido {{ order_number }}. "
    "Como disculpa, aquí tiene un código de descuento para su próximo pedido:",
    "de": "Hallo {{ buyer_name }},\n\nDanke für Ihre Geduld mit der Bestellung "
    "{{ order_number }}. Als Entschuldigung erhalten Sie einen Rabattcode für Ihre nächste "
    "Bestellung:",
    "fr": "Bonjour {{ buyer_name }},\n\nmerci de votre patience pour la commande "
    "{{ order_number }}. En guise d'excuse, voici un code de réduction pour votre prochaine "
    "commande :",
    "ja": "{{ buyer_name }} 様\n\nご注文 {{ order_number }} の件ではご迷惑をおかけしました。"
    "お詫びとして、次回のご注文でご利用いただける割引コードをお送りします：",
    "zh": "{{ buyer_name }}，您好：\n\n感谢您对订单 {{ order_number }} 的耐心等待。"
    "为表歉意，这是您下次购物可用的折扣码：",
}
CODES = [f"THANKS-{n:04d}" for n in range(1, 201)]


def automations_demo_load(*, admin: User) -> dict[str, int]:
    for key, name, variants in (
        (APOLOGY_TEMPLATE, "Stalled parcel: apology", APOLOGY),
        (COUPON_TEMPLATE, "Thank-you coupon", THANKS),
    ):
        replies.template_save(
            by=admin,
            key=key,
            name=name,
            default_language="en",
            variants=[
                replies.VariantIn(language=lang, body=body) for lang, body in variants.items()
            ],
            template=ReplyTemplate.objects.filter(key=key).first(),
        )
    pool = pool_save(by=admin, name=COUPON_POOL, description="Thank-you codes (demo)")
    codes_add(by=admin, pool=pool, codes=CODES)
    defaults_install(Rule, demo=True)
    keys = [spec["default_key"] for spec in DEFAULT_RULES]
    # A reply on a ticket nobody holds goes out in the admin's name.
    Rule.objects.filter(default_key__in=keys).update(enabled=True, send_as=admin)
    return {"rules": Rule.objects.filter(default_key__in=keys).count(), "codes": pool_free(pool)}
