"""The browser desk's OpenID Connect sign-in, in Chromium, against a small OpenID provider the test runs
(openid_provider.py): Authorization Code with PKCE, the access token renewed with the refresh token and the
desk's stream opened again with it before the old token expires; tokens the server refuses, a provider claiming
another issuer, a forged answer and a session the provider ended, each shown to the agent at the sign-in."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from desk_pages import new_page, post, request_button, screenshot, stored_texts
from metrics_scrape import scrape
from openid_provider import Behaviour, OpenIdProvider
from scenario import create_scenario, join
from support import Server, serve

pytest.importorskip("playwright.async_api")

CLIENT_ID = "pullrouting-desk"
AUDIENCE = "pullrouting"
# How long the provider's waits may take at most (the desk renews within a token's lifetime).
PROVIDER_TIMEOUT = 30.0


@pytest.fixture
def provider(certificate) -> Iterator[OpenIdProvider]:
    running = OpenIdProvider(certificate, CLIENT_ID, AUDIENCE)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
async def oidc_desk(sqlite_url, provider, tmp_path) -> AsyncIterator[Server]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(provider.keys.jwks())
    settings = {
        "web_listen": "127.0.0.1:0",
        "oidc_issuer": provider.issuer,
        "oidc_audience": AUDIENCE,
        "oidc_jwks": str(jwks),
        "oidc_desk_client_id": CLIENT_ID,
        "metrics_address": "127.0.0.1:0",
    }
    async for handle in serve(sqlite_url, **settings):
        yield handle


def desk_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.running.web_server.port}/"


async def sign_in(browser, server: Server, screenshot_as: str = ""):
    """A new browser context at the desk's sign-in, which then signs in at the provider. The provider's
    certificate is its own: the context does not check it."""
    page = await new_page(browser, ignore_https_errors=True)
    await page.goto(desk_url(server))
    await page.wait_for_selector("#oidc-sign-in:focus")
    if screenshot_as:
        await screenshot(page, screenshot_as)
    await page.keyboard.press("Enter")
    return page


async def provider_asked(provider: OpenIdProvider, request: str, count: int) -> None:
    await asyncio.to_thread(provider.wait_for, request, count, PROVIDER_TIMEOUT)


async def test_an_agent_signs_in_and_works_while_its_token_is_renewed(oidc_desk: Server, browser, provider):
    scenario = await create_scenario(oidc_desk, agents=1)
    # Short-lived tokens: renewed after 4.5 s, each expiring after 6.
    provider.behaviour.lifetime = 6
    page = await sign_in(browser, oidc_desk, screenshot_as="sign-in.png")
    await page.wait_for_selector("#connection.ok")
    await page.locator("#lists li.subscribed").wait_for()
    assert "code=" not in page.url

    await post(scenario, "Do you ship to Norway?")
    await request_button(page, "Alice").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()
    await page.fill("#reply", "We do, in three days.")
    await page.press("#reply", "Enter")
    await page.locator("#transcript .message.agent:not(.pending)", has_text="three days").wait_for()

    # Two renewals (after 4.5 and 9 s): the first token has expired, and so would a stream opened with it.
    await provider_asked(provider, "refresh", 2)
    await post(scenario, "And to Iceland?")
    await page.locator("#transcript .message.customer", has_text="Iceland").wait_for()
    await page.fill("#reply", "Iceland too.")
    await page.press("#reply", "Enter")
    await page.locator("#transcript .message.agent:not(.pending)", has_text="Iceland too.").wait_for()
    assert await page.is_hidden("#login")
    assert stored_texts(oidc_desk.database_url, "Iceland too.") == 1
    assert provider.requests.count("authorize") == 1
    # Each renewal opened the stream again before the token it was opened with expired: none was refused. The
    # stream a renewal replaces is counted when the server sees it cancelled, which may follow the reply.
    cancelled = ("pullrouting_rpcs_total", frozenset({"method": "AgentService/WatchDesk", "code": "CANCELLED"}.items()))
    async with asyncio.timeout(PROVIDER_TIMEOUT):
        while (samples := await scrape(oidc_desk)).get(cancelled, 0.0) < 2:
            await asyncio.sleep(0.05)
    refused = (
        "pullrouting_rpcs_total",
        frozenset({"method": "AgentService/WatchDesk", "code": "UNAUTHENTICATED"}.items()),
    )
    assert refused not in samples

    # A reload keeps the session (the tokens are in the tab's session storage).
    await page.reload()
    await page.wait_for_selector("#connection.ok")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()
    assert provider.requests.count("authorize") == 1


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        pytest.param({"access_claims": {"exp": int(time.time()) - 60}}, "TOKEN_INVALID", id="expired"),
        pytest.param({"forge": True}, "TOKEN_INVALID", id="forged-signature"),
        pytest.param({"access_claims": {"aud": "another-service"}}, "TOKEN_INVALID", id="for-another-service"),
        pytest.param({"access_claims": {"iss": "https://evil.example.com"}}, "TOKEN_INVALID", id="wrong-iss-claim"),
        pytest.param({"subject": "no-such-agent"}, "TOKEN_INVALID", id="unknown-agent"),
    ],
)
async def test_a_token_the_server_refuses_is_shown_at_the_sign_in(oidc_desk: Server, browser, provider, change, shown):
    await create_scenario(oidc_desk, agents=1)
    for key, changed in change.items():
        setattr(provider.behaviour, key, changed)

    page = await sign_in(browser, oidc_desk)

    await page.locator("#login-error", has_text=shown).wait_for()
    await provider_asked(provider, "code", 1)
    assert await page.is_hidden("#desk")
    assert await page.is_visible("#oidc-sign-in")


async def test_a_provider_claiming_another_issuer_is_not_used(oidc_desk: Server, browser, provider):
    provider.behaviour.claimed_issuer = "https://evil.example.com/realms/desk"

    page = await sign_in(browser, oidc_desk)

    await page.locator("#login-error", has_text="Sign-in failed").wait_for()
    assert "authorize" not in provider.requests
    assert page.url == desk_url(oidc_desk)


async def test_an_answer_this_tab_did_not_ask_for_is_refused(oidc_desk: Server, browser, provider):
    page = await new_page(browser, ignore_https_errors=True)

    await page.goto(desk_url(oidc_desk) + "?code=stolen&state=guessed")

    await page.locator("#login-error", has_text="did not start").wait_for()
    assert "code" not in provider.requests
    assert "code=" not in page.url


async def test_a_session_the_provider_ended_signs_the_desk_out_saying_why(oidc_desk: Server, browser, provider):
    await create_scenario(oidc_desk, agents=1)
    provider.behaviour.lifetime = 4
    provider.behaviour.refuse_refresh = True
    page = await sign_in(browser, oidc_desk)
    await page.wait_for_selector("#connection.ok")
    await screenshot(page, "oidc-desk.png")

    # The renewal is refused; when the token expires the server ends the stream, and the desk signs out.
    await page.locator("#login-error", has_text="Signed out: TOKEN_INVALID").wait_for()
    assert await page.is_hidden("#desk")
    await screenshot(page, "oidc-signed-out.png")


@pytest.mark.parametrize("next_agent", ["agent-1", "agent-2"])
async def test_replies_kept_at_a_sign_out_go_only_for_their_writer(oidc_desk: Server, browser, provider, next_agent):
    scenario = await create_scenario(oidc_desk, agents=2)
    name = (await post(scenario, "Is anyone there?")).conversation.name
    await join(scenario.agents[1], name)
    provider.behaviour.lifetime = 6
    provider.behaviour.refuse_refresh = True
    page = await sign_in(browser, oidc_desk)
    await request_button(page, "Alice").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()
    # The reply cannot leave the browser; then the session ends at the provider and the token expires.
    await page.route("**/pullrouting.v1.AgentService/SendMessage", lambda route: route.abort())
    await page.fill("#reply", "Written by agent one.")
    await page.press("#reply", "Enter")
    await page.locator("#transcript .message.pending", has_text="agent one").wait_for()
    await page.locator("#login-error", has_text="Signed out: TOKEN_INVALID").wait_for()

    # Somebody signs in again in the same tab.
    await page.unroute("**/pullrouting.v1.AgentService/SendMessage")
    provider.behaviour = Behaviour(subject=next_agent)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#connection.ok")
    await page.locator("#tabs [role=tab]", has_text="Alice").click()
    if next_agent == "agent-1":
        await page.locator("#transcript .message.agent:not(.pending)", has_text="agent one").wait_for()
        assert stored_texts(oidc_desk.database_url, "Written by agent one.") == 1
    else:
        await page.fill("#reply", "Agent two here.")
        await page.press("#reply", "Enter")
        await page.locator("#transcript .message.agent:not(.pending)", has_text="Agent two here.").wait_for()
        assert stored_texts(oidc_desk.database_url, "Written by agent one.") == 0
        assert await page.locator("#transcript .message", has_text="agent one").count() == 0
