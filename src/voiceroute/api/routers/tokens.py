"""``POST /v1.0/oauth2/tokens`` (also spelt ``/v1.0/OAuth2/tokens`` in the vendor docs)."""

from __future__ import annotations

from fastapi import APIRouter

from voiceroute.api.deps import ServicesDep
from voiceroute.schemas.tokens import TokenAnswer, TokenRequest

router = APIRouter(tags=["Authentication"])


@router.post("/v1.0/oauth2/tokens", summary="Get an access token")
def create_token(body: TokenRequest, services: ServicesDep) -> TokenAnswer:
    grant = services.authenticator.issue_token(
        body.account_key, body.account_secret.get_secret_value(), body.api_endpoint
    )
    return TokenAnswer(token=grant.token, successful=True, token_expiry=grant.expiry_text)


router.add_api_route(
    "/v1.0/OAuth2/tokens",
    create_token,
    methods=["POST"],
    include_in_schema=False,
)
