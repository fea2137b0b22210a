"""Email delivery over SMTP (stdlib smtplib in a thread): text and HTML, French or English.

A refused or dropped connection, a timeout or a 4xx reply is transient (the outbox retries);
a 5xx reply for the recipient is permanent (the outbox drops the item and logs why).
"""

import asyncio
import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from server.domain.notification_texts import Message
from server.settings import Settings

SMTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class MailResult:
    """The SMTP outcome: sent, or why not and whether it may pass later."""

    sent: bool
    transient: bool = False
    error: str = ""


def sender(mail_from: str, sender_name: str) -> str:
    """The From header: the firm's display name (docs/brand.md) on the installation's address,
    which stays the one the SMTP relay is allowed to send from (SPF, DKIM)."""
    if not sender_name:
        return mail_from
    return formataddr((sender_name, parseaddr(mail_from)[1]))


def build_email(
    *,
    settings: Settings,
    to: str,
    message: Message,
    origin: str,
    sender_name: str = "",
    footer: str = "",
    app_name: str = "Carnet",
) -> EmailMessage:
    """A multipart/alternative mail: the plain text first, then the same in HTML; the firm's
    footer, if it set one, below both (after the usual "-- " signature separator)."""
    link = message.url if message.url.startswith("http") else origin + message.url
    opening = f"Ouvrir {app_name}" if message.language == "fr" else f"Open {app_name}"
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender(settings.mail_from, sender_name)
    mail["To"] = to
    mail["Message-ID"] = make_msgid(domain="carnet")
    signature = f"\n-- \n{footer}\n" if footer else ""
    mail.set_content(
        (
            f"{message.body}\n\n{opening} : {link}\n"
            if message.language == "fr"
            else f"{message.body}\n\n{opening}: {link}\n"
        )
        + signature
    )
    footer_html = "<hr><p>" + html.escape(footer).replace("\n", "<br>") + "</p>" if footer else ""
    mail.add_alternative(
        f'<!doctype html><html lang="{message.language}"><body>'
        f"<p>{html.escape(message.body)}</p>"
        f'<p><a href="{html.escape(link, quote=True)}">{opening}</a></p>{footer_html}'
        "</body></html>",
        subtype="html",
    )
    # After the parts: setting the content drops every Content-* header set before.
    mail["Content-Language"] = message.language
    return mail


class EmailSender:
    """Sends mail with the SMTP settings; disabled when no host is configured."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self.settings.smtp_host)

    def _send_blocking(self, mail: EmailMessage) -> MailResult:
        s = self.settings
        try:
            client: smtplib.SMTP
            if s.smtp_tls == "tls":
                client = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=SMTP_TIMEOUT_S,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_S)
            with client:
                if s.smtp_tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password)
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            transient = all(400 <= code < 500 for code in codes)
            return MailResult(sent=False, transient=transient, error=f"smtp refused {codes}")
        except smtplib.SMTPResponseException as error:
            transient = 400 <= error.smtp_code < 500
            return MailResult(sent=False, transient=transient, error=f"smtp {error.smtp_code}")
        except (smtplib.SMTPException, OSError) as error:
            # Connection refused or dropped, timeout, TLS failure: try again later.
            return MailResult(sent=False, transient=True, error=f"smtp: {type(error).__name__}")
        return MailResult(sent=True)

    async def send(
        self,
        *,
        to: str,
        message: Message,
        origin: str,
        sender_name: str = "",
        footer: str = "",
        app_name: str = "Carnet",
    ) -> MailResult:
        mail = build_email(
            settings=self.settings,
            to=to,
            message=message,
            origin=origin,
            sender_name=sender_name,
            footer=footer,
            app_name=app_name,
        )
        return await asyncio.to_thread(self._send_blocking, mail)
