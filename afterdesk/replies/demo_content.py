# ruff: noqa: E501 - buyer-facing prose in six languages reads better unwrapped
"""The demo's reply templates (each in English, Spanish, German, French, Japanese and Chinese),
macros and knowledge-base SOPs; loaded by `demo.replies_demo_load` (docs/demo.md)."""

from __future__ import annotations

# key → (name, {language: body}); the default language is English.
TEMPLATES: dict[str, tuple[str, dict[str, str]]] = {
    "where-is-my-order": (
        "Where is my order (tracking update)",
        {
            "en": (
                "Hi {{ buyer_name }},\n\n"
                "Thank you for your patience. Your order {{ order_number }} is {{ tracking_status }} "
                "with {{ carrier }} (tracking number {{ tracking_number }}).\n\n"
                "If it has not arrived within 5 business days, just reply to this message and "
                "we will take care of it.\n\n"
                "Kind regards,\n{{ agent_name }}\n{{ store_name }}"
            ),
            "es": (
                "Hola, {{ buyer_name }}:\n\n"
                "Gracias por tu paciencia. Tu pedido {{ order_number }} está {{ tracking_status }} "
                "con {{ carrier }} (número de seguimiento {{ tracking_number }}).\n\n"
                "Si no lo has recibido en 5 días hábiles, responde a este mensaje y lo "
                "solucionaremos.\n\n"
                "Un saludo,\n{{ agent_name }}\n{{ store_name }}"
            ),
            "de": (
                "Hallo {{ buyer_name }},\n\n"
                "vielen Dank für Ihre Geduld. Ihre Bestellung {{ order_number }} ist bei "
                "{{ carrier }} {{ tracking_status }} (Sendungsnummer {{ tracking_number }}).\n\n"
                "Sollte das Paket nicht innerhalb von 5 Werktagen ankommen, antworten Sie einfach "
                "auf diese Nachricht – wir kümmern uns darum.\n\n"
                "Freundliche Grüße\n{{ agent_name }}\n{{ store_name }}"
            ),
            "fr": (
                "Bonjour {{ buyer_name }},\n\n"
                "Merci de votre patience. Votre commande {{ order_number }} est "
                "{{ tracking_status }} chez {{ carrier }} (numéro de suivi {{ tracking_number }}).\n\n"
                "Si elle n'est pas arrivée d'ici 5 jours ouvrés, répondez simplement à ce "
                "message et nous nous en occuperons.\n\n"
                "Cordialement,\n{{ agent_name }}\n{{ store_name }}"
            ),
            "ja": (
                "{{ buyer_name }} 様\n\n"
                "お問い合わせいただきありがとうございます。ご注文 {{ order_number }} は現在、"
                "{{ carrier }} にて「{{ tracking_status }}」です（追跡番号 {{ tracking_number }}）。\n\n"
                "5営業日以内に届かない場合は、このメッセージにご返信ください。すぐに対応いたします。\n\n"
                "{{ store_name }}\n{{ agent_name }}"
            ),
            "zh": (
                "{{ buyer_name }}，您好：\n\n"
                "感谢您的耐心等待。您的订单 {{ order_number }} 目前由 {{ carrier }} 承运，"
                "状态为“{{ tracking_status }}”（追踪号 {{ tracking_number }}）。\n\n"
                "如果 5 个工作日内仍未收到，请直接回复此消息，我们会为您处理。\n\n"
                "祝好，\n{{ agent_name }}\n{{ store_name }}"
            ),
        },
    ),
    "tracking-link": (
        "Tracking link (shop orders; marketplaces refuse links)",
        {
            "en": "Hi {{ buyer_name }},\n\nHere is the tracking page of your order {{ order_number }} ({{ carrier }}, currently {{ tracking_status }}):\n{{ tracking_link }}\n\n{{ agent_name }}, {{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nAquí tienes el seguimiento de tu pedido {{ order_number }} ({{ carrier }}, ahora {{ tracking_status }}):\n{{ tracking_link }}\n\n{{ agent_name }}, {{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nhier ist die Sendungsverfolgung Ihrer Bestellung {{ order_number }} ({{ carrier }}, derzeit {{ tracking_status }}):\n{{ tracking_link }}\n\n{{ agent_name }}, {{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nVoici le suivi de votre commande {{ order_number }} ({{ carrier }}, actuellement {{ tracking_status }}) :\n{{ tracking_link }}\n\n{{ agent_name }}, {{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\nご注文 {{ order_number }}（{{ carrier }}、現在「{{ tracking_status }}」）の追跡ページはこちらです。\n{{ tracking_link }}\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n这是您的订单 {{ order_number }}（{{ carrier }}，当前状态“{{ tracking_status }}”）的物流追踪页面：\n{{ tracking_link }}\n\n{{ agent_name }}，{{ store_name }}",
        },
    ),
    "return-instructions": (
        "Return instructions",
        {
            "en": (
                "Hi {{ buyer_name }},\n\n"
                "Sorry the order {{ order_number }} did not work out. Please send these items "
                "back within 30 days:\n{{ items_list }}\n\n"
                "Return address:\n{{ return_address }}\n\n"
                "Please write your order number on the parcel. We refund within 3 business days "
                "of receiving it.\n\n"
                "Best regards,\n{{ agent_name }}, {{ store_name }}"
            ),
            "es": (
                "Hola, {{ buyer_name }}:\n\n"
                "Sentimos que el pedido {{ order_number }} no haya sido lo que esperabas. "
                "Devuélvenos estos artículos en un plazo de 30 días:\n{{ items_list }}\n\n"
                "Dirección de devolución:\n{{ return_address }}\n\n"
                "Escribe tu número de pedido en el paquete. Te reembolsamos en 3 días hábiles "
                "desde que lo recibamos.\n\n"
                "Un saludo,\n{{ agent_name }}, {{ store_name }}"
            ),
            "de": (
                "Hallo {{ buyer_name }},\n\n"
                "schade, dass die Bestellung {{ order_number }} nicht gepasst hat. Bitte senden "
                "Sie diese Artikel innerhalb von 30 Tagen zurück:\n{{ items_list }}\n\n"
                "Rücksendeadresse:\n{{ return_address }}\n\n"
                "Bitte notieren Sie Ihre Bestellnummer auf dem Paket. Wir erstatten den Betrag "
                "innerhalb von 3 Werktagen nach Eingang.\n\n"
                "Freundliche Grüße\n{{ agent_name }}, {{ store_name }}"
            ),
            "fr": (
                "Bonjour {{ buyer_name }},\n\n"
                "Nous sommes désolés que la commande {{ order_number }} ne vous convienne pas. "
                "Merci de nous renvoyer ces articles sous 30 jours :\n{{ items_list }}\n\n"
                "Adresse de retour :\n{{ return_address }}\n\n"
                "Indiquez votre numéro de commande sur le colis. Le remboursement est effectué "
                "sous 3 jours ouvrés après réception.\n\n"
                "Cordialement,\n{{ agent_name }}, {{ store_name }}"
            ),
            "ja": (
                "{{ buyer_name }} 様\n\n"
                "ご注文 {{ order_number }} がご期待に添えず申し訳ございません。"
                "以下の商品を30日以内にご返送ください。\n{{ items_list }}\n\n"
                "返送先：\n{{ return_address }}\n\n"
                "荷物に注文番号をご記入ください。到着後3営業日以内に返金いたします。\n\n"
                "{{ store_name }}\n{{ agent_name }}"
            ),
            "zh": (
                "{{ buyer_name }}，您好：\n\n"
                "很抱歉订单 {{ order_number }} 未能让您满意。请在 30 天内将以下商品寄回：\n"
                "{{ items_list }}\n\n"
                "退货地址：\n{{ return_address }}\n\n"
                "请在包裹上注明订单号。我们收到退货后 3 个工作日内为您退款。\n\n"
                "祝好，\n{{ agent_name }}，{{ store_name }}"
            ),
        },
    ),
    "refund-confirmed": (
        "Refund confirmed",
        {
            "en": (
                "Hi {{ buyer_name }},\n\n"
                "We have refunded {{ order_total }} for order {{ order_number }} today "
                "({{ today }}). Depending on your bank it can take 5–10 days to show on your "
                "statement.\n\n"
                "Thank you for shopping with {{ store_name }}.\n{{ agent_name }}"
            ),
            "es": (
                "Hola, {{ buyer_name }}:\n\n"
                "Hoy ({{ today }}) te hemos reembolsado {{ order_total }} del pedido "
                "{{ order_number }}. Según tu banco, puede tardar de 5 a 10 días en aparecer en "
                "tu extracto.\n\n"
                "Gracias por comprar en {{ store_name }}.\n{{ agent_name }}"
            ),
            "de": (
                "Hallo {{ buyer_name }},\n\n"
                "wir haben Ihnen heute ({{ today }}) {{ order_total }} für die Bestellung "
                "{{ order_number }} erstattet. Je nach Bank kann es 5–10 Tage dauern, bis der "
                "Betrag auf Ihrem Konto erscheint.\n\n"
                "Danke für Ihren Einkauf bei {{ store_name }}.\n{{ agent_name }}"
            ),
            "fr": (
                "Bonjour {{ buyer_name }},\n\n"
                "Nous vous avons remboursé {{ order_total }} pour la commande {{ order_number }} "
                "aujourd'hui ({{ today }}). Selon votre banque, le montant peut mettre 5 à 10 "
                "jours à apparaître sur votre relevé.\n\n"
                "Merci pour votre achat chez {{ store_name }}.\n{{ agent_name }}"
            ),
            "ja": (
                "{{ buyer_name }} 様\n\n"
                "本日（{{ today }}）、ご注文 {{ order_number }} の代金 {{ order_total }} を返金いたしました。"
                "ご利用の金融機関により、反映まで5〜10日ほどかかる場合がございます。\n\n"
                "{{ store_name }} をご利用いただきありがとうございました。\n{{ agent_name }}"
            ),
            "zh": (
                "{{ buyer_name }}，您好：\n\n"
                "我们已于今天（{{ today }}）为订单 {{ order_number }} 退款 {{ order_total }}。"
                "视银行处理速度，退款可能需要 5–10 天到账。\n\n"
                "感谢您在 {{ store_name }} 购物。\n{{ agent_name }}"
            ),
        },
    ),
    "lost-parcel-reship": (
        "Lost parcel: we reship",
        {
            "en": (
                "Hi {{ buyer_name }},\n\n"
                "I am sorry: parcel {{ tracking_number }} ({{ carrier }}) for order "
                "{{ order_number }} has not moved for too long and we consider it lost. We are "
                "sending the same items again today, at no cost to you:\n{{ items_list }}\n\n"
                "You will receive the new tracking number as soon as it ships.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "es": (
                "Hola, {{ buyer_name }}:\n\n"
                "Lo sentimos: el paquete {{ tracking_number }} ({{ carrier }}) del pedido "
                "{{ order_number }} lleva demasiado tiempo sin movimiento y lo damos por perdido. "
                "Hoy te enviamos de nuevo los mismos artículos, sin coste:\n{{ items_list }}\n\n"
                "Te enviaremos el nuevo número de seguimiento en cuanto salga.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "de": (
                "Hallo {{ buyer_name }},\n\n"
                "es tut uns leid: Das Paket {{ tracking_number }} ({{ carrier }}) zur Bestellung "
                "{{ order_number }} bewegt sich seit zu langer Zeit nicht mehr, wir betrachten es "
                "als verloren. Wir senden Ihnen heute dieselben Artikel kostenlos erneut:\n"
                "{{ items_list }}\n\n"
                "Die neue Sendungsnummer erhalten Sie, sobald das Paket unterwegs ist.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "fr": (
                "Bonjour {{ buyer_name }},\n\n"
                "Nous sommes désolés : le colis {{ tracking_number }} ({{ carrier }}) de la "
                "commande {{ order_number }} ne bouge plus depuis trop longtemps et nous le "
                "considérons comme perdu. Nous vous renvoyons aujourd'hui les mêmes articles, "
                "sans frais :\n{{ items_list }}\n\n"
                "Vous recevrez le nouveau numéro de suivi dès l'expédition.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "ja": (
                "{{ buyer_name }} 様\n\n"
                "大変申し訳ございません。ご注文 {{ order_number }} の荷物（{{ carrier }}、"
                "追跡番号 {{ tracking_number }}）は長期間動きがなく、紛失と判断いたしました。"
                "本日、同じ商品を無料で再送いたします。\n{{ items_list }}\n\n"
                "発送後、新しい追跡番号をお知らせいたします。\n\n"
                "{{ store_name }}\n{{ agent_name }}"
            ),
            "zh": (
                "{{ buyer_name }}，您好：\n\n"
                "非常抱歉：订单 {{ order_number }} 的包裹 {{ tracking_number }}（{{ carrier }}）"
                "长时间没有物流更新，我们已将其视为丢件。今天我们将免费为您补发相同商品：\n"
                "{{ items_list }}\n\n"
                "新包裹发出后，我们会第一时间把新的追踪号发给您。\n\n"
                "{{ agent_name }}，{{ store_name }}"
            ),
        },
    ),
    "size-exchange": (
        "Size exchange",
        {
            "en": (
                "Hi {{ buyer_name }},\n\n"
                "Happy to exchange the size for you. Please send back the item from order "
                "{{ order_number }}:\n{{ items_list }}\n\n"
                "to:\n{{ return_address }}\n\n"
                "and tell us the size you need. We ship the new size as soon as the return is "
                "scanned by the carrier.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "es": (
                "Hola, {{ buyer_name }}:\n\n"
                "Con gusto te cambiamos la talla. Devuélvenos el artículo del pedido "
                "{{ order_number }}:\n{{ items_list }}\n\n"
                "a:\n{{ return_address }}\n\n"
                "e indícanos la talla que necesitas. Enviamos la nueva talla en cuanto el "
                "transportista escanee la devolución.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "de": (
                "Hallo {{ buyer_name }},\n\n"
                "gern tauschen wir die Größe um. Bitte senden Sie den Artikel aus der Bestellung "
                "{{ order_number }}:\n{{ items_list }}\n\n"
                "an:\n{{ return_address }}\n\n"
                "und nennen Sie uns die gewünschte Größe. Wir versenden die neue Größe, sobald "
                "die Rücksendung gescannt wurde.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "fr": (
                "Bonjour {{ buyer_name }},\n\n"
                "Avec plaisir pour l'échange de taille. Renvoyez-nous l'article de la commande "
                "{{ order_number }} :\n{{ items_list }}\n\n"
                "à :\n{{ return_address }}\n\n"
                "et indiquez-nous la taille souhaitée. Nous expédions la nouvelle taille dès "
                "que le retour est scanné par le transporteur.\n\n"
                "{{ agent_name }}, {{ store_name }}"
            ),
            "ja": (
                "{{ buyer_name }} 様\n\n"
                "サイズ交換を承ります。ご注文 {{ order_number }} の以下の商品を\n{{ items_list }}\n\n"
                "こちらまでご返送ください。\n{{ return_address }}\n\n"
                "ご希望のサイズもお知らせください。返送品の集荷が確認でき次第、新しいサイズを発送いたします。\n\n"
                "{{ store_name }}\n{{ agent_name }}"
            ),
            "zh": (
                "{{ buyer_name }}，您好：\n\n"
                "很乐意为您换尺码。请将订单 {{ order_number }} 中的以下商品：\n{{ items_list }}\n\n"
                "寄回至：\n{{ return_address }}\n\n"
                "并告诉我们您需要的尺码。承运商扫描退件后，我们会立即寄出新尺码。\n\n"
                "{{ agent_name }}，{{ store_name }}"
            ),
        },
    ),
}

# (name, template key or None, send, set_status, add_tags, assign_mode, team name or None)
SHARED_MACROS: tuple[tuple[str, str | None, bool, str, tuple[str, ...], str, str | None], ...] = (
    ("Tracking update → pending", "where-is-my-order", False, "pending", ("wismo",), "", None),
    ("Return label sent → pending", "return-instructions", False, "pending", ("return",), "", None),
    ("Refund done → solve", "refund-confirmed", True, "solved", ("refund",), "", None),
    ("Lost parcel: reship (take it)", "lost-parcel-reship", False, "pending",
     ("lost-parcel", "reship"), "self", None),
    ("Size exchange → pending", "size-exchange", False, "pending", ("exchange",), "", None),
    ("Send tracking link (shop orders)", "tracking-link", True, "pending", ("wismo",), "", None),
    ("Hand to Escalations", None, False, "on_hold", ("escalated",), "unassign", "Escalations"),
)  # fmt: skip
# username → (name, template key, add_tags): a personal macro of one demo agent.
PERSONAL_MACROS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "lena.schmidt": ("Meine Sendungsauskunft", "where-is-my-order", ("wismo", "de")),
}

# (title, language, issue types, tags, body)
ARTICLES: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    (
        "SOP: Lost parcel (no tracking scan for 7+ days)",
        "en",
        ("not_received",),
        "lost parcel carrier trace reship",
        "1. Check the tracking page from the order panel. A parcel counts as lost after 7 days "
        "without a scan (domestic) or 15 days (cross-border), or when the ticket shows it as "
        "stalled.\n"
        "2. Open a trace with the carrier (DHL, UPS, USPS, Royal Mail: online form; Yamato and "
        "Japan Post: phone) and note the trace id in an internal note.\n"
        "3. Do not wait for the trace result to act: orders under 80 USD are reshipped at once "
        "(macro 'Lost parcel: reship'); above, ask a supervisor whether to reship or refund.\n"
        "4. Amazon and eBay orders: never ask the buyer to open a claim; reply within 24 hours.\n"
        "5. Tag the ticket lost-parcel and set it to pending until the new tracking number "
        "exists.",
    ),
    (
        "SOP: Delivered but not received",
        "en",
        ("not_received",),
        "delivered not received neighbour proof of delivery",
        "1. Send the buyer the proof of delivery (photo or signature) from the carrier page.\n"
        "2. Ask them to check with neighbours, the building's reception and the mailbox for 48 "
        "hours.\n"
        "3. After 48 hours with no parcel: open a carrier investigation and refund or reship "
        "as for a lost parcel. Marketplace orders above 150 USD: supervisor first.",
    ),
    (
        "SOP: Returns (30 days)",
        "en",
        ("return_request",),
        "return label address 30 days",
        "1. Returns are accepted within 30 days of delivery, unused, with tags.\n"
        "2. Send the return instructions (macro 'Return label sent'): they carry the store's "
        "return address. Amazon orders: approve the return in Seller Central instead.\n"
        "3. Hygiene items (underwear, earrings) are not returnable unless faulty.\n"
        "4. Set the ticket to pending; it reopens when the buyer writes or the return is "
        "scanned.",
    ),
    (
        "SOP: Refunds",
        "en",
        ("refund_request", "return_request", "dispute"),
        "refund payment chargeback",
        "1. Refund to the original payment method only, never by bank transfer to another "
        "account.\n"
        "2. Full refund once the return is scanned by the carrier; faulty items with a photo "
        "are refunded without a return.\n"
        "3. Partial refunds (up to 20 % for a small defect) need the buyer's written agreement.\n"
        "4. A chargeback or PayPal dispute is open: do not refund outside it; escalate to "
        "Escalations with the dispute id.\n"
        "5. Confirm with the macro 'Refund done → solve'.",
    ),
    (
        "SOP: Size exchange",
        "en",
        ("size_issue",),
        "size exchange fit",
        "1. Check the size chart against the buyer's measurements first; suggest the size.\n"
        "2. One free exchange per order. The new size ships when the return is scanned "
        "(macro 'Size exchange').\n"
        "3. If the new size is out of stock, offer a refund or another colour.",
    ),
    (
        "SOP: Damaged item",
        "en",
        ("damaged", "quality_issue"),
        "damaged broken photo",
        "1. Ask for a photo of the item and of the outer box (both are needed for the carrier "
        "claim).\n"
        "2. Under 30 USD: refund or reship without a return. Above: reship, and the buyer "
        "returns the damaged item with a prepaid label.\n"
        "3. File the carrier damage claim within 7 days of delivery.",
    ),
    (
        "Procedimiento: devoluciones",
        "es",
        ("return_request",),
        "devolución etiqueta plazo",
        "1. Se aceptan devoluciones en un plazo de 30 días desde la entrega, sin usar y con "
        "etiquetas.\n"
        "2. Envía las instrucciones de devolución (macro 'Return label sent'); incluyen la "
        "dirección de devolución de la tienda.\n"
        "3. Los productos de higiene no se devuelven salvo defecto.\n"
        "4. Deja el ticket en pendiente hasta que el transportista escanee la devolución.",
    ),
    (
        "Verfahren: Verlorenes Paket",
        "de",
        ("not_received",),
        "verloren Nachforschungsauftrag Ersatzlieferung",
        "1. Ein Paket gilt nach 7 Tagen ohne Scan (national) bzw. 15 Tagen (international) als "
        "verloren.\n"
        "2. Nachforschungsauftrag beim Versanddienstleister stellen (DHL: Online-Formular) und "
        "die Nummer als interne Notiz festhalten.\n"
        "3. Bestellungen unter 80 EUR sofort neu senden; darüber entscheidet die Teamleitung "
        "zwischen Ersatzlieferung und Erstattung.",
    ),
    (
        "Procédure : échange de taille",
        "fr",
        ("size_issue",),
        "échange taille guide des tailles",
        "1. Vérifiez le guide des tailles avec les mesures du client et proposez une taille.\n"
        "2. Un échange gratuit par commande ; la nouvelle taille part dès que le retour est "
        "scanné.\n"
        "3. Taille épuisée : proposez un remboursement ou une autre couleur.",
    ),
    (
        "手順：返品・返金",
        "ja",
        ("return_request", "refund_request"),
        "返品 返金 返送",
        "1. 返品は商品到着後30日以内、未使用・タグ付きのものに限り受け付けます。\n"
        "2. 返品手順（マクロ「Return label sent」）を送付します。返送先住所が含まれます。\n"
        "3. 返金は元の決済方法のみ。配送業者による返送品のスキャン後、3営業日以内に返金します。\n"
        "4. Amazon の注文はセラーセントラルで返品を承認してください。",
    ),
    (
        "流程：丢件处理",
        "zh",
        ("not_received",),
        "丢件 查件 补发 退款",
        "1. 国内包裹 7 天、跨境包裹 15 天没有物流更新，即视为丢件。\n"
        "2. 向承运商发起查件，并把查件编号写在内部备注里。\n"
        "3. 订单金额低于 80 美元的直接补发（宏“Lost parcel: reship”）；高于的请主管决定补发还是退款。\n"
        "4. 亚马逊和 eBay 订单请在 24 小时内回复，切勿引导买家发起索赔。",
    ),
)

DEFAULT_RETURN_ADDRESS = "Afterdesk Returns\nLagerstraße 12\n04109 Leipzig\nGermany"
# store code → its own return address (the others use the default).
STORE_RETURN_ADDRESSES: dict[str, str] = {
    "amazon-us": "Returns Dept.\n1200 Commerce Way, Unit 4\nReno, NV 89502\nUSA",
    "amazon-jp": "返品センター\n〒272-0001 千葉県市川市二俣678\n物流センター 3F",
    "ebay-uk": "Returns\nUnit 7, Parkside Industrial Estate\nLeeds LS11 5SX\nUnited Kingdom",
}
