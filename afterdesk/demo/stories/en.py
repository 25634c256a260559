"""English texts for the demo data."""

from afterdesk.demo.stories import LanguagePack

PACK = LanguagePack(
    code="en",
    subjects={
        "not_received": ["Where is my order {order}?", "Package not delivered", "Still waiting"],
        "size_issue": ["Wrong size", "{product} is too small", "Size exchange for {order}"],
        "quality_issue": ["Item arrived damaged", "Defective {product}", "Poor quality"],
        "wrong_item": ["Received the wrong item", "This is not what I ordered"],
        "missing_item": ["Item missing from my package", "Order {order} incomplete"],
        "usage_question": ["How do I use the {product}?", "Question about {product}"],
        "return_request": ["Return request for {order}", "I want to return my order"],
        "dispute": ["A-to-z claim for order {order}", "Charge dispute"],
    },
    inbound={
        "not_received": [
            "Hi, I ordered the {product} (order {order}) two weeks ago and it still hasn't "
            "arrived. The {carrier} tracking {tracking} hasn't moved for days. Can you help?",
            "Hello, my order {order} says delivered but there is nothing at my door or with my "
            "neighbours. Where is my package?",
            "My parcel is stuck in transit. Tracking {tracking} shows the same status since "
            "last week. I need the {product} before my trip.",
        ],
        "size_issue": [
            "Hi, the {product} I received is way too small. I normally wear a M and followed "
            "your size chart. Can I exchange it for a L? Order {order}.",
            "The {product} runs very large, I'd like a smaller size please. Order {order}.",
            "Hello, the sizing on the {product} is off. Can you send one size up?",
        ],
        "quality_issue": [
            "The {product} from order {order} arrived with a crack on the side. Very "
            "disappointed. I've attached photos.",
            "After only three days the {product} stopped working. This is not acceptable for "
            "the price.",
            "The stitching on the {product} is coming apart already. Order {order}.",
        ],
        "wrong_item": [
            "I ordered the {product} but received something completely different. Order "
            "{order}. Please send the right item.",
            "Wrong colour! I picked black and got beige. Order {order}.",
        ],
        "missing_item": [
            "My order {order} arrived but the {product} was not in the box. Only one item out "
            "of two.",
            "The package for {order} was missing the charger that should come with the {product}.",
        ],
        "usage_question": [
            "Hi, how do I pair the {product} with my phone? The manual isn't clear.",
            "Can the {product} go in the dishwasher / washing machine? Couldn't find it on the "
            "label.",
            "Quick question: does the {product} work with a 220V outlet?",
        ],
        "return_request": [
            "Hello, I'd like to return the {product} from order {order}. It doesn't fit my "
            "needs. How do I get a return label?",
            "I changed my mind about the {product}. Is it still possible to return it?",
        ],
        "dispute": [
            "I've waited long enough for order {order}. I'm opening a claim with Amazon unless "
            "I get a full refund today.",
            "My bank shows a charge of {amount} I don't recognise for order {order}. I've "
            "disputed it.",
        ],
    },
    first_replies={
        "not_received": [
            "I'm sorry your {product} hasn't arrived yet. I've opened an investigation with "
            "{carrier} for tracking {tracking} and will update you within 48 hours.",
            "Thanks for reaching out. The parcel is with {carrier} ({tracking}); it's delayed "
            "at a sorting centre. Could you confirm your shipping address meanwhile?",
        ],
        "size_issue": [
            "Sorry the fit isn't right! We can exchange the {product} for another size at no "
            "cost. Which size would you like?",
            "Thanks for letting us know. Could you tell me your usual size and the measurement "
            "you took? I'll recommend the best fit for the exchange.",
        ],
        "quality_issue": [
            "I'm really sorry about the {product}. Could you send a photo of the defect? Then "
            "I can arrange a replacement or a refund right away.",
            "That shouldn't happen. I've passed this to our quality team and will propose a "
            "solution shortly.",
        ],
        "wrong_item": [
            "Apologies for the mix-up with order {order}! I'm sending the correct {product} "
            "today; you can keep or donate the other item.",
        ],
        "missing_item": [
            "Sorry that the {product} was missing. I'm checking the packing records for "
            "{order} and will get back to you today.",
        ],
        "usage_question": [
            "Good question! Hold the power button for 5 seconds until the light blinks blue, "
            "then select the {product} in your phone's Bluetooth settings.",
            "You can find the full manual for the {product} on our website under Support. Let "
            "me know if anything is unclear.",
        ],
        "return_request": [
            "No problem, I've created a return for order {order}. The prepaid {carrier} label "
            "is attached; please drop the parcel off within 14 days.",
        ],
        "dispute": [
            "I understand your frustration and I'm sorry for the wait. I'm reviewing order "
            "{order} now and will make this right.",
        ],
    },
    solve_replies={
        "not_received": [
            "Good news: {carrier} confirmed the delivery of your parcel today. Enjoy your "
            "{product}!",
            "The parcel was lost by the carrier, so I've sent a replacement with express "
            "shipping. New tracking: {tracking}.",
            "I've issued a full refund of {amount}. It will show on your statement in 3-5 days.",
        ],
        "size_issue": [
            "Your exchange is on its way, tracking {tracking}. Let me know if it fits!",
            "We've issued a partial refund of {amount} so you can keep the {product}.",
        ],
        "quality_issue": [
            "I've refunded {amount} for the defective {product}. No need to send it back.",
            "A replacement {product} has shipped today. Sorry again for the trouble.",
        ],
        "wrong_item": [
            "The correct {product} has been delivered according to {carrier}. Sorry again!",
            "Your refund of {amount} is processed. Thanks for your patience.",
        ],
        "missing_item": [
            "The missing {product} was shipped separately and is tracked under {tracking}.",
            "I've refunded {amount} for the missing item.",
        ],
        "usage_question": [
            "Glad it works now! I'll close this ticket, but just reply if you need anything.",
            "Hope this helps. I'm marking this as solved; reply any time to reopen it.",
        ],
        "return_request": [
            "We received your return and refunded {amount} to your original payment method.",
            "Your exchange has shipped. Thank you for shopping with us!",
        ],
        "dispute": [
            "I've refunded {amount} in full. Could you please close the claim on your side?",
            "We've agreed a partial refund of {amount}. Thank you for working with us.",
        ],
    },
    follow_ups=[
        "Any update on this?",
        "Here are the photos you asked for.",
        "I checked with my neighbours, nothing. Please advise.",
        "My size is usually M, chest 96 cm.",
        "Hello? It's been two days since your last message.",
    ],
    reopens=[
        "Sorry, the problem is back. Can you help again?",
        "The tracking number you gave me doesn't work.",
        "I still haven't received the refund.",
        "The replacement has the same defect.",
    ],
    auto_ack=(
        "Thanks for contacting us! We've received your message about order {order} and will "
        "reply within one business day."
    ),
    greeting="Hi {customer},",
    signoff="Best regards,\n{agent}",
    csat_good=["Quick and friendly, thanks!", "Great service", "Problem solved, thank you."],
    csat_bad=["Took far too long.", "Nobody really read my messages.", "Still not resolved."],
    complaints=[
        "The agent was rude and closed my ticket without solving anything.",
        "I was promised a call back that never happened.",
    ],
    first_names=["Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Jacob", "Chloe"],
    last_names=["Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Clark"],
)
