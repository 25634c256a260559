"""Japanese texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="ja",
    subjects={
        "not_received": ["注文{order}が届きません", "商品未着のお問い合わせ"],
        "size_issue": ["サイズが合いません", "{product}のサイズ交換"],
        "quality_issue": ["商品が破損していました", "{product}の不良について"],
        "wrong_item": ["違う商品が届きました", "注文と異なる商品"],
        "missing_item": ["商品が一部入っていません", "注文{order}の欠品"],
        "usage_question": ["{product}の使い方について", "{product}に関する質問"],
        "return_request": ["注文{order}の返品希望", "返品について"],
        "dispute": ["注文{order}のAmazonマーケットプレイス保証申請", "請求への異議"],
    },
    inbound={
        "not_received": [
            "2週間前に{product}を注文しました（注文番号{order}）が、まだ届いていません。"
            "{carrier}の追跡番号{tracking}が数日間更新されていません。確認していただけますか。",
            "注文{order}が配達済みになっていますが、受け取っていません。どうなっていますか。",
            "荷物が止まったままです。追跡番号{tracking}は先週から同じ状態です。",
        ],
        "size_issue": [
            "{product}が小さすぎました。普段はMサイズで、サイズ表も確認しました。"
            "Lサイズに交換できますか。注文番号{order}です。",
            "{product}が大きすぎるので、ワンサイズ小さいものに交換をお願いします。",
        ],
        "quality_issue": [
            "注文{order}の{product}にひびが入っていました。写真を添付します。とても残念です。",
            "{product}が3日で動かなくなりました。この価格でこれは困ります。",
        ],
        "wrong_item": [
            "{product}を注文しましたが、全く別の商品が届きました。注文番号{order}です。"
            "正しい商品を送ってください。",
            "色が違います。黒を注文したのにベージュが届きました。注文{order}。",
        ],
        "missing_item": [
            "注文{order}が届きましたが、{product}が箱に入っていませんでした。",
            "{product}に付属するはずの充電器が入っていませんでした。",
        ],
        "usage_question": [
            "{product}をスマートフォンと接続する方法を教えてください。説明書が分かりにくいです。",
            "{product}は食洗機で洗えますか。",
        ],
        "return_request": [
            "注文{order}の{product}を返品したいです。返品ラベルはどうすれば手に入りますか。",
            "{product}を返品することはまだ可能でしょうか。",
        ],
        "dispute": [
            "注文{order}をずっと待っています。本日中に返金がなければ保証申請をします。",
            "身に覚えのない{amount}の請求がありました。カード会社に異議を申し立てました。",
        ],
    },
    first_replies={
        "not_received": [
            "{product}がまだお手元に届いておらず、大変申し訳ございません。{carrier}に"
            "追跡番号{tracking}の調査を依頼しました。48時間以内にご連絡いたします。",
            "お問い合わせありがとうございます。お荷物は{carrier}の仕分けセンターで遅延して"
            "おります。お届け先住所をご確認いただけますでしょうか。",
        ],
        "size_issue": [
            "サイズが合わず申し訳ございません。{product}は無料で交換いたします。"
            "ご希望のサイズをお知らせください。",
        ],
        "quality_issue": [
            "ご迷惑をおかけし大変申し訳ございません。不具合箇所のお写真をお送りいただけ"
            "ますか。すぐに交換または返金を手配いたします。",
        ],
        "wrong_item": [
            "注文{order}で誤った商品をお送りし、申し訳ございません。本日正しい商品を発送"
            "いたします。お届けした商品はそのままお使いください。",
        ],
        "missing_item": ["欠品があり申し訳ございません。注文{order}の梱包記録を確認しております。"],
        "usage_question": [
            "お問い合わせありがとうございます。電源ボタンを青いランプが点滅するまで5秒"
            "長押しし、スマートフォンのBluetooth設定で{product}を選択してください。",
        ],
        "return_request": [
            "承知いたしました。注文{order}の返品を受け付けました。{carrier}の着払い伝票を"
            "添付いたします。",
        ],
        "dispute": [
            "お待たせしてしまい誠に申し訳ございません。ただちに注文{order}を確認いたします。",
        ],
    },
    solve_replies={
        "not_received": [
            "{carrier}より本日配達完了との連絡がありました。{product}をお楽しみください。",
            "配送業者で紛失したため、代替品を速達で発送しました。追跡番号：{tracking}",
            "{amount}を全額返金いたしました。",
        ],
        "size_issue": [
            "交換品を発送いたしました。追跡番号は{tracking}です。",
            "{amount}を一部返金いたしましたので、{product}はそのままお使いください。",
        ],
        "quality_issue": [
            "不良品の代金{amount}を返金いたしました。ご返送は不要です。",
            "本日、交換品の{product}を発送いたしました。",
        ],
        "wrong_item": ["{amount}の返金手続きが完了しました。ご辛抱いただきありがとうございます。"],
        "missing_item": ["不足していた商品を別便で発送いたしました：{tracking}"],
        "usage_question": ["解決して何よりです。本件はクローズさせていただきます。"],
        "return_request": ["返品を受領し、{amount}を返金いたしました。"],
        "dispute": [
            "{amount}を返金いたしました。お手数ですが申請の取り下げをお願いいたします。",
            "{amount}の一部返金で合意いたしました。ありがとうございました。",
        ],
    },
    follow_ups=[
        "その後いかがでしょうか。",
        "ご依頼の写真を添付します。",
        "2日間返信がありません。",
    ],
    reopens=["また同じ問題が起きました。", "返金がまだ確認できません。"],
    auto_ack=(
        "お問い合わせありがとうございます。注文{order}に関するメッセージを受け付けました。"
        "1営業日以内にご返信いたします。"
    ),
    greeting="{customer}様",
    signoff="よろしくお願いいたします。\n{agent}",
    csat_good=["迅速で丁寧な対応でした。", "ありがとうございました。"],
    csat_bad=["対応が遅すぎます。", "まだ解決していません。"],
    complaints=["担当者の対応が不誠実でした。"],
    first_names=["Yui", "Haruto", "Sakura", "Ren", "Hina", "Sota", "Mei"],
    last_names=["Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Kobayashi"],
)
