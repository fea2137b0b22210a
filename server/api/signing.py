"""The client signer's portal (`/api/v1/sign`), signature links and evidence files.

A signer holds no app session: opening their link sets a *signer session* cookie, scoped to
`/api/v1/sign` and to the one month of the link (`server/services/signatures.py`).
"""

import json
from typing import Annotated, Any, Literal, TypeAlias
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from pydantic import Field, StringConstraints

from server.api import schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.api.params import MonthPath
from server.api.rate_limit import SharedRateLimit
from server.api.routers import OwnedRouter
from server.domain.signer_document import Wording
from server.services import signer_links
from server.services.consultant_signature import ConsultantSignatures
from server.services.signatures import (
    SIGNER_SESSION_LIFETIME,
    Portal,
    PortalStatus,
    Signatures,
    SignerSession,
)
from server.settings import Settings

SignaturesDep: TypeAlias = NamedDependency[Signatures]
SignerDep: TypeAlias = NamedDependency[SignerSession]

SIGNER_COOKIE_PATH = "/api/v1/sign"
EVIDENCE_MEDIA_TYPE = "application/json"

LinkToken = Annotated[str, StringConstraints(min_length=16, max_length=200, pattern=r"^[\w-]+$")]


def signer_cookie_name(settings: Settings) -> str:
    # __Secure- (not __Host-): the cookie is scoped to the portal's API path, not to "/".
    return "__Secure-carnet_signer" if settings.secure_cookies else "carnet_signer"


async def provide_signer(
    request: Request[Any, Any, Any], signatures: NamedDependency[Signatures]
) -> SignerSession:
    """The signer session of the cookie, or 401."""
    return await signatures.session(request.cookies.get(signer_cookie_name(signatures.settings)))


class OpenLink(s.Wire):
    token: LinkToken = Field(description="The token of the link (after `#t=`).")


class LinkRequest(s.Wire):
    token: LinkToken = Field(description="The token of the link that no longer opens.")
    language: Literal["fr", "en"] = "fr"


class LinkRequestOut(s.Wire):
    status: Literal["requested"] = Field(
        description="Always `requested`, whatever the token: the answer reveals nothing."
    )


class PortalOut(s.Wire):
    status: PortalStatus
    wording: Wording
    document: dict[str, Any] | None = Field(
        description="The canonical document (scheme CRA-SIGN-v1) shown and signed; "
        "null when the month no longer waits on this signer."
    )
    document_sha256: str
    signer_name: str
    signer_email: str
    has_passkey: bool
    evidence_id: s.Id | None
    signed_at: str | None = Field(description="When it was signed (ISO 8601), if it was.")
    code_sent_at: str | None = Field(
        default=None, description="When the last e-mail code was sent in this session."
    )
    email_verified: bool = Field(
        default=False, description="The signer entered the e-mailed code: they may register."
    )
    demo_code: str | None = Field(
        default=None,
        description="Demo mode without SMTP only: the code that could not be mailed.",
    )


class CodeRequest(s.Wire):
    language: Literal["fr", "en"] = "fr"


class CodeIn(s.Wire):
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")] = Field(
        description="The 6-digit code e-mailed to the signer."
    )


class SignaturePolicy(s.Wire):
    refuse_synced_passkeys: bool = Field(
        description="Refuse synced passkeys (BS flag) for signing: device-bound ones only."
    )


class SigningOptionsOut(s.Wire):
    challenge_id: s.Id
    options: dict[str, Any] = Field(description="PublicKeyCredentialRequestOptionsJSON.")
    document_sha256: str


class SignatureIn(s.Wire):
    challenge_id: UUID
    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() output.")


class SignedOut(s.Wire):
    evidence_id: s.Id
    document_sha256: str
    month_status: str
    signed_at: str


class WordingIn(s.Wire):
    wording: Wording


def _portal(portal: Portal) -> PortalOut:
    return PortalOut(
        status=portal.status,
        wording=portal.wording,
        document=json.loads(portal.document) if portal.document else None,
        document_sha256=portal.document_hash,
        signer_name=portal.signer.display_name,
        signer_email=portal.signer.email,
        has_passkey=portal.has_passkey,
        evidence_id=portal.evidence_id or None,
        signed_at=portal.signed_at.isoformat() if portal.signed_at else None,
        code_sent_at=portal.code_sent_at.isoformat() if portal.code_sent_at else None,
        email_verified=portal.email_verified,
    )


async def _pdf_file(signatures: Signatures, body: bytes, evidence_id: str) -> Response[bytes]:
    pdf = await signatures.sealed_pdf(evidence_id, body)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="cra-signe-{evidence_id}.pdf"'},
    )


def _evidence_file(body: bytes, evidence_id: str) -> Response[bytes]:
    return Response(
        body,
        media_type=EVIDENCE_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="signature-{evidence_id}.json"',
        },
    )


class SignatureLinkController(Controller):
    path = "/signature-links"
    tags = ["signature"]

    @post(
        "/open", operation_id="openSignatureLink", opt=problems(404, 410), status_code=HTTP_200_OK
    )
    async def open(
        self, data: JSONBody[OpenLink], signatures: SignaturesDep
    ) -> Response[PortalOut]:
        """Open a signature link: start the signer session limited to its month.

        Opening spends nothing; the link opens again until the month is signed, sent back or
        moved on, or the link expires (410, naming which).
        """
        token = await signatures.open_link(data.token)
        session = await signatures.session(token)
        response = Response(_portal(await signatures.portal(session)), status_code=HTTP_200_OK)
        settings = signatures.settings
        response.set_cookie(
            Cookie(
                key=signer_cookie_name(settings),
                value=token,
                path=SIGNER_COOKIE_PATH,
                httponly=True,
                secure=settings.secure_cookies,
                samesite="strict",
                max_age=int(SIGNER_SESSION_LIFETIME.total_seconds()),
            )
        )
        return response

    @post(
        "/request",
        operation_id="requestSignatureLink",
        status_code=HTTP_202_ACCEPTED,
    )
    async def request_link(
        self, data: JSONBody[LinkRequest], signatures: SignaturesDep
    ) -> LinkRequestOut:
        """Ask for a new link when this one no longer opens.

        The ESN is told; if the month still waits on the link's signer, a fresh link goes to
        their address on file. Rate limited; the answer is the same for every token.
        """
        await signatures.request_new_link(data.token, language=data.language)
        return LinkRequestOut(status="requested")


class SignerPortalController(Controller):
    path = "/sign"
    tags = ["signature"]
    dependencies = {"signer": Provide(provide_signer)}

    @get(operation_id="getSignerPortal")
    async def read(self, signer: SignerDep, signatures: SignaturesDep) -> PortalOut:
        """The month as the signer sees it (or as they signed it)."""
        return _portal(await signatures.portal(signer))

    @post("/email-code", operation_id="sendSignerCode", status_code=HTTP_200_OK)
    async def send_code(
        self, signer: SignerDep, signatures: SignaturesDep, data: JSONBody[CodeRequest]
    ) -> PortalOut:
        """E-mail a one-time code to the signer's declared address (before a first passkey)."""
        demo_code = await signatures.send_code(signer, language=data.language)
        return _portal(await signatures.portal(signer)).model_copy(update={"demo_code": demo_code})

    @post("/email-code/verify", operation_id="verifySignerCode", status_code=HTTP_200_OK)
    async def verify_code(
        self, signer: SignerDep, signatures: SignaturesDep, data: JSONBody[CodeIn]
    ) -> PortalOut:
        """Check the e-mailed code; once right, the signer may register their passkey."""
        await signatures.verify_code(signer, code=data.code)
        return _portal(await signatures.portal(signer))

    @post(
        "/passkey-options",
        operation_id="signerPasskeyOptions",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def passkey_options(
        self, signer: SignerDep, signatures: SignaturesDep, data: JSONBody[s.Empty | None] = None
    ) -> s.CeremonyOut:
        """Registration options for the signer's first passkey."""
        ceremony_id, options = await signatures.begin_registration(signer)
        return s.CeremonyOut(ceremony_id=ceremony_id, options=options)

    @post(
        "/passkey",
        operation_id="registerSignerPasskey",
        opt=problems(409),
        status_code=HTTP_201_CREATED,
    )
    async def register(
        self, data: JSONBody[s.PasskeyRegistration], signer: SignerDep, signatures: SignaturesDep
    ) -> PortalOut:
        await signatures.finish_registration(
            signer,
            ceremony_id=str(data.ceremony_id),
            credential=data.credential,
            device_name=data.device_name,
        )
        return _portal(await signatures.portal(signer))

    @post("/options", operation_id="signingOptions", opt=problems(409), status_code=HTTP_200_OK)
    async def options(
        self, signer: SignerDep, signatures: SignaturesDep, data: JSONBody[s.Empty | None] = None
    ) -> SigningOptionsOut:
        """Options whose challenge commits to the document shown and a fresh server nonce."""
        challenge_id, options, digest = await signatures.begin_signature(signer)
        return SigningOptionsOut(
            challenge_id=challenge_id,
            options=options,
            document_sha256=digest,
        )

    @post("/assertion", operation_id="signMonth", opt=problems(409), status_code=HTTP_201_CREATED)
    async def sign(
        self, data: JSONBody[SignatureIn], signer: SignerDep, signatures: SignaturesDep
    ) -> SignedOut:
        """Sign the month with the passkey; the month moves on in its circuit."""
        evidence = await signatures.sign(
            signer, challenge_id=str(data.challenge_id), credential=data.credential
        )
        month = json.loads(evidence.body)["month"]
        timesheet_status = await signatures.month_status(month["id"])
        return SignedOut(
            evidence_id=evidence.id,
            document_sha256=evidence.document_hash,
            month_status=timesheet_status,
            signed_at=evidence.signed_at.isoformat(),
        )

    @get("/evidence/{evidence_id:uuid}", operation_id="signerEvidence")
    async def evidence(
        self, evidence_id: FromPath[UUID], signer: SignerDep, signatures: SignaturesDep
    ) -> Response[bytes]:
        """The evidence file (carnet-signature-evidence/1) of the signer's signature."""
        body = await signatures.signer_evidence(signer, str(evidence_id))
        return _evidence_file(body, str(evidence_id))

    @get("/evidence/{evidence_id:uuid}/pdf", operation_id="signerSignedPdf")
    async def pdf(
        self, evidence_id: FromPath[UUID], signer: SignerDep, signatures: SignaturesDep
    ) -> Response[bytes]:
        """The signed month as a PDF, evidence attached, sealed by the firm (PAdES)."""
        body = await signatures.signer_evidence(signer, str(evidence_id))
        return await _pdf_file(signatures, body, str(evidence_id))


class SignatureController(Controller):
    tags = ["signature"]

    @get("/signatures/{evidence_id:uuid}/evidence", operation_id="getSignatureEvidence")
    async def evidence(
        self, evidence_id: FromPath[UUID], session: SessionDep, signatures: SignaturesDep
    ) -> Response[bytes]:
        """The evidence file of a signature, for whoever may see the signed month."""
        body = await signatures.evidence_for(session.actor, str(evidence_id))
        return _evidence_file(body, str(evidence_id))

    @get("/signatures/{evidence_id:uuid}/pdf", operation_id="getSignedMonthPdf")
    async def pdf(
        self, evidence_id: FromPath[UUID], session: SessionDep, signatures: SignaturesDep
    ) -> Response[bytes]:
        """The signed month as a PDF, evidence attached, sealed by the firm (PAdES)."""
        body = await signatures.evidence_for(session.actor, str(evidence_id))
        return await _pdf_file(signatures, body, str(evidence_id))

    @post(
        "/people/{person_id:uuid}/months/{month:str}/signature-options",
        operation_id="consultantSigningOptions",
        opt=problems(409, 422),
        status_code=HTTP_200_OK,
    )
    async def consultant_options(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        session: SessionDep,
        signatures: SignaturesDep,
        data: JSONBody[s.Empty | None] = None,
    ) -> SigningOptionsOut:
        """Options for the consultant to sign their own submitted month (optional)."""
        challenge_id, options, digest = await ConsultantSignatures(signatures).begin(
            session.actor, consultant_id=str(person_id), month=month
        )
        return SigningOptionsOut(
            challenge_id=challenge_id,
            options=options,
            document_sha256=digest,
        )

    @post(
        "/people/{person_id:uuid}/months/{month:str}/signature",
        operation_id="consultantSignMonth",
        opt=problems(401, 409),
        status_code=HTTP_201_CREATED,
    )
    async def consultant_sign(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[SignatureIn],
        session: SessionDep,
        signatures: SignaturesDep,
    ) -> SignedOut:
        """The consultant signs their own submitted month; the circuit is unchanged."""
        evidence = await ConsultantSignatures(signatures).finish(
            session.actor,
            consultant_id=str(person_id),
            month=month,
            challenge_id=str(data.challenge_id),
            credential=data.credential,
        )
        return SignedOut(
            evidence_id=evidence.id,
            document_sha256=evidence.document_hash,
            month_status=await signatures.month_status(evidence.timesheet_id),
            signed_at=evidence.signed_at.isoformat(),
        )

    @post(
        "/people/{person_id:uuid}/months/{month:str}/signature-link",
        operation_id="resendSignatureLink",
        opt=problems(409, 422),
        status_code=HTTP_201_CREATED,
    )
    async def resend_link(
        self, person_id: FromPath[UUID], month: MonthPath, session: SessionDep, clock: ClockDep
    ) -> s.SignatureLinkSentOut:
        """A new signature link, e-mailed to the client signer the month waits on; earlier
        links stop working (administrators only; 409 unless the month waits on a client)."""
        sent = await signer_links.resend_signature_link(
            session.actor, consultant_id=str(person_id), month_text=month, clock=clock
        )
        return s.SignatureLinkSentOut(
            signer_id=sent.signer_id,
            signer_name=sent.signer_name,
            signer_email=sent.signer_email,
        )

    @get("/organisation/signature-policy", operation_id="getSignaturePolicy")
    async def policy(self, session: SessionDep, signatures: SignaturesDep) -> SignaturePolicy:
        """The firm's signature policy (members)."""
        refuse = await signatures.refuses_synced(session.actor)
        return SignaturePolicy(refuse_synced_passkeys=refuse)

    @put(
        "/organisation/signature-policy",
        operation_id="setSignaturePolicy",
        status_code=HTTP_200_OK,
    )
    async def set_policy(
        self, data: JSONBody[SignaturePolicy], session: SessionDep, signatures: SignaturesDep
    ) -> SignaturePolicy:
        """Refuse (or accept) synced passkeys for signing; administrators only."""
        await signatures.set_refuse_synced(session.actor, refuse=data.refuse_synced_passkeys)
        return data

    @put(
        "/clients/{client_id:uuid}/signature-wording",
        operation_id="setSignatureWording",
        opt=problems(422),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def set_wording(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[WordingIn],
        session: SessionDep,
        signatures: SignaturesDep,
    ) -> None:
        """Whether this client's signers sign the CRA or attest the service was done."""
        await signatures.set_wording(session.actor, client_id=str(client_id), wording=data.wording)


def signing_router(settings: Settings, signatures: Signatures) -> OwnedRouter:
    """The signature routes, to mount under `/api/v1`; opening links is rate limited."""
    return OwnedRouter(
        path="/",
        route_handlers=[
            OwnedRouter(
                path="/",
                route_handlers=[SignatureLinkController],
                middleware=[
                    SharedRateLimit(
                        name="signature_link",
                        per_minute=settings.auth_rate_limit_per_minute,
                        clock=signatures.clock,
                    )
                ],
            ),
            SignerPortalController,
            SignatureController,
        ],
        dependencies={"signatures": Provide(lambda: signatures, sync_to_thread=False)},
    )
