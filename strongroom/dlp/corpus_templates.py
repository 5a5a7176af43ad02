"""Lines of contact-centre text with holes: chats, call transcripts, emails and agent notes.

A hole is `{name}`; `corpus.py` fills it and labels what it wrote when the hole is sensitive.
Sensitive holes (each one labelled with its exact span):

    PERSON         {name} {first} {last} {name2} {agent} {agent_first}
    CREDIT_CARD    {card} (typed) {card_spoken} (read out digit by digit)
    IBAN_CODE      {iban}           US_SSN {ssn}            UK_NINO {nino}
    PHONE_NUMBER   {phone} {phone2} {company_phone}
    EMAIL_ADDRESS  {email} {agent_email} {support_email}
    IP_ADDRESS     {ip} {ip6}

Every other hole is context or a hard negative and is never labelled: {title} (Ms., Herr, Sra.
...), {company}, {city}, {amount}, {account}, and the look-alikes of `corpus_parts.NEGATIVES`
({order}, {caseref}, {tracking}, {version}, {mac}, {last4} ...). A line whose holes the
sample cannot fill ({ssn} outside the US, {nino} outside the UK, {iban} where the customer's
country has none here) is not drawn for that sample.
"""

from __future__ import annotations

# ---- chats: the customer types, the agent answers -------------------------------------------

CHAT_OPEN_AGENT = (
    "Hi, you're chatting with {agent_first} from {company}. How can I help today?",
    "Welcome to {company} support, my name is {agent_first}. What can I do for you?",
    "Hello! {agent_first} here from the {company} care team 😊 how can I help?",
    "Good day! This is {agent} of {company}. How may I assist you?",
)
CHAT_INTRO = (  # the customer's first line, most of the time
    "hello im {name}, I was charged {amount} twice on {date}",
    "my name is {name} and I have a problem with my {brand} card",
    "hi, it's {name}. my internet has been down since {weekday}",
    "Hi {agent_first}, {name} here, I need help with a refund",
    "hi",
)
CHAT_CUSTOMER = (
    "hi, my card is {card} exp {expiry}",
    "card number {card}, the cvv is on the back right?",
    "the card ending {last4} is the old one, the new one is {card}",
    "{card} exp {expiry} cvv on the back",
    "you can reach me on {phone}",
    "my number is {phone} or email {email}",
    "call me at {phone} after {time} pls",
    "email is {email}",
    "it's {email}",
    "my ssn is {ssn}",
    "SSN {ssn}, DOB {dob}",
    "social security number: {ssn}",
    "NI number is {nino}",
    "my national insurance no. {nino} if you need it",
    "NINO {nino}",
    "please refund to my account {iban}",
    "IBAN: {iban}",
    "can you send it to {iban}? name on the account is {name}",
    "tracking says {tracking} but nothing arrived",
    "the ref on the letter is {caseref}",
    "invoice {invoice} for {amount} is wrong",
    "I'm in {city} until {weekday}",
    "it worked on version {version} of the app",
    "I'm logging in from {ip} if that helps",
    "the app shows my IP as {ip6}",
    "my partner {name2} is also on the account",
    "ordered the {product} on {date}, order {order}",
    "bought it at {store} with my {brand}, receipt says {amount}",
    "ok thanks",
    "yes that's me",
    "sorry, my wifi dropped. order {order}",
    "it's for my mum {name2}, her number is {phone2}",
)
CHAT_AGENT = (
    "Thanks {first}, let me check that for you.",
    "Thank you, {title} {last}. One moment please.",
    "I can see order {order} placed {date} at {time} for {amount}.",
    "For security, can you confirm the last four digits of the card? I see one ending {last4}.",
    "I've opened case {ticket} for you.",
    "The refund of {amount} will go back to the {brand} card ending {last4} in 3-5 working days.",
    "Could you confirm the email on file? I have {email}.",
    "Your parcel {tracking} is with the courier.",
    "I can see a login from {ip} on {weekday} at {time}, was that you?",
    "Please don't share your full card number in chat, {first}.",
    "Is {phone} still the best number to reach you?",
    "You can also call us on {company_phone}, {weekday} to Friday.",
)
CHAT_CLOSE = (  # (speaker: 0 the customer, 1 the agent; line)
    (1, "Is there anything else I can help with, {first}?"),
    (1, "Thank you for contacting {company}. Have a great day!"),
    (0, "thanks bye"),
    (0, "ok thank you {agent_first}!"),
    (1, "Thanks for chatting with us, {first}! Ref: {ticket}"),
)

# ---- call transcripts: speech recognised, card numbers read out -----------------------------

CALL_OPEN_AGENT = (
    "Thank you for calling {company}, my name is {agent_first}, who am I speaking with?",
    "Good morning, {company}, {agent_first} speaking. Can I take your full name please?",
    "Hi, you're through to {agent_first} at {company}. How can I help?",
)
CALL_INTRO = (  # the caller's first line, most of the time
    "Hi yes this is {name}",
    "yeah hi it's {name}, I'm calling about my bill",
    "hiya, {name}, I'm ringing about a payment",
    "good morning, my name is {name}",
)
CALL_CALLER = (
    "sure it's {card_spoken}",
    "yeah the card number is {card_spoken} and the expiry is {expiry}",
    "ok so it's {card_spoken}",
    "the long number on the card, {card_spoken}",
    "the number I'm calling from is {phone}",
    "you can call me back on {phone}",
    "my social is {ssn}",
    "national insurance number {nino}",
    "yeah it's {nino}, that's my national insurance",
    "I want it paid into {iban}",
    "my IBAN is {iban}",
    "I paid with the card ending in {last4}",
    "my order number is {order}",
    "I was charged {amount} on {date}",
    "I'm in {city} at the moment so the signal is bad",
    "it's {email}",
    "the email should be {email}",
    "it's my partner's account actually, {name2}",
    "um the reference on the letter is {caseref}",
    "I tried on the app, version {version}, it just crashes",
    "yeah that's right",
    "no, sorry, it was {weekday}",
)
CALL_AGENT = (
    "Thanks {title} {last}. Can I take the long card number please?",
    "Let me read that back: {card_spoken}, is that correct?",
    "Thank you {first}. And the email address on the account?",
    "I can see the order {order} placed on {date}.",
    "Your reference is {ticket}.",
    "Okay, I've sent a text to {phone}.",
    "I'm just going to put you on hold for a moment, {first}.",
    "For security, what's the postcode and date of birth? I have {dob} here.",
    "The refund of {amount} should show in three to five working days.",
    "I can see a sign-in from {ip}, was that you?",
    "Is this call about the {product}?",
)
CALL_CLOSE = (
    (1, "Is there anything else I can help with today?"),
    (1, "Thanks for calling {company}, {first}. Bye now."),
    (0, "okay thank you bye"),
    (0, "brilliant, thanks {agent_first}"),
)

# ---- emails: a customer writes in, or an agent replies --------------------------------------

EMAIL_SUBJECTS = (
    "Refund request",
    "Complaint about order {order}",
    "Card charged twice",
    "Change of bank details",
    "Account access",
    "Re: Your case {ticket}",
    "Invoice {invoice}",
    "Parcel not delivered ({tracking})",
)
EMAIL_GREETINGS = ("Hi,", "Hello {agent_first},", "Dear {company} team,", "Dear Sir or Madam,",
                   "Hello,", "To whom it may concern,")  # fmt: skip
EMAIL_BODY = (
    "I am writing about invoice {invoice} dated {date}, which shows {amount} instead of {amount}.",
    "Please refund the amount to my bank account, IBAN {iban} (account holder {name}).",
    "My new bank details are: IBAN {iban}. Please stop using the old {account}.",
    "My card {card} was charged twice on {date}.",
    "The charge of {amount} on my {brand} card ending {last4} is not mine.",
    "You can call me on {phone} between {time} and {time}.",
    "My order {order} (tracking {tracking}) has not arrived.",
    "My National Insurance number is {nino}, as requested.",
    "NI number: {nino}. Date of birth: {dob}.",
    "For verification my SSN is {ssn} and my date of birth is {dob}.",
    "I noticed a login from {ip} on {weekday} which was not me.",
    "The app (version {version}) keeps crashing on my {product}.",
    "I have been a customer since {date} and this is the first time I complain.",
    "Your colleague {agent} told me on {weekday} that it would be sorted.",
    "The case reference you gave me, {caseref}, does not work on your website.",
    "Please also update my email to {email}; the old one no longer works.",
    "My partner {name2} can also be contacted on {phone2}.",
    "I bought the {product} from {store} on {date} for {amount}.",
    "Our router ({mac}) shows the public address {ip6} when it drops.",
)
EMAIL_SIGNOFFS = (
    "Kind regards,\n{name}\n{phone}",
    "Thanks,\n{first}",
    "Best,\n{name}\n{email} | {phone}",
    "Regards,\n{name}",
    "Sent from my {product}\n\n{name}",
    "Many thanks\n{name}\nMobile: {phone}",
)
EMAIL_REPLY_BODY = (
    "Thank you for contacting {company} about order {order}.",
    "I have refunded {amount} to the card ending {last4}; please allow 3-5 working days.",
    "I have updated the payment details to the IBAN ending {last4}.",
    "Your case reference is {ticket}. Please quote it if you call us on {company_phone}.",
    "We have noticed a sign-in from {ip} on {date} at {time} and have locked the account.",
    "Your parcel {tracking} is now out for delivery.",
    "As requested, we have sent a copy of invoice {invoice} to {email}.",
)
EMAIL_REPLY_SIGNATURES = (
    "Kind regards,\n{agent}\n{company} Customer Care\nT: {company_phone} | E: {agent_email}",
    "Best regards,\n{agent_first}\n{company} Support\n{support_email}",
    "Regards,\n{agent}\nCustomer Relations, {company}\n{company_phone}",
)
EMAIL_QUOTE = "On {date}, {name} <{email}> wrote:"

# ---- agent notes: terse, abbreviated, written after the contact -----------------------------

NOTE_HEADERS = (
    "Note by {agent} {date} {time}:",
    "[{date} {time}] {agent_first}:",
    "Wrap-up ({ticket}):",
    "Case notes - {ticket}",
)
NOTE_LINES = (
    "Cx {name} called re: double charge {amount} on {date}.",
    "Spoke to {title} {last}, advised 3-5 working days.",
    "Verified ID via SSN {ssn} + DOB {dob}.",
    "ID&V passed (NINO {nino}, postcode).",
    "NI no {nino} confirmed against HMRC letter.",
    "New card {card} added, old card ending {last4} blocked.",
    "Card {card} exp {expiry} - flagged for chargeback.",
    "Refund to IBAN {iban} approved by TL {agent}.",
    "Callback requested on {phone} after {time}.",
    "Alt contact {phone2} ({name2}, spouse).",
    "Email updated to {email}.",
    "Suspicious login from {ip} / {ip6} - escalated, case {ticket}.",
    "Login IP {ip} matches usual location ({city}).",
    "Order {order}, tracking {tracking}, {sku}.",
    "Customer in {city}, prefers {weekday} calls.",
    "Router MAC {mac}, firmware {version}.",
    "Case ref {caseref} linked.",
    "Paid {amount} by {brand}, receipt {invoice}.",
    "Bank details on file: {account}.",
    "Cust. using app {version}, advised update.",
    "Sent summary to {email}.",
)
