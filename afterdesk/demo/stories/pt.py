"""Portuguese (Brazilian) texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="pt",
    subjects={
        "not_received": ["Cadê meu pedido {order}?", "Pedido não entregue"],
        "size_issue": ["Tamanho errado", "{product} ficou pequeno"],
        "quality_issue": ["Produto chegou danificado", "{product} com defeito"],
        "wrong_item": ["Recebi o produto errado", "Não foi isso que comprei"],
        "missing_item": ["Faltou um item no pacote", "Pedido {order} incompleto"],
        "usage_question": ["Como usar o {product}?", "Dúvida sobre o {product}"],
        "return_request": ["Devolução do pedido {order}", "Quero devolver meu pedido"],
        "dispute": ["Disputa do pedido {order}", "Contestação de cobrança"],
    },
    inbound={
        "not_received": [
            "Olá, comprei o {product} (pedido {order}) há duas semanas e ainda não chegou. O "
            "rastreio {tracking} da {carrier} está parado há dias. Podem me ajudar?",
            "Oi, o pedido {order} aparece como entregue mas não recebi nada.",
            "Meu pacote está parado na alfândega há uma semana. Rastreio {tracking}.",
        ],
        "size_issue": [
            "Olá, o {product} ficou muito pequeno. Uso M e segui a tabela de medidas. Posso "
            "trocar por G? Pedido {order}.",
            "O {product} ficou grande demais, quero um tamanho menor.",
        ],
        "quality_issue": [
            "O {product} do pedido {order} chegou quebrado. Mando fotos em anexo.",
            "Depois de três dias o {product} parou de funcionar.",
        ],
        "wrong_item": [
            "Comprei o {product} mas recebi outra coisa. Pedido {order}. Por favor enviem o "
            "produto certo.",
            "Cor errada! Escolhi preto e veio bege. Pedido {order}.",
        ],
        "missing_item": [
            "O pedido {order} chegou, mas o {product} não estava na caixa.",
            "Faltou o carregador do {product} no pacote do pedido {order}.",
        ],
        "usage_question": [
            "Oi, como conecto o {product} no celular? O manual não ajuda.",
            "O {product} funciona em tomada 220V?",
        ],
        "return_request": [
            "Olá, quero devolver o {product} do pedido {order}. Como consigo a etiqueta?",
            "Me arrependi da compra do {product}. Ainda posso devolver?",
        ],
        "dispute": [
            "Já esperei demais pelo pedido {order}. Se não houver reembolso hoje vou abrir uma "
            "disputa.",
            "Apareceu uma cobrança de {amount} que não reconheço. Contestei no cartão.",
        ],
    },
    first_replies={
        "not_received": [
            "Sinto muito que o {product} ainda não chegou. Abri uma investigação com a "
            "{carrier} para o rastreio {tracking} e retorno em até 48 horas.",
            "Obrigado pelo contato. O pacote está retido na fiscalização aduaneira. Pode "
            "confirmar seu CPF e endereço?",
        ],
        "size_issue": [
            "Que pena que o tamanho não serviu! Trocamos o {product} sem custo. Qual tamanho "
            "você prefere?",
        ],
        "quality_issue": [
            "Sinto muito pelo ocorrido. Pode me enviar uma foto do defeito? Assim providencio "
            "a troca ou o reembolso.",
        ],
        "wrong_item": [
            "Desculpe pela troca no pedido {order}! Enviamos hoje o produto certo; pode ficar "
            "com o outro.",
        ],
        "missing_item": [
            "Sinto muito pela falta do {product}. Estou verificando o pedido {order}."
        ],
        "usage_question": [
            "Boa pergunta! Segure o botão liga/desliga por 5 segundos até a luz piscar em azul "
            "e escolha o {product} no Bluetooth do celular.",
        ],
        "return_request": [
            "Sem problemas, criei a devolução do pedido {order}. A etiqueta pré-paga segue em "
            "anexo.",
        ],
        "dispute": ["Entendo sua frustração e peço desculpas pela demora. Já estou verificando."],
    },
    solve_replies={
        "not_received": [
            "Boa notícia: a {carrier} confirmou a entrega hoje. Aproveite seu {product}!",
            "O pacote foi extraviado; enviamos outro. Novo rastreio: {tracking}.",
            "Fiz o reembolso integral de {amount}.",
        ],
        "size_issue": [
            "Sua troca já está a caminho, rastreio {tracking}.",
            "Reembolsamos {amount} e você pode ficar com o {product}.",
        ],
        "quality_issue": [
            "Reembolsei {amount} pelo produto com defeito. Não precisa devolver.",
            "Um novo {product} foi enviado hoje.",
        ],
        "wrong_item": ["Seu reembolso de {amount} foi processado. Obrigado pela paciência."],
        "missing_item": ["O item que faltava foi enviado separadamente: {tracking}."],
        "usage_question": ["Que bom que funcionou! Vou encerrar o atendimento."],
        "return_request": ["Recebemos sua devolução e reembolsamos {amount}."],
        "dispute": [
            "Reembolsei {amount}. Pode encerrar a disputa, por favor?",
            "Combinamos um reembolso parcial de {amount}. Obrigado.",
        ],
    },
    follow_ups=["Alguma novidade?", "Seguem as fotos.", "Dois dias sem resposta..."],
    reopens=["O problema voltou, podem ajudar de novo?", "O reembolso ainda não caiu."],
    auto_ack=(
        "Obrigado pelo contato! Recebemos sua mensagem sobre o pedido {order} e responderemos "
        "em até um dia útil."
    ),
    greeting="Olá, {customer}!",
    signoff="Abraços,\n{agent}",
    csat_good=["Atendimento rápido, obrigado!", "Muito bom."],
    csat_bad=["Demorou demais.", "Ainda não resolveram."],
    complaints=["O atendente foi grosseiro e encerrou meu chamado sem resolver."],
    first_names=["Ana", "João", "Beatriz", "Pedro", "Larissa", "Gabriel", "Juliana"],
    last_names=["Silva", "Santos", "Oliveira", "Souza", "Lima", "Costa", "Ferreira"],
)
