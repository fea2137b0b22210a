"""The words of every notification, in French and English: pure, no delivery library.

A notification renders to a `Message`: a title and a body for the phone's notification or the
email's subject and first paragraph, and the screen of the app to open (``/#month=2026-11`` for
the consultant's month, ``/#review=<consultant id>/2026-11`` for a month to approve or sign).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from server.domain.reminders import BEFORE_CLOSE, REMINDER, Kind
from sync.months import MonthKey

LANGUAGES = ("fr", "en")

MAX_COMMENT = 300
"""Characters of a send-back comment quoted in a notification: a push message carries at most
3993 bytes (RFC 8291, one 4096-byte record), and the app shows the whole comment anyway."""
MAX_NAME = 80

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


@dataclass(frozen=True)
class Message:
    """What a person reads.

    Attributes:
        language: ``fr`` or ``en``.
        title: One line.
        body: One or two sentences (the sender's comment included when sent back).
        url: The app screen to open, a path with a fragment.
    """

    language: str
    title: str
    body: str
    url: str


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def month_name(month: MonthKey, language: str) -> str:
    """``novembre 2026`` / ``November 2026``."""
    return f"{MONTHS[language][month.month - 1]} {month.year}"


def french_of(words: str) -> str:
    """French "de" before ``words``, elided before a vowel: "d'octobre 2026", "de novembre"."""
    return f"d'{words}" if words[:1].lower() in "aeiouyhéèêâîôû" and words else f"de {words}"


def render(*, kind: Kind, language: str, month: MonthKey, data: dict[str, Any]) -> Message:
    """Write the notification of ``kind`` about ``month`` in ``language``.

    Args:
        kind: What the notification is about.
        language: ``fr`` or ``en`` (anything else falls back to French).
        month: The month.
        data: Details: ``occurrence`` (``before_close``/``last_day``), ``days_left`` (int),
            ``consultant_name``, ``consultant_id``, ``by_name``, ``comment``, ``relance`` (int).

    Returns:
        The message.
    """
    lang = language if language in LANGUAGES else "fr"
    name = month_name(month, lang)
    of_month = french_of(name)
    own = f"/#month={month}"
    review = f"/#review={data.get('consultant_id', '')}/{month}"
    who = shorten(str(data.get("consultant_name") or ""), MAX_NAME)
    by = shorten(str(data.get("by_name") or ""), MAX_NAME)
    fr = lang == "fr"
    of_who = french_of(who)
    if kind is Kind.MONTH_NOT_SUBMITTED:
        if data.get("occurrence") == REMINDER:
            title = f"Relance : CRA {of_month}" if fr else f"Reminder: {name} report"
            body = (
                f"{by or 'Votre manager'} vous rappelle de compléter et d'envoyer votre CRA "
                f"{of_month}."
                if fr
                else f"{by or 'Your manager'} reminds you to complete and submit your {name} "
                "activity report."
            )
        elif data.get("occurrence") == BEFORE_CLOSE:
            left = int(data.get("days_left", 2))
            title = f"CRA {of_month} à envoyer" if fr else f"{name} report to submit"
            body = (
                f"Votre CRA {of_month} n'est pas envoyé : il reste {left} jours ouvrés avant la "
                "fin du mois."
                if fr
                else f"Your {name} activity report is not submitted: {left} working days left "
                "before month close."
            )
        else:
            title = f"Dernier jour pour le CRA {of_month}" if fr else f"Last day for {name}"
            body = (
                f"C'est le dernier jour ouvré du mois : pensez à envoyer votre CRA {of_month}."
                if fr
                else f"Today is the last working day of the month: please submit your {name} "
                "activity report."
            )
        return Message(lang, title, body, own)
    if kind is Kind.WAITING_ON_YOU:
        relance = int(data.get("relance", 0))
        if fr:
            title = "Relance : un CRA vous attend" if relance else "Un CRA attend votre validation"
            body = f"Le CRA {of_month} {of_who} attend votre validation ou votre signature."
        else:
            title = "Reminder: a report waits for you" if relance else "A report waits for you"
            body = f"{who}'s {name} activity report waits for your approval or signature."
        return Message(lang, title, body, review)
    if kind is Kind.APPROVED:
        title = f"CRA {of_month} validé" if fr else f"{name} report approved"
        body = (
            f"Votre CRA {of_month} a été validé par {by}."
            if fr
            else f"Your {name} activity report was approved by {by}."
        )
        return Message(lang, title, body, own)
    if kind is Kind.SENT_BACK:
        comment = shorten(str(data.get("comment") or ""), MAX_COMMENT)
        title = f"CRA {of_month} renvoyé" if fr else f"{name} report sent back"
        body = (
            f"{by} vous a renvoyé votre CRA {of_month} : « {comment} »"
            if fr
            else f'{by} sent your {name} activity report back: "{comment}"'
        )
        return Message(lang, title, body, own)
    if kind in (Kind.LEAVE_REQUESTED, Kind.LEAVE_DECIDED):
        return _leave(kind=kind, lang=lang, who=who, by=by, data=data)
    title = f"CRA {of_month} signé" if fr else f"{name} report signed"
    body = (
        f"Votre CRA {of_month} a été signé par {by}."
        if fr
        else f"Your {name} activity report was signed by {by}."
    )
    return Message(lang, title, body, own)


LEAVE_TYPES = {
    "fr": {"CP": "congés payés", "RTT": "RTT", "sans_solde": "congé sans solde"},
    "en": {"CP": "paid leave", "RTT": "RTT", "sans_solde": "unpaid leave"},
}
ASKED_FR = {"CP": "des congés payés", "RTT": "des RTT", "sans_solde": "un congé sans solde"}
"""What a consultant asks for, with the French article each type takes."""


def day_name(day: date, language: str) -> str:
    """``23 novembre 2026`` / ``23 November 2026``."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def leave_span(data: dict[str, Any], language: str) -> str:
    """The dates of a leave request in words, its half days said: "du 23 novembre 2026
    (après-midi) au 27 novembre 2026", "on 23 November 2026 (morning)"."""
    fr = language == "fr"
    first = date.fromisoformat(str(data["first_day"]))
    last = date.fromisoformat(str(data["last_day"]))
    noon = " (après-midi)" if fr else " (afternoon)"
    morning = " (matin)" if fr else " (morning)"
    start = day_name(first, language) + (noon if data.get("first_afternoon") else "")
    end = day_name(last, language) + (morning if data.get("last_morning") else "")
    if first == last:
        half = noon if data.get("first_afternoon") else morning if data.get("last_morning") else ""
        return (
            f"le {day_name(first, language)}{half}"
            if fr
            else f"on {day_name(first, language)}{half}"
        )
    return f"du {start} au {end}" if fr else f"from {start} to {end}"


def _leave(*, kind: Kind, lang: str, who: str, by: str, data: dict[str, Any]) -> Message:
    """A leave request arrived (to the manager, opens the approvals) or was decided (to the
    consultant, opens their leave screen); docs/leave.md."""
    fr = lang == "fr"
    leave_kind = str(data.get("leave_kind", ""))
    what = LEAVE_TYPES[lang].get(leave_kind, leave_kind)
    span = leave_span(data, lang)
    if kind is Kind.LEAVE_REQUESTED:
        if fr:
            title = f"Demande de congés {french_of(who)}"
            asked = ASKED_FR.get(leave_kind, what)
            body = f"{who} demande {asked} {span}. À accepter ou refuser dans Carnet."
        else:
            title = f"Leave request from {who}"
            body = f"{who} asks for {what} {span}. Approve or refuse it in Carnet."
        return Message(lang, title, body, "/#approvals")
    request = f"votre demande de {what} {span}" if fr else f"your request for {what} {span}"
    if data.get("status") == "approved":
        title = "Congés acceptés" if fr else "Leave approved"
        body = f"{by} a accepté {request}." if fr else f"{by} approved {request}."
        return Message(lang, title, body, "/#leave")
    reason = shorten(str(data.get("reason") or ""), MAX_COMMENT)
    title = "Congés refusés" if fr else "Leave refused"
    body = (
        f"{by} a refusé {request} : « {reason} »" if fr else f'{by} refused {request}: "{reason}"'
    )
    return Message(lang, title, body, "/#leave")


def signer_link_email(
    *, language: str, month: MonthKey, consultant_name: str, link: str
) -> Message:
    """The email inviting a client signer to sign a month (the signature-link code sends it)."""
    lang = language if language in LANGUAGES else "fr"
    name = month_name(month, lang)
    of_month, of_consultant = french_of(name), french_of(consultant_name)
    if lang == "fr":
        return Message(
            lang,
            f"CRA {of_month} {of_consultant} à signer",
            f"Le CRA {of_month} {of_consultant} est prêt. Ouvrez ce lien pour le lire et le "
            f"signer avec votre clé d'accès : {link}",
            link,
        )
    return Message(
        lang,
        f"{consultant_name}'s {name} report to sign",
        f"{consultant_name}'s {name} activity report is ready. Open this link to read it and "
        f"sign it with your passkey: {link}",
        link,
    )


def signer_link_requested_email(
    *,
    language: str,
    month: MonthKey,
    consultant_name: str,
    signer_name: str,
    resent: bool,
    url: str,
) -> Message:
    """The email telling the ESN a client signer asked for a new signature link (their link
    had expired or no longer opened); ``resent`` says whether a fresh link went to them."""
    lang = language if language in LANGUAGES else "fr"
    name = month_name(month, lang)
    consultant = shorten(consultant_name, MAX_NAME)
    signer = shorten(signer_name, MAX_NAME)
    if lang == "fr":
        of_month, of_consultant = french_of(name), french_of(consultant)
        outcome = (
            "Un nouveau lien lui a été envoyé à son adresse enregistrée."
            if resent
            else "Le CRA n'attend plus sa signature : aucun lien ne lui a été envoyé."
        )
        return Message(
            lang,
            f"Nouveau lien de signature demandé : CRA {of_month} {of_consultant}",
            f"{signer} a demandé un nouveau lien pour signer le CRA {of_month} {of_consultant} "
            f"(son lien avait expiré ou n'était plus valable). {outcome} {url}",
            url,
        )
    outcome = (
        "A fresh link was sent to their address on file."
        if resent
        else "The report no longer waits on their signature: no link was sent."
    )
    return Message(
        lang,
        f"New signature link requested: {consultant}'s {name} report",
        f"{signer} asked for a new link to sign {consultant}'s {name} activity report (their "
        f"link had expired or no longer worked). {outcome} {url}",
        url,
    )


def signer_code_email(*, language: str, code: str, link: str) -> Message:
    """The one-time code a client signer enters before creating their passkey.

    It proves they read the address the firm declared for them (docs/signature.md, enrolment).
    """
    if language != "en":
        return Message(
            "fr",
            f"Votre code de vérification Carnet : {code}",
            f"Pour créer votre clé d'accès de signature, saisissez ce code sur la page de "
            f"signature : {code}. Il est valable 15 minutes. Si vous n'avez rien demandé, "
            f"ignorez ce message.",
            link,
        )
    return Message(
        "en",
        f"Your Carnet verification code: {code}",
        f"To create your signing passkey, enter this code on the signature page: {code}. It is "
        f"valid for 15 minutes. If you did not ask for it, ignore this message.",
        link,
    )


def invitation_email(
    *, language: str, organisation_name: str, display_name: str, link: str, days: int
) -> Message:
    """The email carrying a person's single-use invitation link (an administrator invited or
    re-invited them): they open it on their phone and create their passkey."""
    organisation = shorten(organisation_name, MAX_NAME)
    name = shorten(display_name, MAX_NAME)
    if language != "en":
        return Message(
            "fr",
            f"Invitation à Carnet ({organisation})",
            f"Bonjour {name}, {organisation} vous invite à utiliser Carnet. Ouvrez ce lien sur "
            f"votre téléphone pour créer votre clé d'accès : {link} . Il ne sert qu'une fois et "
            f"expire dans {days} jours. Si vous n'attendiez pas ce message, ignorez-le.",
            link,
        )
    return Message(
        "en",
        f"Your invitation to Carnet ({organisation})",
        f"Hello {name}, {organisation} invites you to use Carnet. Open this link on your phone "
        f"to create your passkey: {link} . It works once and expires in {days} days. If you "
        f"did not expect this message, ignore it.",
        link,
    )
