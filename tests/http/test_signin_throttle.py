"""Failed Basic sign-ins: delays and locks per login and per address, the account's lock and password
rules (advancedSecurity), unknown logins costing what known ones cost, and fair Argon2 scheduling."""

from __future__ import annotations

import asyncio
import statistics
import time
from email.utils import parsedate_to_datetime

import httpx
import limits.aio.storage.memory
import pytest

from lanekit.domain.people import auth
from lanekit.domain.people.auth import CredentialCache
from lanekit.domain.people.throttle import LOGIN_STEPS
from tests.harness import Lanekit, Tenant, basic

# Every test here times sign-ins or fills the verification queue: Argon2 must cost what it costs.
pytestmark = [pytest.mark.anyio, pytest.mark.real_argon2]


class FakeClock:
    """Stands in for the `time` module of the limits memory store and for the throttle's clock."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits.aio.storage.memory, "time", fake)
    credentials: CredentialCache = lanekit.app.state.ctx.credentials
    monkeypatch.setattr(credentials.throttle, "clock", fake.time)
    return fake


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The password hashes Argon2 was asked to verify against, in order."""
    seen: list[str] = []
    real = auth.verify_password

    async def counting(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return await real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    return seen


def client_from(
    lanekit: Lanekit, tenant: Tenant, address: str, login: str, password: str
) -> httpx.AsyncClient:
    return lanekit.client(tenant, headers=basic(login, password), address=address)


def retry_after_seconds(response: httpx.Response, clock: FakeClock) -> float:
    return parsedate_to_datetime(response.headers["retry-after"]).timestamp() - clock.now


async def test_wrong_passwords_earn_growing_delays_then_a_lock(
    lanekit: Lanekit, clock: FakeClock, verifications: list[str]
) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    wrong = lanekit.client(tenant, headers=basic(user.email, "wrong-password"))
    for _ in range(LOGIN_STEPS.free):
        assert (await wrong.get("/io/user/me")).status_code == 401
    delays = []
    for failures in range(LOGIN_STEPS.free + 1, LOGIN_STEPS.lock_after + 1):
        assert (await wrong.get("/io/user/me")).status_code == 401
        checked = len(verifications)
        refused = await wrong.get("/io/user/me")
        assert refused.status_code == 429
        assert refused.json() == {
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": "too many failed sign-ins for this login; retry after the time in Retry-After",
        }
        # Blocked: refused before any Argon2 work, even with the right password.
        right = await lanekit.as_user(tenant, user).get("/io/user/me")
        assert right.status_code == 429
        assert len(verifications) == checked
        wait = retry_after_seconds(refused, clock)
        assert wait == pytest.approx(LOGIN_STEPS.block_after(failures), abs=1)
        delays.append(int(wait))
        clock.advance(wait + 0.01)
    assert delays == [1, 2, 4, 8, 16, 30, 15 * 60]

    # The lock ends; the right password then signs in and forgets the failures.
    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 200
    fresh = lanekit.client(tenant, headers=basic(user.email, "another-wrong-one"))
    for _ in range(LOGIN_STEPS.free + 1):
        assert (await fresh.get("/io/user/me")).status_code == 401


async def test_a_success_resets_the_logins_failures(lanekit: Lanekit, clock: FakeClock) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    wrong = lanekit.client(tenant, headers=basic(user.email, "wrong-password"))
    for _ in range(LOGIN_STEPS.free):
        assert (await wrong.get("/io/user/me")).status_code == 401
    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 200
    for _ in range(LOGIN_STEPS.free):
        assert (await wrong.get("/io/user/me")).status_code == 401
    # Another login of the same account is not affected by this one's failures.
    assert (await lanekit.as_admin(tenant).get("/io/user/me")).status_code == 200


async def test_remembered_credentials_pass_a_blocked_login(lanekit: Lanekit, clock: FakeClock) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    signed_in = lanekit.as_user(tenant, user)
    assert (await signed_in.get("/io/user/me")).status_code == 200
    wrong = lanekit.client(tenant, headers=basic(user.email, "wrong-password"))
    for _ in range(LOGIN_STEPS.free + 1):
        assert (await wrong.get("/io/user/me")).status_code == 401
    assert (await wrong.get("/io/user/me")).status_code == 429
    # Someone guessing the password cannot lock out the person who already signed in.
    assert (await signed_in.get("/io/user/me")).status_code == 200


async def test_one_address_spraying_many_logins_is_blocked(lanekit: Lanekit, clock: FakeClock) -> None:
    from lanekit.domain.people.throttle import ADDRESS_STEPS

    tenant = await lanekit.tenant()
    for n in range(ADDRESS_STEPS.free + 1):
        client = client_from(lanekit, tenant, "198.51.100.7", f"nobody{n}@example.org", "guess-guess")
        assert (await client.get("/io/user/me")).status_code == 401
    refused = await client_from(lanekit, tenant, "198.51.100.7", tenant.admin.email, "correct?").get(
        "/io/user/me"
    )
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("too many failed sign-ins from this address")
    # Another address is not blocked.
    other = client_from(lanekit, tenant, "198.51.100.8", tenant.admin.email, tenant.admin_password)
    assert (await other.get("/io/user/me")).status_code == 200


async def test_the_accounts_lock_holds_the_login_for_its_interval(lanekit: Lanekit, clock: FakeClock) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    changed = await admin.patch(
        "/io/account",
        json={
            "advancedSecurity": {
                "accountLockEnabled": True,
                "maxFailedLoginAttempts": 2,
                "accountLockInterval": 5,
            }
        },
    )
    assert changed.status_code == 200
    user = await lanekit.user(tenant)
    wrong = lanekit.client(tenant, headers=basic(user.email, "wrong-password"))
    assert (await wrong.get("/io/user/me")).status_code == 401
    assert (await wrong.get("/io/user/me")).status_code == 401

    locked = await lanekit.as_user(tenant, user).get("/io/user/me")
    assert locked.status_code == 429
    assert locked.json()["statusCode"] == 429
    assert retry_after_seconds(locked, clock) == pytest.approx(5 * 60, abs=1)
    clock.advance(4 * 60)
    still = await lanekit.as_user(tenant, user).get("/io/user/me")
    assert still.status_code == 429
    assert retry_after_seconds(still, clock) == pytest.approx(60, abs=1)

    clock.advance(60 + 1)
    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 200


async def test_without_the_accounts_lock_two_failures_do_not_lock(lanekit: Lanekit, clock: FakeClock) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    wrong = lanekit.client(tenant, headers=basic(user.email, "wrong-password"))
    for _ in range(2):
        assert (await wrong.get("/io/user/me")).status_code == 401
    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 200


async def test_an_unknown_login_costs_what_a_wrong_password_costs(
    lanekit: Lanekit, verifications: list[str]
) -> None:
    tenant = await lanekit.tenant()
    throttle = lanekit.app.state.ctx.credentials.throttle
    known = lanekit.client(tenant, headers=basic(tenant.admin.email, "wrong-password"))
    warm = lanekit.client(tenant, headers=basic("warm-up@example.org", "wrong-password"))
    assert (await warm.get("/io/user/me")).status_code == 401  # makes the dummy hash
    assert (await known.get("/io/user/me")).status_code == 401

    unknown_times: list[float] = []
    known_times: list[float] = []
    for n in range(9):
        await throttle.reset()  # measure the check, not the throttle
        unknown = lanekit.client(tenant, headers=basic(f"nobody{n}@{tenant.host}", "wrong-password"))
        for client, times in ((unknown, unknown_times), (known, known_times)):
            start = time.perf_counter()
            response = await client.get("/io/user/me")
            times.append(time.perf_counter() - start)
            assert response.status_code == 401
            assert response.json()["message"] == "Login failed: email or password is incorrect"
    fast, slow = sorted([statistics.median(unknown_times), statistics.median(known_times)])
    assert slow <= fast * 1.2, (unknown_times, known_times)
    # Both ran Argon2: the unknown logins against the dummy hash.
    assert len(verifications) == 2 + 18
    dummies = verifications[2::2]
    assert len(set(dummies)) == 1
    assert tenant.admin.password_hash not in dummies


async def test_a_flood_of_wrong_passwords_does_not_delay_a_fresh_sign_in(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    # What one first sign-in costs on this machine with nothing else signing in: the 1 s the issue asks
    # for assumes a machine where Argon2 takes tens of milliseconds; a loaded CI box may take ten times as
    # long, and the bound scales with it (the unfair schedule took 48 verifications' time).
    calm = client_from(lanekit, tenant, "192.0.2.9", tenant.admin.email, tenant.admin_password)
    start = time.perf_counter()
    assert (await calm.get("/io/user/me")).status_code == 200
    bound = max(1.0, 3 * (time.perf_counter() - start))

    scheduler = lanekit.app.state.ctx.credentials.scheduler
    attackers = [
        client_from(lanekit, tenant, f"203.0.113.{n % 8 + 1}", f"victim{n}@{tenant.host}", "wrong-password")
        for n in range(48)
    ]
    flood = [asyncio.create_task(client.get("/io/user/me")) for client in attackers]
    deadline = time.monotonic() + 30
    while sum(len(q) for q in scheduler._waiting.values()) + scheduler._running < 40:
        assert time.monotonic() < deadline, "the attacking requests never queued"
        await asyncio.sleep(0.01)

    legitimate = client_from(lanekit, tenant, "192.0.2.10", user.email, "correct-horse-battery")
    start = time.perf_counter()
    response = await legitimate.get("/io/user/me")
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    assert elapsed < bound, f"first sign-in took {elapsed:.2f}s behind the flood (bound {bound:.2f}s)"
    answered = await asyncio.gather(*flood)
    assert {r.status_code for r in answered} == {401}


async def test_an_address_with_a_full_queue_is_refused_at_once(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    scheduler = lanekit.app.state.ctx.credentials.scheduler
    attackers = [
        client_from(lanekit, tenant, "203.0.113.99", f"victim{n}@{tenant.host}", "wrong-password")
        for n in range(scheduler.queue_per_address + 4)
    ]
    answered = await asyncio.gather(*(client.get("/io/user/me") for client in attackers))
    statuses = sorted(r.status_code for r in answered)
    assert 429 in statuses
    assert statuses.count(401) >= scheduler.queue_per_address
    refused = next(r for r in answered if r.status_code == 429)
    assert "retry-after" in refused.headers
    assert refused.json()["message"].startswith("too many sign-ins in progress from this address")


STRONG = {
    "strongPasswordEnabled": False,
    "minimumLengthEnabled": True,
    "lengthOfPassword": 12,
    "requireUppercaseEnabled": True,
    "requireNumericEnabled": True,
    "requireSpecialCharacterEnabled": True,
}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-A1!", "password: must be at least 12 characters long (minimumLengthEnabled)"),
        ("no-uppercase-1!", "password: must contain an uppercase letter (requireUppercaseEnabled)"),
        ("No-digits-here!", "password: must contain a digit (requireNumericEnabled)"),
        ("NoSpecials1234", "password: must contain a special character (requireSpecialCharacterEnabled)"),
    ],
)
async def test_the_accounts_password_rules_apply_to_every_password_set(
    lanekit: Lanekit, password: str, message: str
) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)  # before the rules: the factory's password would break them
    admin = lanekit.as_admin(tenant)
    assert (await admin.patch("/io/account", json={"advancedSecurity": STRONG})).status_code == 200
    body = {"emailAddress": f"new@{tenant.host}", "firstName": "N", "lastName": "U", "password": password}
    created = await admin.post("/io/user", json=body)
    assert created.status_code == 422
    assert created.json()["message"] == message

    reset = await admin.patch(f"/io/user/{user.id}/password", json={"password": password})
    assert reset.status_code == 422
    assert reset.json()["message"] == message

    good = "Good-Password-42!"
    assert (await admin.post("/io/user", json={**body, "password": good})).status_code == 200
    assert (await admin.patch(f"/io/user/{user.id}/password", json={"password": good})).status_code == 200


async def test_strong_passwords_turn_on_every_rule(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    changed = await admin.patch("/io/account", json={"advancedSecurity": {"strongPasswordEnabled": True}})
    assert changed.status_code == 200
    weak = await admin.patch(f"/io/user/{user.id}/password", json={"password": "lowercase-only"})
    assert weak.status_code == 422
    assert weak.json()["message"] == "password: must contain an uppercase letter (requireUppercaseEnabled)"


async def test_without_rules_any_password_of_the_servers_length_is_accepted(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_admin(tenant).patch(
        f"/io/user/{user.id}/password", json={"password": "plainpass"}
    )
    assert response.status_code == 200
