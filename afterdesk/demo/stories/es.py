"""Spanish texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="es",
    subjects={
        "not_received": ["¿Dónde está mi pedido {order}?", "Paquete no entregado"],
        "size_issue": ["Talla incorrecta", "{product} me queda pequeño"],
        "quality_issue": ["Producto dañado", "{product} defectuoso"],
        "wrong_item": ["Recibí un artículo equivocado", "Esto no es lo que pedí"],
        "missing_item": ["Falta un artículo en mi paquete", "Pedido {order} incompleto"],
        "usage_question": ["¿Cómo se usa el {product}?", "Pregunta sobre {product}"],
        "return_request": ["Devolución del pedido {order}", "Quiero devolver mi pedido"],
        "dispute": ["Reclamación del pedido {order}", "Disputa de cargo"],
    },
    inbound={
        "not_received": [
            "Hola, pedí el {product} (pedido {order}) hace dos semanas y todavía no ha "
            "llegado. El seguimiento {tracking} de {carrier} no se mueve. ¿Me pueden ayudar?",
            "Buenas, el pedido {order} aparece como entregado pero no he recibido nada. "
            "¿Dónde está mi paquete?",
            "Mi paquete lleva días parado. El número {tracking} muestra el mismo estado desde "
            "la semana pasada.",
        ],
        "size_issue": [
            "Hola, el {product} me queda muy pequeño. Uso la talla M y seguí su guía de tallas. "
            "¿Puedo cambiarlo por una L? Pedido {order}.",
            "El {product} es demasiado grande, quisiera una talla menos por favor.",
        ],
        "quality_issue": [
            "El {product} del pedido {order} llegó roto. Estoy muy decepcionada. Adjunto fotos.",
            "A los tres días el {product} dejó de funcionar. No es aceptable por ese precio.",
        ],
        "wrong_item": [
            "Pedí el {product} pero me llegó otra cosa. Pedido {order}. Envíenme el correcto, "
            "por favor.",
            "¡Color equivocado! Elegí negro y recibí beige. Pedido {order}.",
        ],
        "missing_item": [
            "Llegó mi pedido {order} pero el {product} no estaba en la caja.",
            "En el paquete del pedido {order} faltaba el cargador del {product}.",
        ],
        "usage_question": [
            "Hola, ¿cómo conecto el {product} con mi móvil? El manual no es claro.",
            "¿El {product} se puede lavar en lavadora? No lo encuentro en la etiqueta.",
        ],
        "return_request": [
            "Hola, quiero devolver el {product} del pedido {order}. ¿Cómo consigo la etiqueta "
            "de devolución?",
            "He cambiado de opinión sobre el {product}. ¿Todavía puedo devolverlo?",
        ],
        "dispute": [
            "Ya he esperado demasiado por el pedido {order}. Si no recibo un reembolso hoy, "
            "abriré una reclamación.",
            "Mi banco muestra un cargo de {amount} que no reconozco. Lo he disputado.",
        ],
    },
    first_replies={
        "not_received": [
            "Siento mucho que su {product} no haya llegado. He abierto una investigación con "
            "{carrier} para el envío {tracking} y le escribiré en 48 horas.",
            "Gracias por escribirnos. El paquete está retrasado en un centro de clasificación "
            "de {carrier}. ¿Puede confirmar su dirección de envío?",
        ],
        "size_issue": [
            "¡Lamento que la talla no sea la correcta! Podemos cambiar el {product} sin coste. "
            "¿Qué talla necesita?",
        ],
        "quality_issue": [
            "Lo siento mucho. ¿Podría enviarme una foto del defecto? Así le preparo un "
            "reemplazo o un reembolso enseguida.",
        ],
        "wrong_item": [
            "¡Disculpe la confusión con el pedido {order}! Hoy mismo le enviamos el {product} "
            "correcto; puede quedarse con el otro artículo.",
        ],
        "missing_item": [
            "Lamento que faltara el {product}. Estoy revisando el registro de embalaje del "
            "pedido {order}.",
        ],
        "usage_question": [
            "¡Buena pregunta! Mantenga pulsado el botón de encendido 5 segundos hasta que la "
            "luz parpadee en azul y seleccione el {product} en el Bluetooth de su móvil.",
        ],
        "return_request": [
            "Sin problema, he creado la devolución del pedido {order}. Adjunto la etiqueta "
            "prepagada de {carrier}.",
        ],
        "dispute": [
            "Entiendo su frustración y lamento la espera. Estoy revisando el pedido {order} "
            "ahora mismo.",
        ],
    },
    solve_replies={
        "not_received": [
            "Buenas noticias: {carrier} confirma la entrega de su paquete hoy. ¡Que disfrute "
            "su {product}!",
            "El transportista perdió el paquete; le hemos enviado uno nuevo por envío urgente. "
            "Nuevo seguimiento: {tracking}.",
            "He emitido un reembolso completo de {amount}.",
        ],
        "size_issue": [
            "Su cambio ya está en camino, seguimiento {tracking}.",
            "Le hemos reembolsado {amount} para que pueda quedarse con el {product}.",
        ],
        "quality_issue": [
            "He reembolsado {amount} por el {product} defectuoso. No hace falta devolverlo.",
            "Hoy ha salido un {product} de reemplazo. Disculpe las molestias.",
        ],
        "wrong_item": ["Su reembolso de {amount} está procesado. Gracias por su paciencia."],
        "missing_item": ["El {product} que faltaba se envió por separado: {tracking}."],
        "usage_question": [
            "¡Me alegra que ya funcione! Cierro el caso; responda si necesita algo."
        ],
        "return_request": ["Recibimos su devolución y le reembolsamos {amount}."],
        "dispute": [
            "He reembolsado {amount}. ¿Podría cerrar la reclamación por su parte?",
            "Acordamos un reembolso parcial de {amount}. Gracias por su comprensión.",
        ],
    },
    follow_ups=[
        "¿Hay alguna novedad?",
        "Aquí tiene las fotos que me pidió.",
        "Han pasado dos días sin respuesta.",
    ],
    reopens=[
        "Perdón, el problema ha vuelto. ¿Me ayudan otra vez?",
        "Todavía no he recibido el reembolso.",
    ],
    auto_ack=(
        "¡Gracias por contactarnos! Hemos recibido su mensaje sobre el pedido {order} y le "
        "responderemos en un día laborable."
    ),
    greeting="Hola, {customer}:",
    signoff="Un saludo,\n{agent}",
    csat_good=["Rápido y amable, ¡gracias!", "Muy buena atención."],
    csat_bad=["Tardaron demasiado.", "Sigue sin resolverse."],
    complaints=["El agente fue maleducado y cerró mi caso sin resolverlo."],
    first_names=["Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Javier", "Camila"],
    last_names=["García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández"],
)
