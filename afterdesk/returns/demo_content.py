# ruff: noqa: E501 - buyer-facing prose in six languages reads better unwrapped
"""The demo's return emails (one reply template per step, each in English, Spanish, German,
French, Japanese and Chinese) and return addresses per market; loaded by
`returns.demo.returns_demo_load` (docs/returns.md, "Emails to the buyer")."""

from __future__ import annotations

# step → (template key, name, {language: body}); the default language is English.
STEP_TEMPLATES: dict[str, tuple[str, str, dict[str, str]]] = {
    "requested": (
        "return-requested",
        "Return: request received",
        {
            "en": "Hi {{ buyer_name }},\n\nWe have received your return request {{ rma }} for order {{ order_number }}:\n{{ return_items }}\n\nWe will get back to you shortly.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nHemos recibido tu solicitud de devolución {{ rma }} del pedido {{ order_number }}:\n{{ return_items }}\n\nTe responderemos en breve.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nwir haben Ihre Rücksendeanfrage {{ rma }} zur Bestellung {{ order_number }} erhalten:\n{{ return_items }}\n\nWir melden uns in Kürze.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nNous avons bien reçu votre demande de retour {{ rma }} pour la commande {{ order_number }} :\n{{ return_items }}\n\nNous revenons vers vous très vite.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\nご注文 {{ order_number }} の返品リクエスト（{{ rma }}）を承りました。\n{{ return_items }}\n\n追ってご連絡いたします。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n我们已收到您订单 {{ order_number }} 的退货申请（{{ rma }}）：\n{{ return_items }}\n\n我们会尽快回复您。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "approved": (
        "return-approved",
        "Return: approved, with the instructions",
        {
            "en": "Hi {{ buyer_name }},\n\nYour return {{ rma }} is approved. Print the return instructions here (they show the address and what to write on the parcel):\n{{ return_instructions_link }}\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nTu devolución {{ rma }} está aprobada. Imprime aquí las instrucciones (con la dirección y lo que debes escribir en el paquete):\n{{ return_instructions_link }}\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nIhre Rücksendung {{ rma }} ist genehmigt. Hier können Sie die Rücksendeanleitung drucken (mit der Adresse und dem, was auf das Paket gehört):\n{{ return_instructions_link }}\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nVotre retour {{ rma }} est accepté. Imprimez les instructions ici (l'adresse et ce qu'il faut écrire sur le colis) :\n{{ return_instructions_link }}\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n返品（{{ rma }}）を承認いたしました。返送先と箱への記載事項は、こちらの返品手順をご確認のうえ印刷してください。\n{{ return_instructions_link }}\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n您的退货 {{ rma }} 已获批准。请在此打印退货说明（含退货地址及包裹上需注明的内容）：\n{{ return_instructions_link }}\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "rejected": (
        "return-rejected",
        "Return: rejected, with the reason",
        {
            "en": "Hi {{ buyer_name }},\n\nWe are sorry: we cannot accept the return {{ rma }}. {{ return_note }}\n\nReply to this email if you have any question.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nLo sentimos: no podemos aceptar la devolución {{ rma }}. {{ return_note }}\n\nResponde a este correo si tienes cualquier duda.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nes tut uns leid: Wir können die Rücksendung {{ rma }} nicht annehmen. {{ return_note }}\n\nBei Fragen antworten Sie einfach auf diese E-Mail.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nNous sommes désolés : nous ne pouvons pas accepter le retour {{ rma }}. {{ return_note }}\n\nRépondez à cet e-mail pour toute question.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n申し訳ございませんが、返品（{{ rma }}）はお受けできません。{{ return_note }}\n\nご不明な点はこのメールにご返信ください。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n很抱歉，我们无法接受退货 {{ rma }}。{{ return_note }}\n\n如有疑问，请直接回复此邮件。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "label_sent": (
        "return-label-sent",
        "Return: label sent",
        {
            "en": "Hi {{ buyer_name }},\n\nYour return label for {{ rma }} is ready: tracking number {{ return_tracking_number }}. The instructions are here:\n{{ return_instructions_link }}\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nLa etiqueta de devolución de {{ rma }} está lista: número de seguimiento {{ return_tracking_number }}. Las instrucciones están aquí:\n{{ return_instructions_link }}\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nIhr Rücksendeetikett für {{ rma }} ist bereit: Sendungsnummer {{ return_tracking_number }}. Die Anleitung finden Sie hier:\n{{ return_instructions_link }}\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nVotre étiquette de retour pour {{ rma }} est prête : numéro de suivi {{ return_tracking_number }}. Les instructions sont ici :\n{{ return_instructions_link }}\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n返品（{{ rma }}）の送り状をご用意しました。追跡番号：{{ return_tracking_number }}\n手順はこちら：\n{{ return_instructions_link }}\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n退货 {{ rma }} 的退货运单已准备好，运单号：{{ return_tracking_number }}。退货说明见：\n{{ return_instructions_link }}\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "received": (
        "return-received",
        "Return: parcel received",
        {
            "en": "Hi {{ buyer_name }},\n\nYour return {{ rma }} has arrived at our warehouse. We will check the items and let you know.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nTu devolución {{ rma }} ha llegado a nuestro almacén. Revisaremos los artículos y te avisaremos.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nIhre Rücksendung {{ rma }} ist in unserem Lager angekommen. Wir prüfen die Artikel und melden uns.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nVotre retour {{ rma }} est arrivé à notre entrepôt. Nous vérifions les articles et revenons vers vous.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n返品（{{ rma }}）が倉庫に到着しました。商品を確認のうえ、ご連絡いたします。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n您的退货 {{ rma }} 已到达我们的仓库。我们检查商品后会通知您。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "retention_offered": (
        "return-keep-offer",
        "Return: offer to keep the item",
        {
            "en": "Hi {{ buyer_name }},\n\nInstead of sending the item back, would you like to keep it with {{ return_percent }}% refunded ({{ return_amount }})? Just reply yes or no.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nEn lugar de devolver el artículo, ¿quieres quedártelo con un reembolso del {{ return_percent }} % ({{ return_amount }})? Responde sí o no.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nmöchten Sie den Artikel behalten, statt ihn zurückzusenden, und {{ return_percent }} % ({{ return_amount }}) erstattet bekommen? Antworten Sie einfach mit Ja oder Nein.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nPlutôt que de renvoyer l'article, souhaitez-vous le garder avec {{ return_percent }} % remboursés ({{ return_amount }}) ? Répondez simplement oui ou non.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n商品をご返送いただく代わりに、{{ return_percent }}%（{{ return_amount }}）のご返金で商品をそのままお使いいただくことも可能です。ご希望かどうか、このメールにご返信ください。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n您是否愿意保留商品而不寄回，我们退还 {{ return_percent }}%（{{ return_amount }}）？请直接回复“是”或“否”。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "refunded": (
        "return-refunded",
        "Return: refunded",
        {
            "en": "Hi {{ buyer_name }},\n\nWe have refunded {{ return_amount }} for your return {{ rma }}. Depending on your bank it can take a few days to show.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nTe hemos reembolsado {{ return_amount }} por la devolución {{ rma }}. Según tu banco, puede tardar unos días en aparecer.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nwir haben Ihnen {{ return_amount }} für die Rücksendung {{ rma }} erstattet. Je nach Bank kann es einige Tage dauern, bis der Betrag sichtbar ist.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nNous vous avons remboursé {{ return_amount }} pour le retour {{ rma }}. Selon votre banque, cela peut prendre quelques jours.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n返品（{{ rma }}）について {{ return_amount }} をご返金いたしました。反映までに数日かかる場合がございます。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n我们已为退货 {{ rma }} 退款 {{ return_amount }}。视银行情况，到账可能需要几天。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
    "resolved": (
        "return-resolved",
        "Return: resolved without a refund",
        {
            "en": "Hi {{ buyer_name }},\n\nYour return {{ rma }} is settled: {{ return_resolution }}.\n\nKind regards,\n{{ agent_name }}\n{{ store_name }}",
            "es": "Hola, {{ buyer_name }}:\n\nTu devolución {{ rma }} está resuelta: {{ return_resolution }}.\n\nUn saludo,\n{{ agent_name }}\n{{ store_name }}",
            "de": "Hallo {{ buyer_name }},\n\nIhre Rücksendung {{ rma }} ist abgeschlossen: {{ return_resolution }}.\n\nFreundliche Grüße\n{{ agent_name }}\n{{ store_name }}",
            "fr": "Bonjour {{ buyer_name }},\n\nVotre retour {{ rma }} est réglé : {{ return_resolution }}.\n\nCordialement,\n{{ agent_name }}\n{{ store_name }}",
            "ja": "{{ buyer_name }} 様\n\n返品（{{ rma }}）の対応が完了しました：{{ return_resolution }}。\n\n{{ store_name }}\n{{ agent_name }}",
            "zh": "{{ buyer_name }}，您好：\n\n您的退货 {{ rma }} 已处理完毕：{{ return_resolution }}。\n\n{{ store_name }}\n{{ agent_name }}",
        },
    ),
}

# market → (warehouse, address): local returns for US, EU and JP, everything else to China.
MARKET_ADDRESSES: dict[str, tuple[str, str]] = {
    "US": (
        "Returns US (Reno, NV)",
        "Afterdesk Demo Returns\n1200 Logistics Way, Dock 4\nReno, NV 89502\nUnited States",
    ),
    "EU": (
        "Returns EU (Venlo)",
        "Afterdesk Demo Retouren\nLogistiekweg 12\n5928 LN Venlo\nNetherlands",
    ),
    "JP": (
        "Returns JP (Chiba)",
        "〒261-0002 千葉県千葉市美浜区新港 1-2\nAfterdesk Demo 返品センター",
    ),
    "": (
        "Return to China (Shenzhen)",
        "Afterdesk Demo Returns Center\n深圳市宝安区福永街道 88 号 3 楼\nShenzhen, Guangdong 518103\nChina",
    ),
}
