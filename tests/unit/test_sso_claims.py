"""Which claims vouch for an email, and which identifier a provider's person is linked by."""

from __future__ import annotations

import pytest

from app.auth.sso import email_verified, subject_of
from app.tenants.models import Authority


@pytest.mark.parametrize(
    ("claims", "trusted", "verified"),
    [
        ({"email_verified": True}, False, True),
        ({"email_verified": "true"}, False, True),
        ({"email_verified": " TRUE "}, False, True),
        ({"email_verified": 1}, False, True),
        ({"email_verified": False}, True, False),
        ({"email_verified": "false"}, True, False),
        ({"email_verified": "maybe"}, True, False),
        ({"email_verified": 0}, True, False),
        ({"email_verified": None}, False, False),
        ({}, False, False),
        ({}, True, True),
        ({"xms_edov": True}, False, True),
        ({"xms_edov": "1"}, False, True),
        ({"xms_edov": False}, True, False),
        ({"email_verified": False, "xms_edov": True}, True, False),
    ],
)
def test_email_verified(claims, trusted, verified):
    authority = Authority(oidc_emails_verified=trusted)
    assert email_verified(authority, {"email": "a@b.example", **claims}) is verified


def test_entra_id_accounts_are_linked_by_tenant_and_object_id_others_by_sub():
    assert subject_of({"sub": "pairwise", "oid": "object", "tid": "tenant"}) == "tenant/object"
    assert subject_of({"sub": "pairwise", "oid": "object"}) == "pairwise"
    assert subject_of({"sub": "s-1"}) == "s-1"
