"""German texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="de",
    subjects={
        "not_received": ["Wo ist meine Bestellung {order}?", "Paket nicht angekommen"],
        "size_issue": ["Falsche Größe", "{product} ist zu klein"],
        "quality_issue": ["Ware beschädigt angekommen", "{product} defekt"],
        "wrong_item": ["Falscher Artikel geliefert", "Das habe ich nicht bestellt"],
        "missing_item": ["Artikel fehlt im Paket", "Bestellung {order} unvollständig"],
        "usage_question": ["Frage zur Bedienung von {product}", "Wie benutze ich {product}?"],
        "return_request": ["Rücksendung Bestellung {order}", "Widerruf"],
        "dispute": ["A-bis-z-Garantieantrag zu {order}", "Zahlung angefochten"],
    },
    inbound={
        "not_received": [
            "Guten Tag, ich habe vor zwei Wochen {product} bestellt (Bestellung {order}) und "
            "es ist immer noch nicht da. Die {carrier}-Sendungsnummer {tracking} bewegt sich "
            "seit Tagen nicht. Können Sie helfen?",
            "Hallo, laut Sendungsverfolgung wurde {order} zugestellt, aber bei mir und den "
            "Nachbarn ist nichts angekommen.",
            "Mein Paket hängt fest. {tracking} zeigt seit letzter Woche denselben Status.",
        ],
        "size_issue": [
            "Hallo, {product} fällt viel zu klein aus. Ich trage sonst M und habe mich an die "
            "Größentabelle gehalten. Kann ich auf L umtauschen? Bestellung {order}.",
            "{product} ist zu groß, ich hätte gern eine Nummer kleiner.",
        ],
        "quality_issue": [
            "{product} aus Bestellung {order} kam mit einem Riss an. Fotos anbei. Sehr "
            "enttäuschend.",
            "Nach drei Tagen funktioniert {product} nicht mehr. Für den Preis inakzeptabel.",
        ],
        "wrong_item": [
            "Ich habe {product} bestellt, aber etwas völlig anderes bekommen. Bestellung "
            "{order}. Bitte senden Sie den richtigen Artikel.",
            "Falsche Farbe! Bestellt war Schwarz, geliefert wurde Beige. Bestellung {order}.",
        ],
        "missing_item": [
            "Bestellung {order} ist angekommen, aber {product} war nicht im Karton.",
            "Im Paket zu {order} fehlte das Ladegerät für {product}.",
        ],
        "usage_question": [
            "Hallo, wie verbinde ich {product} mit meinem Handy? Die Anleitung ist unklar.",
            "Darf {product} in die Spülmaschine? Auf dem Etikett steht nichts dazu.",
        ],
        "return_request": [
            "Guten Tag, ich möchte {product} aus Bestellung {order} zurückschicken. Wie "
            "bekomme ich ein Rücksendeetikett?",
            "Ich widerrufe hiermit den Kauf von {product} (Bestellung {order}).",
        ],
        "dispute": [
            "Ich warte schon viel zu lange auf {order}. Ohne Erstattung heute stelle ich einen "
            "A-bis-z-Garantieantrag.",
            "Meine Bank zeigt eine Abbuchung über {amount}, die ich nicht kenne. Ich habe sie "
            "zurückbuchen lassen.",
        ],
    },
    first_replies={
        "not_received": [
            "Es tut mir leid, dass {product} noch nicht angekommen ist. Ich habe bei {carrier} "
            "einen Nachforschungsauftrag für {tracking} gestellt und melde mich in 48 Stunden.",
            "Danke für Ihre Nachricht. Das Paket liegt verspätet in einem Verteilzentrum von "
            "{carrier}. Können Sie mir Ihre Lieferadresse bestätigen?",
        ],
        "size_issue": [
            "Schade, dass die Größe nicht passt! Wir tauschen {product} kostenlos um. Welche "
            "Größe möchten Sie?",
        ],
        "quality_issue": [
            "Das tut mir sehr leid. Könnten Sie mir ein Foto des Mangels schicken? Dann "
            "veranlasse ich sofort Ersatz oder eine Erstattung.",
        ],
        "wrong_item": [
            "Entschuldigen Sie die Verwechslung bei {order}! Der richtige Artikel geht heute "
            "raus; den anderen dürfen Sie behalten.",
        ],
        "missing_item": [
            "Es tut mir leid, dass {product} fehlte. Ich prüfe gerade die Packdaten zu {order}.",
        ],
        "usage_question": [
            "Gute Frage! Halten Sie die Ein-Taste 5 Sekunden gedrückt, bis die LED blau blinkt, "
            "und wählen Sie dann {product} in den Bluetooth-Einstellungen.",
        ],
        "return_request": [
            "Kein Problem, die Rücksendung für {order} ist angelegt. Das kostenlose "
            "{carrier}-Etikett finden Sie im Anhang.",
        ],
        "dispute": [
            "Ich verstehe Ihren Ärger und entschuldige mich für die Wartezeit. Ich prüfe "
            "{order} jetzt sofort.",
        ],
    },
    solve_replies={
        "not_received": [
            "Gute Nachricht: {carrier} hat die Zustellung heute bestätigt. Viel Freude mit "
            "{product}!",
            "Das Paket ist beim Versanddienstleister verloren gegangen. Ersatz ist per Express "
            "unterwegs, Sendungsnummer {tracking}.",
            "Ich habe Ihnen {amount} vollständig erstattet.",
        ],
        "size_issue": [
            "Ihr Umtausch ist unterwegs, Sendungsnummer {tracking}.",
            "Wir haben Ihnen {amount} teilerstattet, Sie dürfen {product} behalten.",
        ],
        "quality_issue": [
            "Ich habe {amount} für den defekten Artikel erstattet. Eine Rücksendung ist nicht "
            "nötig.",
            "Ein Ersatzartikel wurde heute verschickt. Entschuldigen Sie die Umstände.",
        ],
        "wrong_item": ["Ihre Erstattung über {amount} ist veranlasst. Danke für Ihre Geduld."],
        "missing_item": ["Der fehlende Artikel wurde separat verschickt: {tracking}."],
        "usage_question": ["Schön, dass es jetzt klappt! Ich schließe das Ticket."],
        "return_request": ["Ihre Rücksendung ist eingegangen, {amount} wurden erstattet."],
        "dispute": [
            "Ich habe {amount} erstattet. Bitte ziehen Sie den Antrag zurück.",
            "Wir haben uns auf eine Teilerstattung von {amount} geeinigt. Vielen Dank.",
        ],
    },
    follow_ups=[
        "Gibt es schon etwas Neues?",
        "Anbei die gewünschten Fotos.",
        "Seit zwei Tagen keine Antwort, bitte melden Sie sich.",
    ],
    reopens=[
        "Leider ist das Problem wieder da. Können Sie nochmal helfen?",
        "Die Erstattung ist bei mir noch nicht angekommen.",
    ],
    auto_ack=(
        "Vielen Dank für Ihre Nachricht zu Bestellung {order}! Wir antworten innerhalb eines "
        "Werktags."
    ),
    greeting="Hallo {customer},",
    signoff="Viele Grüße\n{agent}",
    csat_good=["Schnell und freundlich, danke!", "Top Service."],
    csat_bad=["Hat viel zu lange gedauert.", "Immer noch nicht gelöst."],
    complaints=["Die Mitarbeiterin war unfreundlich und hat mein Anliegen ignoriert."],
    first_names=["Anna", "Lukas", "Leonie", "Jonas", "Sophie", "Felix", "Marie", "Paul"],
    last_names=["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner"],
)
