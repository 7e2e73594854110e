"""Phone numbers, on the vendor's paths; ``/v1.0/numbers/release`` is our extension."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from voiceroute.api.deps import AuthDep, ServicesDep
from voiceroute.schemas.base import EXTENSION
from voiceroute.schemas.phone_numbers import (
    NumberInventory,
    PhoneNumberAnswer,
    ProvisionAnswer,
    ProvisionNumber,
    ReleasedNumber,
    ReleaseNumber,
    UpdateNumber,
)
from voiceroute.services.phone_numbers import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

router = APIRouter(tags=["Phone numbers"])


def _query_number(value: str) -> str:
    # An unencoded "+" in a query string arrives as a space: "?PhoneNumber=+1415..." is common.
    value = value.strip()
    return value if value.startswith("+") else f"+{value}"


@router.post("/v1.0/numbers/provision", summary="Provision a phone number to your account")
async def provision_number(
    body: ProvisionNumber,
    auth: AuthDep,
    services: ServicesDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Extension: a retry with the same key and body gets the first answer.",
        ),
    ] = None,
) -> ProvisionAnswer:
    return await auth.run(
        lambda caller: services.phone_numbers.provision(caller, body, idempotency_key)
    )


@router.post("/v1.0/numbers/update", summary="Update a phone number (only the keys sent)")
async def update_number(
    body: UpdateNumber, auth: AuthDep, services: ServicesDep
) -> PhoneNumberAnswer:
    return await auth.run(lambda caller: services.phone_numbers.update(caller, body))


@router.post(
    "/v1.0/numbers/release",
    summary="Release a phone number from your account",
    openapi_extra={EXTENSION: True},
)
async def release_number(
    body: ReleaseNumber, auth: AuthDep, services: ServicesDep
) -> ReleasedNumber:
    return await auth.run(lambda caller: services.phone_numbers.release(caller, body.number))


@router.get("/v1.0/numbers", summary="Get one phone number")
async def get_number(
    auth: AuthDep,
    services: ServicesDep,
    phone_number: Annotated[
        str,
        Query(
            alias="PhoneNumber",
            pattern=r"^[ +]?[1-9][0-9]{1,14}$",
            description="E.164; an unencoded + (which arrives as a space) is understood.",
        ),
    ],
) -> PhoneNumberAnswer:
    number = _query_number(phone_number)
    return await auth.run(lambda caller: services.phone_numbers.get(caller, number))


@router.get("/v1.0/numbers/inventory", summary="List your phone numbers, a page at a time")
async def number_inventory(
    auth: AuthDep,
    services: ServicesDep,
    filter_text: Annotated[
        str | None,
        Query(
            alias="Filter",
            pattern=r"^\+?[0-9]{0,15}$",
            description="Only numbers containing these digits.",
        ),
    ] = None,
    page_number: Annotated[int, Query(alias="PageNumber", ge=1, le=MAX_PAGE_NUMBER)] = 1,
    page_size: Annotated[
        int,
        Query(alias="PageSize", ge=1, le=MAX_PAGE_SIZE, description="Extension; default 50."),
    ] = 50,
) -> NumberInventory:
    return await auth.run(
        lambda caller: services.phone_numbers.inventory(caller, filter_text, page_number, page_size)
    )
