"""The people, places and look-alikes the evaluation corpus is written from.

Names are this corpus's own lists, drawn from the cultures a BPO's customers and agents come
from (English-speaking, Filipino, Polish, Spanish and Colombian, German, French, Indian). They
are deliberately independent of any recogniser's name data: a corpus built from the
recogniser's own lists would only measure that the lists agree with themselves.

The look-alikes are the hard negatives: text that a careless pattern mistakes for sensitive
data (an order number, a 16-digit case reference that fails Luhn, a tracking number, a version
number, a MAC address, a capitalised weekday or card brand). They are never labelled, so every
one a scanner reports is a false positive.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from strongroom.dlp import corpus_values as values


@dataclass(frozen=True, slots=True)
class Culture:
    """A naming tradition: given names by sex, surnames (Polish ones have a feminine form),
    how often a second surname follows, and the titles used before a surname."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    feminine: dict[str, str]
    second_surname: float
    titles: tuple[tuple[str, ...], tuple[str, ...]]  # (for women, for men)
    email_domains: tuple[str, ...]


def _names(listed: str) -> tuple[str, ...]:
    """Names from a comma-separated list (some names hold a space: "Mary Grace", "Dela Cruz")."""
    return tuple(n.strip() for n in listed.split(","))


_EN = Culture(
    female=_names(
        "Emily, Sarah, Jessica, Ashley, Olivia, Emma, Charlotte, Sophie, Hannah, Grace, "
        "Megan, Laura, Rachel, Amy, Lauren, Chloe, Kayla"
    ),
    male=_names(
        "James, John, Michael, David, Robert, William, Daniel, Thomas, Oliver, Harry, "
        "Jack, George, Matthew, Christopher, Ryan, Tyler"
    ),
    surnames=_names(
        "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, "
        "Taylor, Moore, Jackson, Thompson, White, Harris, Clark, Lewis, Robinson, "
        "Walker, Young, King, Wright, Green, Baker, Hill, Campbell, Mitchell, Roberts, "
        "Evans, Turner, Parker, Collins, Edwards, Murphy, Cook, Cooper, Bailey, Bell, "
        "Hughes, Price, O'Brien, MacDonald, Patel, Khan, Davies, Hall, Wood"
    ),
    feminine={},
    second_surname=0.0,
    titles=(("Ms.", "Mrs.", "Miss", "Ms"), ("Mr.", "Mr")),
    email_domains=_names(
        "gmail.com, yahoo.com, outlook.com, hotmail.co.uk, icloud.com, btinternet.com, "
        "aol.com, comcast.net"
    ),
)
_FIL = Culture(
    female=_names(
        "Maria, Angelica, Kristine, Rhea, Joy, Princess, Jasmine, Bea, Mary Grace, "
        "Lovely, Camille, Charmaine, Aileen, Rowena, Marites"
    ),
    male=_names(
        "Jose, Juan, Mark, Jerome, Carlo, Paolo, John Paul, Jan Michael, Rommel, Rodel, "
        "Christian, Jayson, Ramon, Noel, Arnel"
    ),
    surnames=_names(
        "Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Torres, Tomas, Andres, "
        "Castillo, Flores, Villanueva, Ramos, Aquino, Dela Cruz, De Leon, Del Rosario, "
        "Manalo, Pascual, Soriano, Navarro, Macaraeg, Dimaculangan, Panganiban, "
        "Gatchalian"
    ),
    feminine={},
    second_surname=0.0,
    titles=(("Ms.", "Mrs.", "Ma'am"), ("Mr.", "Sir")),
    email_domains=_names("gmail.com, yahoo.com, yahoo.com.ph, outlook.com, hotmail.com"),
)
_PL = Culture(
    female=_names(
        "Anna, Katarzyna, Małgorzata, Agnieszka, Magdalena, Joanna, Ewa, Zofia, "
        "Aleksandra, Natalia, Barbara, Dorota"
    ),
    male=_names(
        "Piotr, Krzysztof, Tomasz, Paweł, Michał, Marcin, Jakub, Łukasz, Grzegorz, "
        "Wojciech, Andrzej, Mateusz"
    ),
    surnames=_names(
        "Kowalski, Nowak, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, "
        "Zieliński, Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, "
        "Krawczyk, Piotrowski, Grabowski, Pawłowski"
    ),
    feminine={"ski": "ska", "cki": "cka", "dzki": "dzka"},
    second_surname=0.0,
    titles=(("Pani", "Ms."), ("Pan", "Mr.")),
    email_domains=_names("wp.pl, onet.pl, o2.pl, interia.pl, gmail.com"),
)
_ES = Culture(
    female=_names(
        "María, Laura, Valentina, Daniela, Camila, Lucía, Carmen, Paula, Sofía, "
        "Ana María, María José, Isabel, Natalia, Mariana"
    ),
    male=_names(
        "Juan, Carlos, Andrés, Santiago, Alejandro, Javier, Diego, Sergio, Juan Carlos, "
        "José Luis, Pablo, Felipe, Sebastián, Miguel Ángel"
    ),
    surnames=_names(
        "Pérez, García, Rodríguez, Martínez, López, González, Hernández, Sánchez, "
        "Ramírez, Torres, Gómez, Díaz, Muñoz, Rojas, Vargas, Moreno, Jiménez, Ruiz, "
        "Álvarez, Castro, Ortiz, Restrepo, Londoño, Fernández"
    ),
    feminine={},
    second_surname=0.5,
    titles=(("Sra.", "Ms.", "señora"), ("Sr.", "Mr.", "señor")),
    email_domains=_names(
        "gmail.com, hotmail.com, outlook.es, yahoo.es, une.net.co, telefonica.net"
    ),
)
_DE = Culture(
    female=_names(
        "Anna, Lena, Julia, Katharina, Sabine, Petra, Jana, Lea, Ursula, Monika, Franziska"
    ),
    male=_names(
        "Lukas, Jonas, Felix, Maximilian, Jürgen, Stefan, Andreas, Tobias, Klaus, "
        "Wolfgang, Matthias"
    ),
    surnames=_names(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, "
        "Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, "
        "Schwarz, Zimmermann, Krüger, Hartmann"
    ),
    feminine={},
    second_surname=0.0,
    titles=(("Frau", "Ms."), ("Herr", "Mr.")),
    email_domains=_names("gmx.de, web.de, t-online.de, gmail.com, posteo.de"),
)
_FR = Culture(
    female=_names(
        "Chloé, Camille, Léa, Manon, Inès, Julie, Marie, Élodie, Anne-Sophie, Céline, "
        "Amélie, Margaux"
    ),
    male=_names(
        "Lucas, Hugo, Louis, Nathan, Jean-Pierre, Nicolas, Julien, Antoine, Maxime, "
        "François, Mathieu, Pierre-Louis"
    ),
    surnames=_names(
        "Martin, Bernard, Dubois, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
        "Laurent, Lefebvre, Michel, Bertrand, Roux, Vincent, Fournier, Girard, Lefèvre, "
        "Mercier, Bonnet, Faure"
    ),
    feminine={},
    second_surname=0.0,
    titles=(("Mme", "Madame", "Ms."), ("M.", "Monsieur", "Mr.")),
    email_domains=_names("orange.fr, free.fr, laposte.net, gmail.com, sfr.fr"),
)
_IN = Culture(
    female=_names(
        "Priya, Ananya, Divya, Pooja, Sneha, Kavya, Lakshmi, Aishwarya, Neha, Meera, Deepika, Swati"
    ),
    male=_names(
        "Rahul, Amit, Arjun, Vikram, Rohan, Sanjay, Karthik, Venkatesh, Suresh, Aditya, "
        "Rajesh, Anil"
    ),
    surnames=_names(
        "Sharma, Verma, Gupta, Patel, Reddy, Iyer, Nair, Singh, Kumar, Rao, Mehta, "
        "Joshi, Subramanian, Krishnan, Chatterjee, Banerjee, Agarwal, Desai, Menon, "
        "Pillai"
    ),
    feminine={},
    second_surname=0.0,
    titles=(("Ms.", "Mrs."), ("Mr.", "Shri")),
    email_domains=_names("gmail.com, yahoo.co.in, rediffmail.com, outlook.com"),
)

CULTURES: dict[str, Culture] = {
    "US": _EN, "GB": _EN, "PH": _FIL, "PL": _PL, "CO": _ES, "ES": _ES, "DE": _DE, "FR": _FR,
    "IN": _IN,
}  # fmt: skip
COUNTRIES = tuple(CULTURES)
COUNTRY_WEIGHTS = (20, 20, 12, 10, 8, 8, 7, 7, 8)
# Where a BPO's agents sit: mostly Manila, Bengaluru, Bogotá and Kraków.
AGENT_COUNTRIES = ("PH", "IN", "CO", "PL")
AGENT_WEIGHTS = (45, 20, 17, 18)


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    last: str
    title: str
    middle: str = ""

    @property
    def full(self) -> str:
        return " ".join(n for n in (self.first, self.middle, self.last) if n)


def person(rng: random.Random, country: str) -> tuple[Person, Culture]:
    c = CULTURES[country]
    female = rng.random() < 0.55
    first = rng.choice(c.female if female else c.male)
    last = rng.choice(c.surnames)
    if female:
        for ending, fem in c.feminine.items():
            if last.endswith(ending):
                last = last[: -len(ending)] + fem
                break
    if c.second_surname and rng.random() < c.second_surname:
        second = rng.choice(c.surnames)
        if second != last:
            last = f"{last} {second}"
    middle = ""
    if country == "US" and rng.random() < 0.12:
        middle = rng.choice("ABCDEJKLMRST") + "."
    title = rng.choice(c.titles[0] if female else c.titles[1])
    return Person(first, last, title, middle), c


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def order_number(rng: random.Random) -> str:
    return rng.choice(
        (
            f"#{_d(rng, rng.randint(6, 8))}",
            f"ORD-{_d(rng, 7)}",
            f"{_d(rng, 3)}-{_d(rng, 7)}-{_d(rng, 7)}",
            f"A{_d(rng, 8)}",
            f"PO {4500000000 + rng.randint(0, 99999)}",
            f"#{rng.choice('BCDWX')}{_d(rng, 5)}-{_d(rng, 2)}",
        )
    )


def invoice_number(rng: random.Random) -> str:
    year = rng.randint(2022, 2026)
    return rng.choice(
        (
            f"INV-{year}-{_d(rng, 6)}",
            f"INV/{year % 100}/{_d(rng, 5)}",
            f"FV/{year}/{rng.randint(1, 12):02d}/{_d(rng, 3)}",
            f"F-{year}-{_d(rng, 4)}",
            f"#{_d(rng, 6)}",
        )
    )


def tracking_number(rng: random.Random) -> str:
    kind = rng.randint(0, 4)
    if kind == 0:
        alnum = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXY") for _ in range(6))
        return f"1Z{alnum}{_d(rng, 10)}"
    if kind == 1:
        return "9400" + _d(rng, 18)  # USPS, 22 digits, as printed on the label
    if kind == 2:
        digits = "9205" + _d(rng, 16)
        return " ".join(digits[i : i + 4] for i in range(0, 20, 4))
    if kind == 3:
        return f"{rng.choice(('RR', 'LX', 'CP', 'RB'))}{_d(rng, 9)}{rng.choice(('GB', 'PL', 'DE'))}"
    return _d(rng, rng.choice((20, 21, 22)))


def case_reference(rng: random.Random) -> str:
    digits = values.luhn_failing(rng)
    if rng.random() < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def ticket(rng: random.Random) -> str:
    return rng.choice(
        (f"CS-{rng.randint(2023, 2026)}-{_d(rng, 6)}", f"#{_d(rng, 7)}", f"TKT-{_d(rng, 6)}",
         f"INC{_d(rng, 7)}", f"SR {_d(rng, 3)}-{_d(rng, 4)}")
    )  # fmt: skip


def sku(rng: random.Random) -> str:
    return rng.choice(
        (f"SKU {_d(rng, 2)}-{_d(rng, 4)}-{rng.choice(('XL', 'M', 'S', 'BLK', 'WHT'))}",
         f"HX-{_d(rng, 4)}-{rng.choice('ABCD')}", f"SKU: {_d(rng, 6)}-{_d(rng, 2)}",
         f"WM-{_d(rng, 4)}-BLK", f"item {_d(rng, 8)}")
    )  # fmt: skip


_CURRENCY = {
    "US": ("$", "USD "), "GB": ("£", "GBP "), "PH": ("PHP ", "₱"), "PL": ("zł", "PLN "),
    "CO": ("COP ", "$ "), "DE": ("€", "EUR "), "FR": ("€", "EUR "), "ES": ("€", "EUR "),
    "IN": ("₹", "Rs. "),
}  # fmt: skip


def amount(rng: random.Random, country: str) -> str:
    """A sum of money as that country writes it (1,234.56; 1.234,56 €; 1 299,00 zł; ₹2,49,999)."""
    whole, cents = rng.choice((rng.randint(5, 99), rng.randint(100, 9999))), rng.randint(0, 99)
    sign = rng.choice(_CURRENCY[country])
    if country in ("DE", "FR", "ES"):
        text = f"{whole:,}".replace(",", "." if country != "FR" else " ") + f",{cents:02d}"
        return f"{text} €" if rng.random() < 0.5 else f"{sign}{text}"
    if country == "PL":
        return f"{whole:,}".replace(",", " ") + f",{cents:02d} zł"
    if country == "CO":
        return f"{sign}{whole * 1000:,}".replace(",", ".")
    if country == "IN" and whole >= 1000:
        lakh = whole * 100 + cents
        s = str(lakh)
        head, tail = s[:-3], s[-3:]
        groups = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        return f"{sign}{','.join(groups)},{tail}"
    return f"{sign}{whole:,}.{cents:02d}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def date(rng: random.Random) -> str:
    y, m, d = rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        (f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m}/{d}/{y}", f"{d:02d}.{m:02d}.{y}",
         f"{_MONTHS[m - 1]} {d}, {y}", f"{d} {_MONTHS[m - 1][:3]} {y}", f"{d}/{m}")
    )  # fmt: skip


def birth_date(rng: random.Random) -> str:
    y, m, d = rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((f"{d:02d}/{m:02d}/{y}", f"{m}/{d}/{y}", f"{y}-{m:02d}-{d:02d}",
                       f"{d} {_MONTHS[m - 1]} {y}"))  # fmt: skip


def expiry(rng: random.Random) -> str:
    m, y = rng.randint(1, 12), rng.randint(26, 31)
    return rng.choice((f"{m:02d}/{y}", f"{m:02d}/20{y}", f"{m}/{y}"))


def time_of_day(rng: random.Random) -> str:
    h, m = rng.randint(7, 21), rng.choice((0, 5, 15, 20, 30, 45, 50))
    return rng.choice((f"{h:02d}:{m:02d}", f"{(h - 1) % 12 + 1}:{m:02d} {'am' if h < 12 else 'pm'}",
                       f"{(h - 1) % 12 + 1}{'am' if h < 12 else 'pm'}"))  # fmt: skip


def account_number(rng: random.Random, country: str) -> str:
    """A domestic account number, never an IBAN."""
    if country == "GB":
        return f"sort code {_d(rng, 2)}-{_d(rng, 2)}-{_d(rng, 2)}, account {_d(rng, 8)}"
    if country == "US":
        routing = rng.choice(("021000021", "026009593", "121000358"))
        return f"routing {routing}, account {_d(rng, 10)}"
    if country == "PH":
        return f"savings acct {_d(rng, 4)}-{_d(rng, 4)}-{_d(rng, 4)}"
    if country == "IN":
        return f"A/c {_d(rng, 14)}, IFSC {rng.choice(('HDFC', 'ICIC', 'SBIN'))}0{_d(rng, 6)}"
    if country == "CO":
        return f"cuenta de ahorros {_d(rng, 3)}-{_d(rng, 6)}-{_d(rng, 2)}"
    return f"account no. {_d(rng, 4)}-{_d(rng, 6)}"


def version(rng: random.Random) -> str:
    a, b, c = rng.randint(1, 17), rng.randint(0, 30), rng.randint(0, 12)
    return rng.choice(
        (
            f"v{a}.{b}.{c}",
            f"{a}.{b}.{c}",
            f"v{a}.{b}.{c}.{rng.randint(0, 9)}",
            f"{a}.{b}.{c} (build {_d(rng, 4)})",
            f"{a}.{b}.{c}.{rng.randint(1000, 9999)}",
        )
    )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BRANDS = ("Visa", "Mastercard", "Amex", "American Express", "Discover", "Maestro")
CITIES = {
    "US": ("Austin", "Chicago", "Phoenix", "Denver", "Orlando"),
    "GB": ("London", "Manchester", "Leeds", "Bristol", "Glasgow"),
    "PH": ("Manila", "Cebu", "Quezon City", "Makati", "Davao"),
    "PL": ("Kraków", "Warszawa", "Gdańsk", "Wrocław", "Łódź"),
    "CO": ("Bogotá", "Medellín", "Cali", "Barranquilla"),
    "DE": ("Berlin", "München", "Hamburg", "Köln"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse"),
    "ES": ("Madrid", "Barcelona", "Valencia", "Sevilla"),
    "IN": ("Mumbai", "Bengaluru", "Chennai", "Pune", "Hyderabad"),
}
PRODUCTS = ("Galaxy S23", "iPhone 15 Pro", "Premium Plus plan", "Fibre 500", "Netflix",
            "Spotify Family", "AirPods Pro", "PlayStation 5", "Unlimited Max", "Gold Card",
            "Smart Home Hub", "Pixel 8", "Kindle Paperwhite", "Travel Insurance Plus")  # fmt: skip
# Shops and banks named after people: capitalised, name-shaped, and not a person.
STORES = ("Marks & Spencer", "Wells Fargo", "Sainsbury's", "Tesco", "Jollibee", "SM Supermalls",
          "Biedronka", "Carrefour", "El Corte Inglés", "Lidl", "Flipkart", "Walmart")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str


_COMPANIES = (
    ("Acme Bank", "acmebank"), ("Northwind Telecom", "northwind-telecom"),
    ("Contoso Mobile", "contosomobile"), ("Fabrikam Insurance", "fabrikam-insurance"),
    ("Tailspin Airways", "tailspinair"), ("Litware Broadband", "litware"),
    ("Woodgrove Bank", "woodgrovebank"), ("Adventure Works", "adventure-works"),
)  # fmt: skip
_TLD = {"US": "com", "GB": "co.uk", "PH": "com.ph", "PL": "pl", "CO": "com.co", "DE": "de",
        "FR": "fr", "ES": "es", "IN": "in"}  # fmt: skip


def company(rng: random.Random, country: str) -> Company:
    name, stem = rng.choice(_COMPANIES)
    return Company(name, f"{stem}.{_TLD[country]}")


# Look-alikes that depend on nothing but the draw, by the placeholder templates use for them.
NEGATIVES: dict[str, Callable[[random.Random], str]] = {
    "order": order_number,
    "invoice": invoice_number,
    "tracking": tracking_number,
    "caseref": case_reference,
    "ticket": ticket,
    "sku": sku,
    "date": date,
    "dob": birth_date,
    "expiry": expiry,
    "time": time_of_day,
    "version": version,
    "mac": values.mac,
    "last4": lambda rng: _d(rng, 4),
    "weekday": lambda rng: rng.choice(WEEKDAYS),
    "brand": lambda rng: rng.choice(BRANDS),
    "product": lambda rng: rng.choice(PRODUCTS),
    "store": lambda rng: rng.choice(STORES),
}
