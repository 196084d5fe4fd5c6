"""The driver's own rules: dotted calls, references to earlier results, and how failures are reported."""

from __future__ import annotations

import socket

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit, run_program, token_auth

pytestmark = pytest.mark.e2e


def test_failed_steps_are_reported_and_the_program_goes_on(live: Live) -> None:
    results = run_leankit(
        live,
        live.admin_auth,
        [
            call("user.nosuch"),
            call("nosuch.list"),
            call("user.get", ref("2.data.id")),
            call("user.get", ref("0.data.id")),
            call("user.me"),
            call("user.get", ref("-1.data.id")),
            call("user.me", auth=token_auth(ref("3.data.token"))),
        ],
    )

    assert [(r.ok, r.status, r.data) for r in results[:4]] == [(False, None, None)] * 4
    assert results[0].message == "call 'user.nosuch' is not a function of the client"
    assert results[1].message == "call 'nosuch.list': nothing at 'nosuch' in 'nosuch'"
    assert results[2].message == "$ref '2.data.id' names no earlier step"
    assert results[3].message == "$ref '0.data.id': nothing at 'id' in 'data.id'"
    assert (results[4].status, results[5].status) == (200, 200)
    assert results[5].data["emailAddress"] == live.tenant.admin.email
    assert results[6].message == "$ref '3.data.token': nothing at 'token' in 'data.token'"


def test_an_unreachable_server_is_a_result_without_status() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, never listening: refused
        [result] = run_leankit(url, token_auth("ab" * 32), [call("user.me")])

    assert (result.ok, result.status, result.data) == (False, None, None)
    assert result.message is not None and "ECONNREFUSED" in result.message


def test_a_malformed_program_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="bad program: the program needs 'account'"):
        run_program({"calls": []})
