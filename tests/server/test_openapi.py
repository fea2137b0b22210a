"""The OpenAPI document says what the server does: bounds, extra fields, security, problems.

The fuzzing gate (test_fuzz_openapi.py) holds the running server to the document; these fast
checks hold the document to the rules it must state everywhere, so a new endpoint cannot
quietly leave one out.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from sync.wire import MAX_SAFE_INTEGER

PUBLIC_READS = {
    "getSession",
    "getInvitation",
    "vapidPublicKey",
    "getSsoOffer",
    "startSso",
    "finishSso",
    "getBrand",
}
PUBLIC_ACTIONS = {
    "loginOptions",
    "login",
    "logout",
    "demoLogin",
    "invitationPasskeyOptions",
    "registerInvitationPasskey",
    "openSignatureLink",
    "requestSignatureLink",
}
SIGNER_PORTAL = {
    "getSignerPortal",
    "sendSignerCode",
    "verifySignerCode",
    "signerPasskeyOptions",
    "registerSignerPasskey",
    "signingOptions",
    "signMonth",
    "signerEvidence",
    "signerSignedPdf",
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(secret_key="k" * 40, data_dir=workdir, auto_migrate=False))

    async def read() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            response = await http.get("/schema/openapi.json")
            assert response.status_code == 200
            return dict(response.json())

    return asyncio.run(read())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield path, method.upper(), operation


def schemas_in(value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object nested in a document part, with where it is."""
    if isinstance(value, dict):
        if "type" in value or "properties" in value:
            yield where, value
        for key, item in value.items():
            yield from schemas_in(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from schemas_in(item, f"{where}[{index}]")


def test_every_integer_is_bounded_by_what_json_consumers_hold(document: dict[str, Any]) -> None:
    """Make sure every integer the document describes, request or response, parameter or
    field, has a minimum and a maximum within ±(2**53 - 1)."""
    unbounded = []
    for where, schema in schemas_in(document, "$"):
        types = schema.get("type")
        if types == "integer" or (isinstance(types, list) and "integer" in types):
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is None or high is None or low < -MAX_SAFE_INTEGER or high > MAX_SAFE_INTEGER:
                unbounded.append(where)
    assert unbounded == []


def test_every_object_refuses_the_fields_the_server_refuses(document: dict[str, Any]) -> None:
    """Make sure every object with named fields says `additionalProperties: false`, but the
    push subscription a browser sends with fields of its own (which the server ignores).
    Free-form JSON (a WebAuthn credential, a mutation's arguments) has no named fields."""
    open_objects = [
        name
        for name, schema in document["components"]["schemas"].items()
        if "properties" in schema and schema.get("additionalProperties") is not False
    ]
    assert sorted(open_objects) == ["PushKeys", "SubscriptionIn"]


NOT_UUIDS = {
    "Mutation.id": "a device's mutations are numbered 1, 2, 3…",
    "MutationResult.id": "the mutation's number",
    "SyncResponse.last_mutation_id": "the mutation's number",
    "SyncRequest.client_id": "the id a device made for itself",
    "SsoSettingsIn.client_id": "the identity provider's client id",
    "SsoSettingsOut.client_id": "the identity provider's client id",
    "DeliveryOut.event_id": "a webhook event's id, made of its kind and row",
    "TestEventOut.event_id": "a webhook event's id, made of its kind and row",
    "MonthEventOut.actor_id": "a person's id, or who acted for the system",
}
"""The `id` and `*_id` fields that are not UUIDs, and what they are instead."""


def test_every_id_an_answer_or_a_body_carries_is_documented_as_a_uuid(
    document: dict[str, Any],
) -> None:
    """Make sure that ids stay documented as UUIDs while answers carry them as the domain holds
    them, a UUID's text (`server.api.schemas.Id`), and request bodies parse them as UUIDs."""
    undocumented = set()
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if field != "id" and not field.endswith("_id"):
                continue
            kinds = spec.get("oneOf") or spec.get("anyOf") or [spec]
            formats = {kind.get("format") for kind in kinds if kind.get("type") != "null"}
            if formats != {"uuid"}:
                undocumented.add(f"{name}.{field}")
    assert undocumented == set(NOT_UUIDS)
    steps = document["components"]["schemas"]["SignerMissionOut"]["properties"]
    assert steps["approval_steps"]["items"] == {"$ref": "#/components/schemas/ApprovalStepOut"}


TOKEN_SCOPES = {
    "listMonths": "months:read",
    "getMonth": "months:read",
    "listInvoices": "invoices:read",
    "getInvoice": "invoices:read",
    "listPeople": "people:read",
    "getPerson": "people:read",
    "invitePerson": "people:write",
}
"""The operations open to API tokens, and the scope each needs (docs/api.md)."""


def test_security_is_required_exactly_where_the_server_requires_it(
    document: dict[str, Any],
) -> None:
    """Make sure public reads need nothing, public actions the CSRF pair only, the signer
    portal its own cookie, and everything else the session (with the CSRF pair to change)."""
    wrong = []
    for path, method, operation in operations(document):
        name = operation["operationId"]
        csrf = {"csrfCookie", "csrfHeader"} if method != "GET" else set()
        if name in PUBLIC_READS:
            expected = set()
        elif name in PUBLIC_ACTIONS:
            expected = csrf
        elif name in SIGNER_PORTAL:
            expected = {"signerCookie"} | csrf
        else:
            expected = {"sessionCookie"} | csrf
        security = operation.get("security", [])
        if name in TOKEN_SCOPES:
            # Or an API token with its scope alone (issue 17, docs/api.md).
            if security[1:] != [{"apiToken": [TOKEN_SCOPES[name]]}]:
                wrong.append(f"{method} {path}: {security[1:]} instead of the API token")
            security = security[:1]
        actual = {scheme for requirement in security for scheme in requirement}
        if actual != expected or len(security) > 1:
            wrong.append(f"{method} {path}: {sorted(actual)} instead of {sorted(expected)}")
    assert wrong == []
    assert "security" not in document, "no requirement for the whole API: public reads exist"


def test_every_refusal_an_operation_can_get_is_a_listed_problem_document(
    document: dict[str, Any],
) -> None:
    """Make sure each operation lists its 4xx answers as problem documents: 401 where a session
    is needed, 403 and 415 on every change, 400, 413 and 422 with a body, 404 with a path id."""
    missing = []
    for path, method, operation in operations(document):
        responses = operation["responses"]
        expected = set()
        if operation.get("security"):
            needs = {s for requirement in operation["security"] for s in requirement}
            if needs & {"sessionCookie", "signerCookie"}:
                expected.add("401")
        if method != "GET":
            expected |= {"403", "415"}
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if "{" in path:
            expected.add("404")
        for code in sorted(expected - set(responses)):
            missing.append(f"{method} {path}: {code}")
        for code, response in responses.items():
            if code.startswith("4"):
                content = response.get("content", {})
                schema = content.get("application/problem+json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/Problem"}:
                    missing.append(f"{method} {path}: {code} is not a problem document")
    assert missing == []
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code", "errors"}
