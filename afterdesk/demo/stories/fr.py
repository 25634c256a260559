"""French texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="fr",
    subjects={
        "not_received": ["Où est ma commande {order} ?", "Colis non reçu"],
        "size_issue": ["Mauvaise taille", "{product} trop petit"],
        "quality_issue": ["Article abîmé", "{product} défectueux"],
        "wrong_item": ["Mauvais article reçu", "Ce n'est pas ma commande"],
        "missing_item": ["Article manquant dans mon colis", "Commande {order} incomplète"],
        "usage_question": ["Comment utiliser {product} ?", "Question sur {product}"],
        "return_request": ["Retour de la commande {order}", "Demande de retour"],
        "dispute": ["Réclamation pour la commande {order}", "Contestation de paiement"],
    },
    inbound={
        "not_received": [
            "Bonjour, j'ai commandé {product} (commande {order}) il y a deux semaines et je ne "
            "l'ai toujours pas reçu. Le suivi {carrier} {tracking} ne bouge plus. Pouvez-vous "
            "m'aider ?",
            "Bonjour, la commande {order} est indiquée comme livrée mais je n'ai rien reçu.",
            "Mon colis est bloqué : le suivi {tracking} affiche le même statut depuis une semaine.",
        ],
        "size_issue": [
            "Bonjour, {product} taille beaucoup trop petit. Je fais du M et j'ai suivi votre "
            "guide des tailles. Puis-je l'échanger contre un L ? Commande {order}.",
            "{product} est trop grand, je voudrais une taille en dessous.",
        ],
        "quality_issue": [
            "{product} de la commande {order} est arrivé fissuré. Photos jointes. Très déçue.",
            "Au bout de trois jours, {product} ne fonctionne plus. Inacceptable à ce prix.",
        ],
        "wrong_item": [
            "J'ai commandé {product} mais j'ai reçu tout autre chose. Commande {order}. Merci "
            "de m'envoyer le bon article.",
            "Mauvaise couleur ! J'avais choisi noir et j'ai reçu beige. Commande {order}.",
        ],
        "missing_item": [
            "La commande {order} est arrivée mais {product} n'était pas dans le carton.",
            "Il manquait le chargeur de {product} dans le colis {order}.",
        ],
        "usage_question": [
            "Bonjour, comment associer {product} à mon téléphone ? La notice n'est pas claire.",
            "Est-ce que {product} passe au lave-vaisselle ? Je ne trouve pas l'info.",
        ],
        "return_request": [
            "Bonjour, je souhaite retourner {product} de la commande {order}. Comment obtenir "
            "une étiquette de retour ?",
            "J'ai changé d'avis pour {product}. Puis-je encore le retourner ?",
        ],
        "dispute": [
            "J'attends la commande {order} depuis trop longtemps. Sans remboursement "
            "aujourd'hui, j'ouvre un litige.",
            "Ma banque affiche un débit de {amount} que je ne reconnais pas. Je l'ai contesté.",
        ],
    },
    first_replies={
        "not_received": [
            "Je suis désolé que {product} ne soit pas encore arrivé. J'ai ouvert une enquête "
            "auprès de {carrier} pour le colis {tracking} et je reviens vers vous sous 48 h.",
            "Merci pour votre message. Le colis est retardé dans un centre de tri {carrier}. "
            "Pouvez-vous confirmer votre adresse de livraison ?",
        ],
        "size_issue": [
            "Désolé que la taille ne convienne pas ! Nous échangeons {product} gratuitement. "
            "Quelle taille souhaitez-vous ?",
        ],
        "quality_issue": [
            "Je suis vraiment désolé. Pourriez-vous m'envoyer une photo du défaut ? Je vous "
            "propose ensuite un remplacement ou un remboursement.",
        ],
        "wrong_item": [
            "Toutes nos excuses pour l'erreur sur {order} ! Le bon article part aujourd'hui ; "
            "vous pouvez garder l'autre.",
        ],
        "missing_item": [
            "Désolé pour {product} manquant. Je vérifie le bordereau d'emballage de {order}.",
        ],
        "usage_question": [
            "Bonne question ! Maintenez le bouton marche 5 secondes jusqu'à ce que le voyant "
            "clignote en bleu, puis choisissez {product} dans les réglages Bluetooth.",
        ],
        "return_request": [
            "Aucun problème, le retour de la commande {order} est créé. L'étiquette prépayée "
            "{carrier} est jointe.",
        ],
        "dispute": [
            "Je comprends votre agacement et je m'excuse pour l'attente. J'examine la commande "
            "{order} tout de suite.",
        ],
    },
    solve_replies={
        "not_received": [
            "Bonne nouvelle : {carrier} confirme la livraison aujourd'hui. Profitez bien de "
            "{product} !",
            "Le colis a été perdu par le transporteur ; un nouvel envoi express est parti, "
            "suivi {tracking}.",
            "Je vous ai remboursé {amount} en totalité.",
        ],
        "size_issue": [
            "Votre échange est en route, suivi {tracking}.",
            "Nous vous avons remboursé {amount} ; vous pouvez garder {product}.",
        ],
        "quality_issue": [
            "J'ai remboursé {amount} pour l'article défectueux, inutile de le renvoyer.",
            "Un {product} de remplacement est parti aujourd'hui. Encore désolé.",
        ],
        "wrong_item": ["Votre remboursement de {amount} est effectué. Merci de votre patience."],
        "missing_item": ["L'article manquant a été envoyé séparément : {tracking}."],
        "usage_question": ["Ravi que cela fonctionne ! Je clôture la demande."],
        "return_request": ["Nous avons reçu votre retour et remboursé {amount}."],
        "dispute": [
            "J'ai remboursé {amount}. Pourriez-vous clôturer le litige de votre côté ?",
            "Nous avons convenu d'un remboursement partiel de {amount}. Merci.",
        ],
    },
    follow_ups=[
        "Avez-vous du nouveau ?",
        "Voici les photos demandées.",
        "Toujours sans réponse depuis deux jours.",
    ],
    reopens=[
        "Désolée, le problème est revenu. Pouvez-vous m'aider à nouveau ?",
        "Je n'ai toujours pas reçu le remboursement.",
    ],
    auto_ack=(
        "Merci de nous avoir contactés ! Nous avons bien reçu votre message concernant la "
        "commande {order} et répondrons sous un jour ouvré."
    ),
    greeting="Bonjour {customer},",
    signoff="Cordialement,\n{agent}",
    csat_good=["Rapide et aimable, merci !", "Service impeccable."],
    csat_bad=["Beaucoup trop long.", "Toujours pas résolu."],
    complaints=["Le conseiller a été désagréable et a fermé ma demande sans la traiter."],
    first_names=["Camille", "Louis", "Léa", "Hugo", "Chloé", "Arthur", "Manon", "Jules"],
    last_names=["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand"],
)
