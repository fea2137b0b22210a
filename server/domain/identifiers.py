"""Check digits of the identifiers on an invoice: SIREN, SIRET, French VAT number, IBAN, BIC.

A typo in one of them makes an invoice the buyer's platform rejects (the French e-invoicing
reform checks SIREN/SIRET against the INSEE directory), so the back office refuses a number whose
check digits do not add up, and says which one.

- SIREN (9 digits) and SIRET (14 digits: the SIREN and a 5-digit establishment number) carry a
  Luhn check digit (INSEE). La Poste's establishments (SIREN 356 000 000) are the one documented
  exception: their SIRET's digits may sum to a multiple of 5 instead.
- A French intra-community VAT number is ``FR`` + a 2-digit key + the SIREN, the key being
  ``(12 + 3 × (SIREN mod 97)) mod 97`` (CGI ann. IV art. 242 nonies A, BOI-TVA-DECLA-20-30-20).
- An IBAN is valid when its digits, read as ISO 13616 prescribes (country and check moved to
  the end, letters as 10..35), leave 1 modulo 97. A BIC is 8 or 11 characters (ISO 9362).
"""

import re

LA_POSTE_SIREN = "356000000"
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def luhn_ok(digits: str) -> bool:
    """The Luhn check: from the right, every second digit doubled (minus 9 above 9)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def siren_ok(siren: str) -> bool:
    return len(siren) == 9 and luhn_ok(siren)


def siret_ok(siret: str) -> bool:
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0:
        return True
    return luhn_ok(siret)


def french_vat_for(siren: str) -> str:
    """The intra-community VAT number of a French company: ``FR`` + key + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def iban_ok(iban: str) -> bool:
    """ISO 13616 check (an IBAN written without spaces, in capitals)."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in moved)
    return int(number) % 97 == 1


def bic_ok(bic: str) -> bool:
    return bool(_BIC.fullmatch(bic))
