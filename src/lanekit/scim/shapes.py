"""The SCIM 1.1 bodies of /io/scim/v1: the user resource, list responses, the service provider
configuration and the schemas.  Pure functions; dates and ids through shapes/common.py.

The user resource follows LeanKit's "Get a user" example field for field (User Provisioning API), plus the
`schemas` array SCIM 1.1 resources carry.  `password` is never shown.
"""

from __future__ import annotations

from typing import Any

from lanekit.shapes.common import ident, instant
from lanekit.storage.records import UserRecord

CORE_SCHEMA = "urn:scim:schemas:core:1.0"
EXTENSION_URN = "urn:scim:schemas:extension:leankit:user:1.0"
USER_SCHEMAS = [CORE_SCHEMA, EXTENSION_URN]
SCIM_PATH = "/io/scim/v1"
MAX_RESULTS = 200


def user_location(user_id: int, *, base_url: str) -> str:
    # Lower-case `users`, as LeanKit's example spells the location.
    return f"{base_url}{SCIM_PATH}/users/{user_id}"


def scim_date_format(date_format: str) -> str:
    """`MM/dd/yyyy` (how /io and storage spell it) → `mm/dd/yyyy` (how LeanKit's SCIM extension does)."""
    return date_format.lower()


def user_resource(user: UserRecord, *, base_url: str) -> dict[str, Any]:
    return {
        "schemas": list(USER_SCHEMAS),
        "id": ident(user.id),
        "externalId": user.external_user_name,
        "userName": user.username,
        "name": {
            "familyName": user.last_name,
            "givenName": user.first_name,
            "formatted": f"{user.first_name} {user.last_name}",
        },
        "timezone": user.time_zone,
        "active": user.enabled,
        "meta": {
            "created": instant(user.created_on),
            "location": user_location(user.id, base_url=base_url),
        },
        EXTENSION_URN: {
            "licenseType": user.license_type,
            "lastAccess": instant(user.last_access),
            "administrator": user.administrator,
            "boardCreator": user.board_creator,
            "dateFormat": scim_date_format(user.date_format),
        },
    }


def list_response(
    resources: list[dict[str, Any]], *, total: int, start_index: int, schemas: list[str]
) -> dict[str, Any]:
    """A SCIM ListResponse: `itemsPerPage` is the number of resources on this page (0 when empty), as
    identity providers page by it; every count is a JSON integer."""
    return {
        "schemas": schemas,
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }


def service_provider_config() -> dict[str, Any]:
    """What this server supports (SCIM 1.1 core schema, "Service Provider Configuration Schema"), with
    the values LeanKit reports."""
    return {
        "schemas": [CORE_SCHEMA],
        "documentationUrl": None,
        "patch": {"supported": False},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": False},
        "xmlDataFormat": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "An account administrator's email and password.",
                "primary": True,
            },
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An account administrator's API token (POST /io/auth/token).",
            },
        ],
    }


def _attribute(
    name: str,
    kind: str,
    description: str,
    *,
    read_only: bool = False,
    required: bool = False,
    case_exact: bool = False,
    sub_attributes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": False,
        "description": description,
        "schema": EXTENSION_URN if name in _EXTENSION_NAMES else CORE_SCHEMA,
        "readOnly": read_only,
        "required": required,
        "caseExact": case_exact,
    }
    if sub_attributes is not None:
        attribute["subAttributes"] = sub_attributes
    return attribute


_EXTENSION_NAMES = {"licenseType", "lastAccess", "administrator", "boardCreator", "dateFormat"}


def _user_schema() -> dict[str, Any]:
    return {
        "id": CORE_SCHEMA,
        "name": "User",
        "description": "A user of the account",
        "schema": CORE_SCHEMA,
        "endpoint": "/Users",
        "attributes": [
            _attribute("id", "string", "The user's id, digits.", read_only=True, case_exact=True),
            _attribute("externalId", "string", "The identity provider's id of the user.", case_exact=True),
            _attribute("userName", "string", "The sign-in email address; unique.", required=True),
            _attribute(
                "name",
                "complex",
                "The user's name.",
                required=True,
                sub_attributes=[
                    _attribute("familyName", "string", "Last name.", required=True),
                    _attribute("givenName", "string", "First name.", required=True),
                    _attribute("formatted", "string", "First and last name.", read_only=True),
                ],
            ),
            _attribute("timezone", "string", "An IANA time zone name."),
            _attribute("active", "boolean", "Whether the user may sign in."),
            _attribute("password", "string", "Write-only; never returned.", case_exact=True),
            _attribute(
                "meta",
                "complex",
                "Resource metadata.",
                read_only=True,
                sub_attributes=[
                    _attribute("created", "dateTime", "When the user was created.", read_only=True),
                    _attribute("location", "string", "The resource's URI.", read_only=True),
                ],
            ),
        ],
    }


def _extension_schema() -> dict[str, Any]:
    return {
        "id": EXTENSION_URN,
        "name": "LeanKitUser",
        "description": "LeanKit's user extension",
        "schema": EXTENSION_URN,
        "endpoint": "/Users",
        "attributes": [
            _attribute("licenseType", "string", "full, reader or focused."),
            _attribute("lastAccess", "dateTime", "The last time the user did something.", read_only=True),
            _attribute("administrator", "boolean", "Whether the user administers the account."),
            _attribute("boardCreator", "boolean", "Whether the user may create boards."),
            _attribute("dateFormat", "string", "mm/dd/yyyy, dd/mm/yyyy or yyyy/mm/dd."),
        ],
    }


def schemas() -> list[dict[str, Any]]:
    return [_user_schema(), _extension_schema()]
