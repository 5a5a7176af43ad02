"""The words that are evidence for or against a person's name, in the BPO's languages.

Hand-kept, because no list in a package says which words open a name ("my name is",
"Pani", "Regards,") or which capitalised words in a contact centre's chats are never one
("Visa", "Customer", "Support", "Manila"). Entries are `fold`ed where they are compared
with text words, so "Señor" and "senor" are one entry. English, Spanish, Polish and
Tagalog/Filipino, for the sites in Manila, Krakow and Bogota and the markets they serve.
"""

from __future__ import annotations

from strongroom.dlp.recognizers.names import fold


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


#: Titles before a name; never part of it.
HONORIFICS: tuple[str, ...] = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Madam", "Ma'am", "Maam",
    "Mam", "Madame", "Mme", "Mlle", "Monsieur", "Señor", "Señora", "Señorita", "Senor",
    "Senora", "Senorita", "Sr", "Sra", "Srta", "Don", "Doña", "Dona", "Pan", "Pani", "Panie",
    "Państwo", "Herr", "Frau", "Gng", "Ginoong", "Ginang", "Bb", "Binibini", "Atty", "Engr",
    "Capt", "Rev", "Fr", "Sgt", "Lt", "Col", "TL", "Shri", "Sri", "Smt", "Shrimati", "M.",
    # written in lower case inside Spanish and Polish sentences ("Dear señor Pérez")
    "señor", "señora", "señorita", "senor", "senora", "pan", "pani", "panie", "don", "doña",
)  # fmt: skip

#: Lower-case words inside names: "Maria de la Cruz", "Ludwig van Beethoven".
PARTICLES: tuple[str, ...] = (
    "de", "del", "de la", "de las", "de los", "dela", "delos", "da", "das", "do", "dos",
    "di", "du", "van", "van der", "van den", "von", "der", "den", "le", "la", "bin",
    "binti", "bint", "al", "el", "y", "e", "ter", "ten",
)  # fmt: skip

#: Phrases after which the next words are the speaker's or cardholder's name.
STRONG_CUES: tuple[str, ...] = (
    "my name is", "my name's", "my full name is", "the name is", "the name's",
    "name is", "name was", "name on the card is", "name on the card", "name on card",
    "name on card is",
    "cardholder name is", "cardholder name", "cardholder is", "cardholder",
    "card holder name", "card holder", "account holder name", "account holder is",
    "account holder", "account name is", "account name", "full name is", "full name",
    "customer name", "customer name is", "caller name", "i am called", "please call me",
    "you can call me", "me llamo", "mi nombre es", "nombre del titular", "titular",
    "nazywam się", "nazywam sie", "mam na imię", "mam na imie", "imię i nazwisko",
    "imie i nazwisko", "ang pangalan ko ay", "pangalan ko ay", "pangalan ko",
)  # fmt: skip

#: Form fields: "Name: Maria Santos", "Cardholder: JOHN SMITH" (a colon must follow).
FIELDS: tuple[str, ...] = (
    "name", "full name", "customer name", "client name", "caller name", "cardholder",
    "card holder", "cardholder name", "name on card", "account holder", "account name",
    "beneficiary", "payee", "recipient", "contact name",
    "nombre", "nombre completo", "titular", "imię", "imie", "nazwisko", "imię i nazwisko",
    "imie i nazwisko", "pangalan",
)  # fmt: skip

#: Words of which every strong cue or field contains one: the scan for those cues runs
#: only when one of these is in the text.
CUE_KEYWORDS: tuple[str, ...] = (
    "name", "holder", "call me", "called", "llamo", "nombre", "titular", "nazywam",
    "imię", "imie", "nazwisko", "pangalan", "beneficiary", "payee", "recipient",
)  # fmt: skip

#: Phrases after which a known given name is a person, not an everyday word.
WEAK_CUES: tuple[str, ...] = (
    "this is", "it's", "it is", "i'm", "im", "i am", "speaking with", "speaking to",
    "you're speaking with", "you are speaking with", "you're speaking to", "spoke with",
    "spoke to", "talking to", "talking with", "talked to", "talk to", "ask for",
    "asked for", "transfer you to", "transferring you to", "transferred to",
    "put you through to", "on behalf of", "soy", "habla", "le habla", "jestem",
    "z tej strony", "ako si", "si", "agent", "supervisor", "colleague", "cx", "cust",
    "customer", "caller", "client", "chatting with", "you're chatting with",
    "you are chatting with", "through to",
    "you're through to", "you are through to", "approved by", "authorised by",
    "authorized by", "note by", "notes by", "signed by", "handled by", "escalated by",
    "escalated to", "assigned to", "team leader", "team lead",
)  # fmt: skip

#: A relative or partner named by the caller: what follows is a name, whatever the lists say
#: ("my mum Arnel Gatchalian").
RELATIONS: tuple[str, ...] = tuple(
    f"{whose} {who}"
    for whose in ("my", "our", "his", "her")
    for who in (
        "wife", "husband", "son", "daughter", "mother", "father", "mum", "mom", "dad",
        "brother", "sister", "partner", "spouse", "colleague", "friend", "grandmother",
        "grandfather", "aunt", "uncle", "boss", "manager", "landlord", "tenant",
    )
)  # fmt: skip

#: Greetings after which any name may follow, known to the lists or not ("Dear Arnel Ocampo,",
#: "Hi Marites,").
ADDRESSING: frozenset[str] = frozenset(
    {"dear", "hi", "hiya", "hello", "hey", "hola", "estimado", "estimada"}
)

#: Words right after a name that say someone is introducing themselves: "Rhea speaking",
#: "Juan here from Acme".
SELF_INTRODUCTIONS: tuple[str, ...] = ("speaking", "here", "al habla", "z tej strony")

#: What a name in brackets may be followed by: "(Suresh Iyer, spouse)".
RELATION_WORDS: tuple[str, ...] = (
    "spouse", "wife", "husband", "partner", "son", "daughter", "mother", "father", "mum",
    "mom", "dad", "brother", "sister", "friend", "colleague", "cardholder", "account holder",
)  # fmt: skip

#: Greetings after which a known given name (or, after "Dear", any name) is addressed.
GREETINGS: tuple[str, ...] = (
    "hi", "hiya", "hello", "hey", "dear", "thanks", "thank you", "good morning", "good afternoon",
    "good evening", "morning", "hola", "buenos días", "buenos dias", "buenas tardes",
    "buenas noches", "estimado", "estimada", "querido", "querida", "gracias",
    "dzień dobry", "dzien dobry", "cześć", "czesc", "witam", "szanowny panie",
    "szanowna pani", "dziękuję", "dziekuje", "salamat", "kumusta", "magandang umaga",
    "magandang hapon", "magandang gabi",
)  # fmt: skip

#: Closing lines of an e-mail; the sender's name follows on the next line.
SIGN_OFFS: tuple[str, ...] = (
    "regards", "best regards", "kind regards", "warm regards", "warmest regards",
    "best wishes", "best", "thanks", "many thanks", "thank you", "thanks again", "cheers",
    "sincerely", "yours sincerely", "yours faithfully", "yours truly", "respectfully",
    "all the best", "pozdrawiam", "z poważaniem", "z powazaniem", "serdecznie pozdrawiam",
    "saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente", "gracias",
    "salamat", "maraming salamat",
)  # fmt: skip

#: Speaker labels in transcripts and chat logs: "Customer (Maria Santos):".
LABELS: tuple[str, ...] = (
    "customer", "agent", "caller", "client", "rep", "representative", "advisor", "adviser",
    "supervisor", "csr", "operator", "consultant", "klient", "klientka", "konsultant",
    "konsultantka", "cliente", "agente", "asesor", "asesora",
)  # fmt: skip

#: Months and days: names only after a strong cue ("my name is April").
CALENDAR: frozenset[str] = _folded(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
    lunes martes miércoles jueves viernes sábado domingo
    styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad
    grudzień poniedziałek wtorek środa czwartek piątek sobota niedziela
    enero pebrero marso abril hunyo hulyo agosto setyembre oktubre nobyembre disyembre
    lunes martes miyerkules huwebes biyernes sabado linggo"""
)

#: Given names that are everyday English words: a name only with a known surname after.
AMBIGUOUS: frozenset[str] = _folded(
    """will may mark grace hope joy faith rose bill pat sue art guy rich sunny chance chase
    hunter page jack frank bob penny ruby amber crystal jade pearl ivy holly daisy lily iris
    violet hazel olive gene don ray rod drew miles lane dean price king prince major earl
    baron bishop cash sky storm rain star harmony melody destiny trinity unique precious
    genesis heaven honey angel happy lucky summer autumn winter dawn eve june april august
    an long son hung van ha my ho le ai mai la al ali bo co jo ma mo pa su ta ty cat sam
    tom tim kim lee dick buck colt cole gay grant hardy heath herb hill homer hunt jay
    justice kit lance leo mercy moss nick norm patience pierce prudence ransom reed rocky
    royal rusty sandy scott skip stone taylor tony victor wade ward warren wood worth young
    abby bud brook brooks carol clay cliff dale dell dot ernest glen gray grey ken mason
    neil nelson noble paris penn piper porter ramsey reese river rowan sage shay skye
    sterling terry todd trey tuck tucker ty uma val vera wes wren york zeal"""
)

#: Capitalised words that are never part of a person's name here (honorifics included:
#: they precede names; "Don" and "Doña" are also given names and stay out).
STOP: frozenset[str] = frozenset(
    fold(h) for h in HONORIFICS if h.lower() not in {"don", "doña", "dona"}
) | _folded(
    """a an the this that these those there here what when where why how who whom which
    if then so well oh ok okay alright right yes no not sure can could would should shall
    do does did is are was were be been have has had i you we they he she it my your our
    their his her its me us them all everyone anyone someone nobody team sir madam maam
    mam ma'am po opo cx cust hi hello hey dear thanks thank please sorry regards best kind
    cheers sincerely welcome good great morning afternoon evening night today tomorrow
    yesterday now just also and but or for from to of in on at by with as via per re fwd
    fw cc bcc subject date note attachment hola gracias saludos señor señora buenos buenas
    dzień dobry dziękuję pozdrawiam witam salamat kumusta magandang umaga hapon gabi
    customer customers client clients agent agents caller rep representative advisor
    adviser supervisor manager operator consultant member members user users
    support service services care desk help helpdesk department dept billing account
    accounts card cards credit debit bank banking order orders invoice ticket case refund
    payment payments transfer transaction delivery shipping tracking subscription plan
    premium gold silver platinum basic pro plus business personal online mobile app
    website portal login password email mail phone number address street avenue road
    city office branch centre center site floor building hub store shop company ltd inc
    llc corp corporation group holdings insurance airlines airways telecom energy
    university college school hospital clinic pharmacy hotel restaurant cafe
    visa mastercard amex american express discover maestro diners jcb unionpay rupay
    paypal venmo zelle revolut wise blik gcash paymaya citi chase santander bbva
    bancolombia davivienda nequi pko mbank ing hsbc barclays lloyds halifax natwest
    nationwide monzo wells fargo capital amazon prime walmart target costco ebay dhl
    fedex ups usps inpost allegro rappi mercado libre falabella exito google facebook
    meta instagram whatsapp messenger telegram viber zoom teams skype outlook gmail
    yahoo hotmail icloud iphone ipad android samsung galaxy apple microsoft windows
    netflix spotify disney uber grab lazada shopee tiktok twitter linkedin youtube
    vodafone orange movistar claro globe smart pldt verizon comcast xfinity
    english spanish polish filipino tagalog german french american british
    christmas easter covid internet wifi bluetooth
    manila makati taguig pasig quezon cebu davao krakow kraków warsaw warszawa wroclaw
    gdansk poznan lodz bogota bogotá medellin medellín cali barranquilla cartagena
    london paris berlin madrid barcelona dublin new york chicago texas california florida
    usa uk us eu philippines poland colombia india germany france spain australia mexico
    canada ireland europe asia america"""
)
