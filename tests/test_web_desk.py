"""The browser desk of `pullrouting serve --web-listen`, in Debian's Chromium driven by Playwright, against a real
server with a connector posting: the seed's Example Chat played by two agents, alerts, a reply typed during a
server restart, a reload, keyboard-only use. The run saves screenshots of the desk under build/desk-screenshots."""

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from desk_pages import DEADLINE_MS, new_page, open_desk, post, request_button, screenshot, stored_texts
from scenario import add_second_list, create_scenario
from streams import read_until
from support import Server, serve

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
    supervisor_service_pb2,
)

pytest.importorskip("playwright.async_api")

# Short-lived activities, and a typist slow enough that its TYPING must be renewed several times meanwhile.
ACTIVITY_TTL = 2.0
TYPING_PAUSE = 0.3


@pytest.fixture
async def web_server(sqlite_url, web_port) -> AsyncIterator[Server]:
    async for handle in serve(sqlite_url, web_listen=f"127.0.0.1:{web_port}"):
        yield handle


async def test_two_agents_play_the_example_chat(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=2)
    first = await open_desk(browser, web_port, scenario.agents[0].token)
    second = await open_desk(browser, web_port, scenario.agents[1].token)
    await first.wait_for_selector("#lists li.subscribed")

    await post(scenario, "Hi, is my order shipped?")
    for page in (first, second):
        await request_button(page, "Alice").wait_for()
        await page.wait_for_selector("#alert:not([hidden])")
    await first.locator("#lists .counts", has_text="1 unread").wait_for()
    await screenshot(first, "queue.png")

    # The first agent reads the request, joins it and answers.
    await request_button(first, "Alice").click()
    await first.locator("#request-messages", has_text="Hi, is my order shipped?").wait_for()
    await first.click("#join")
    await first.locator("#tabs [role=tab]", has_text="Alice").wait_for()
    await first.fill("#reply", "Hello Alice, it left this morning.")
    await first.press("#reply", "Enter")
    await first.locator("#transcript .message.agent:not(.pending)", has_text="it left this morning").wait_for()
    assert await first.input_value("#reply") == ""

    # The second agent joins as well and sees the whole conversation.
    await request_button(second, "Alice").click()
    await second.click("#join")
    await second.locator("#transcript .message.agent:not(.pending)", has_text="it left this morning").wait_for()

    await post(scenario, "Great, thanks!")
    for page in (first, second):
        await page.locator("#transcript .message.customer", has_text="Great, thanks!").wait_for()
    # Joining the request the alert was about put the alert away; the List's counts followed.
    assert await first.is_hidden("#alert")
    await first.locator("#lists .counts", has_text="1 active").wait_for()
    await screenshot(first, "desk.png")

    # The first agent closes it, after confirming.
    await first.click("#close")
    await first.click("#confirm-close button[value=close]")
    for page in (first, second):
        await page.locator("#chat-ended", has_text="closed").wait_for()
    assert stored_texts(web_server.database_url, "Hello Alice, it left this morning.") == 1


# Records how the desk rings: each tone it starts (Web Audio) and each system notification it shows, counted on
# the page's root element (data-tones, data-notifications) for the test to wait on. The desk notifies only when
# it is not in view, which a headless browser never is: the test says when it is not.
RECORD_RINGS = """
window.notifications = [];
function count(key) {
  const root = document.documentElement;
  root.dataset[key] = String(Number(root.dataset[key] ?? 0) + 1);
}
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  count("tones");
  return start.apply(this, args);
};
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.notifications.push(`${title}: ${options?.body ?? ""}`);
    count("notifications");
  }
};
window.inView = true;
Object.defineProperty(Document.prototype, "visibilityState", { get: () => (window.inView ? "visible" : "hidden") });
"""


async def rung(page, tones: int, notifications: int) -> list[str]:
    """Waits until the desk has played `tones` tones and shown `notifications` notifications; the latter."""
    counted = f"html[data-tones='{tones}']" + (f"[data-notifications='{notifications}']" if notifications else "")
    await page.wait_for_selector(counted, state="attached")
    return await page.evaluate("window.notifications")


async def test_every_alert_rings_with_a_tone_a_banner_and_a_notification_and_a_silent_refresh_does_not(
    web_server: Server, web_port: int, browser
):
    scenario = await create_scenario(web_server, agents=1)
    page = await new_page(browser)
    await page.context.grant_permissions(["notifications"])
    await page.add_init_script(RECORD_RINGS)
    await page.goto(f"http://127.0.0.1:{web_port}/")
    await page.fill("#token", scenario.agents[0].token)
    await page.press("#token", "Enter")
    await page.wait_for_selector("#connection.ok")
    # A browser plays sound only after the person used the page; the agent clicks it. Then it looks elsewhere.
    await page.click("#queue-title")
    await page.evaluate("window.inView = false")

    await post(scenario, "First question")
    assert await rung(page, tones=1, notifications=1) == ["New request: Alice: First question"]
    assert await page.text_content("#alert") == "New request: Alice"
    # A second message on the same UNREAD request updates its row silently.
    await post(scenario, "Anyone there?")
    await request_button(page, "Alice").locator(".preview", has_text="Anyone there?").wait_for()
    await post(scenario, "Other question", customer="fb-user-2", name="Bob")
    assert (await rung(page, tones=2, notifications=2))[1:] == ["New request: Bob: Other question"]
    assert await page.text_content("#alert") == "New request: Bob"
    # The queue: who waited longest first, each with its waiting time.
    assert await page.locator("#queue .request .customer").all_text_contents() == ["Alice", "Bob"]
    assert await page.locator("#queue .request .age").count() == 2

    # In view, a released request rings and shows, without a system notification.
    await page.evaluate("window.inView = true")
    await request_button(page, "Bob").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Bob").wait_for()
    await page.click("#return")
    await page.locator("#alert", has_text="Released: needs somebody again: Bob").wait_for()
    assert len(await rung(page, tones=3, notifications=2)) == 2
    # Every alert the server raised rang once; the silent refresh did not.
    assert await page.get_attribute("body", "data-alerts") == "3"


async def test_a_reply_typed_during_a_restart_is_delivered_once(sqlite_url, web_port: int, browser):
    serving = serve(sqlite_url, web_listen=f"127.0.0.1:{web_port}")
    server = await anext(serving)
    scenario = await create_scenario(server, agents=1)
    page = await open_desk(browser, web_port, scenario.agents[0].token)
    await post(scenario, "Are you open today?")
    await request_button(page, "Alice").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()

    await serving.aclose()
    await page.wait_for_selector("#connection.warn")
    reply = "Yes, until six."
    await page.fill("#reply", reply)
    await page.press("#reply", "Enter")
    # Kept, shown as waiting, the box free for the next one.
    await page.locator("#transcript .message.pending", has_text=reply).wait_for()
    await page.locator("#connection", has_text="1 reply waiting").wait_for()
    assert await page.input_value("#reply") == ""

    restarted = serve(sqlite_url, web_listen=f"127.0.0.1:{web_port}")
    server = await anext(restarted)
    try:
        await page.wait_for_selector("#connection.ok")
        await page.locator("#transcript .message.agent:not(.pending)", has_text=reply).wait_for()
        assert await page.locator("#transcript .message", has_text=reply).count() == 1
        assert stored_texts(server.database_url, reply) == 1
    finally:
        await restarted.aclose()


async def test_a_reload_keeps_the_tabs_also_after_unsubscribing(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=1)
    page = await open_desk(browser, web_port, scenario.agents[0].token)
    for customer, name in (("fb-user-1", "Alice"), ("fb-user-2", "Bob")):
        await post(scenario, f"Hello from {name}", customer=customer, name=name)
        await request_button(page, name).click()
        await page.click("#join")
        await page.locator("#tabs [role=tab]", has_text=name).wait_for()
    await page.locator("#tabs [role=tab]", has_text="Alice").click()

    await page.click("#lists button", timeout=DEADLINE_MS)
    await page.locator("#lists button", has_text="Subscribe").wait_for()
    await page.wait_for_selector("#queue .request", state="detached")
    assert await page.locator("#tabs [role=tab]").all_text_contents() == ["Alice", "Bob"]

    await page.reload()
    await page.wait_for_selector("#connection.ok")
    await page.locator("#tabs [role=tab]", has_text="Bob").wait_for()
    assert await page.locator("#tabs [role=tab]").all_text_contents() == ["Alice", "Bob"]
    assert await page.get_attribute("#tabs [role=tab][aria-selected=true]", "data-name") is not None
    assert await page.text_content("#tabs [role=tab][aria-selected=true]") == "Alice"
    await page.locator("#transcript .message.customer", has_text="Hello from Alice").wait_for()


async def focused(page) -> str:
    """The focused element: `tag#id.class role text`."""
    return await page.evaluate(
        "() => { const e = document.activeElement; return `${e.tagName.toLowerCase()}#${e.id}.${e.className}"
        " ${e.getAttribute('role') ?? ''} ${e.textContent.trim()}`; }"
    )


async def tab_to(page, wanted: str, presses: int = 30) -> None:
    """Presses Tab until the focused element's description contains `wanted`."""
    for _ in range(presses):
        if wanted in await focused(page):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{wanted!r} never got the focus; last: {await focused(page)}")


async def test_keyboard_only(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=1)
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    await page.goto(f"http://127.0.0.1:{web_port}/")
    await page.wait_for_selector("#token:focus")
    await page.keyboard.type(scenario.agents[0].token)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#connection.ok")
    await post(scenario, "Can I change my address?")
    await request_button(page, "Alice").wait_for()

    await tab_to(page, "button#.request")
    await page.keyboard.press("Enter")
    await page.locator("#request-messages", has_text="Can I change my address?").wait_for()
    await tab_to(page, "button#join")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#reply:focus")
    await page.keyboard.type("Sure, which one?")
    await page.keyboard.press("Enter")
    await page.locator("#transcript .message.agent:not(.pending)", has_text="Sure, which one?").wait_for()

    # Escape leaves the message box for the conversation's tab; letters typed there go nowhere.
    await page.keyboard.press("Escape")
    assert "tab Alice" in await focused(page)
    await page.keyboard.type("lc")
    assert await page.input_value("#reply") == ""

    await tab_to(page, "button#close")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#confirm-close[open]")
    assert "Cancel" in await focused(page)
    await page.keyboard.press("Shift+Tab")
    assert "Close conversation" in await focused(page)
    await page.keyboard.press("Enter")
    await page.locator("#chat-ended", has_text="closed").wait_for()


async def test_internal_note_transfer_give_back_and_close_with_a_wrap_up(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=1)
    second_list, _ = await add_second_list(scenario)
    billing = await scenario.add_agent("billing-1", lists=[second_list])
    await scenario.admin.CreateWrapUpCode(
        admin_service_pb2.CreateWrapUpCodeRequest(
            wrap_up_code_id="resolved", wrap_up_code=resources_pb2.WrapUpCode(display_name="Resolved")
        )
    )
    first = await open_desk(browser, web_port, scenario.agents[0].token)
    second = await open_desk(browser, web_port, billing.token)
    name = (await post(scenario, "I was charged twice")).conversation.name
    await request_button(first, "Alice").click()
    await first.click("#join")
    await first.locator("#tabs [role=tab]", has_text="Alice").wait_for()

    # An internal note: marked as such, for agents only.
    await first.check("#internal")
    await first.fill("#reply", "Regular customer, be kind")
    await first.press("#reply", "Enter")
    await first.locator("#transcript .message.internal:not(.pending)", has_text="be kind").wait_for()

    # Transferred to the billing List, with a note: the billing agent's desk rings.
    await first.click("#transfer")
    await first.fill("#transfer-list", second_list.removeprefix("lists/"))
    await first.fill("#transfer-note", "Double charge, over to billing")
    await first.click("#transfer-dialog button[value=transfer]")
    await first.locator("#chat-ended", has_text="transferred").wait_for()
    await second.locator("#alert", has_text="Transferred to your List: Alice").wait_for()

    # Billing reads both notes, gives it back to its List (which rings again), then takes it and closes it.
    await request_button(second, "Alice").click()
    await second.click("#join")
    await second.locator("#transcript .message.internal", has_text="over to billing").wait_for()
    await second.locator("#transcript .message.internal", has_text="be kind").wait_for()
    await second.click("#return")
    await second.locator("#chat-ended", has_text="left").wait_for()
    await second.locator("#alert", has_text="Released").wait_for()
    await second.click("#dismiss")
    await request_button(second, "Alice").click()
    await second.click("#join")
    await second.locator("#chat-ended", has_text="left").wait_for(state="hidden")
    await second.click("#close")
    await second.fill("#wrap-up-codes", "resolved")
    await second.fill("#wrap-up-note", "Refunded")
    await second.click("#confirm-close button[value=close]")
    await second.locator("#chat-ended", has_text="closed").wait_for()

    closed = (
        await scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest(name=name))
    ).conversation
    assert (list(closed.wrap_up.codes), closed.wrap_up.note) == (["wrapUpCodes/resolved"], "Refunded")
    assert closed.transfer_count == 1


async def test_an_invitation_is_accepted_from_the_desk(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=2)
    first = await open_desk(browser, web_port, scenario.agents[0].token)
    second = await open_desk(browser, web_port, scenario.agents[1].token)
    await post(scenario, "My parcel is damaged")
    await request_button(first, "Alice").click()
    await first.click("#join")
    await first.locator("#tabs [role=tab]", has_text="Alice").wait_for()

    await first.click("#invite")
    await first.fill("#invite-agent", scenario.agents[1].id)
    await first.fill("#invite-note", "Can you check the warehouse photos?")
    await first.click("#invite-dialog button[value=invite]")
    invitation = second.locator("#invitations .invitation", has_text="warehouse photos")
    await invitation.wait_for()
    await second.locator("#alert", has_text="Invitation from agent-1").wait_for()
    await invitation.locator("button", has_text="Accept").click()
    await second.locator("#tabs [role=tab][aria-selected=true]", has_text="Alice").wait_for()
    await second.locator("#transcript .message.customer", has_text="My parcel is damaged").wait_for()
    await first.locator("#status", has_text="agent-2 accepted your invitation").wait_for()
    assert await second.is_hidden("#invitations-section")


async def test_a_reply_written_on_a_stale_view_is_held_until_the_agent_decides(
    web_server: Server, web_port: int, browser
):
    scenario = await create_scenario(web_server, agents=1)
    page = await open_desk(browser, web_port, scenario.agents[0].token)
    await post(scenario, "Where is my parcel?")
    await request_button(page, "Alice").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()

    # The reply leaves the desk, and is held on its way until the customer has written again: it was written
    # on a view that no longer shows the newest message.
    customer_wrote = asyncio.Event()

    async def after_the_customer(route) -> None:
        await customer_wrote.wait()
        await route.continue_()

    await page.route("**/pullrouting.v1.AgentService/SendMessage", after_the_customer)
    await page.fill("#reply", "It is on its way.")
    await page.press("#reply", "Enter")
    await post(scenario, "Never mind, it just arrived!")
    customer_wrote.set()

    held = page.locator("#transcript .message.held", has_text="It is on its way.")
    await held.wait_for()
    await page.locator("#transcript .message.customer", has_text="it just arrived").wait_for()
    assert stored_texts(web_server.database_url, "It is on its way.") == 0
    await screenshot(page, "stale-view.png")

    await page.unroute("**/pullrouting.v1.AgentService/SendMessage")
    await held.get_by_role("button", name="Send anyway").click()
    await page.locator("#transcript .message.agent:not(.pending):not(.held)", has_text="It is on its way.").wait_for()
    assert stored_texts(web_server.database_url, "It is on its way.") == 1


async def test_a_supervisor_who_barges_in_writes_and_leaves_in_the_tab(web_server: Server, web_port: int, browser):
    scenario = await create_scenario(web_server, agents=1)
    sam = await scenario.add_supervisor("sam", [scenario.list])
    page = await open_desk(browser, web_port, scenario.agents[0].token)
    name = (await post(scenario, "Can I speak to a manager?")).conversation.name
    await request_button(page, "Alice").click()
    await page.click("#join")
    await page.locator("#tabs [role=tab]", has_text="Alice").wait_for()

    await sam.stub.BargeIn(supervisor_service_pb2.BargeInRequest(name=name))
    await sam.stub.SendMessage(
        supervisor_service_pb2.SupervisorServiceSendMessageRequest(name=name, text="Sam here, the team lead.")
    )
    await sam.stub.LeaveConversation(supervisor_service_pb2.SupervisorServiceLeaveConversationRequest(name=name))

    await page.locator("#transcript .notice", has_text="sam (supervisor) left").wait_for()
    # A message is its "who · time" line over its text; a notice is one line, between the messages.
    items = [item.splitlines() for item in await page.locator("#transcript li").all_inner_texts()]
    assert [item[-1] for item in items] == [
        "Can I speak to a manager?",
        "sam (supervisor) joined",
        "Sam here, the team lead.",
        "sam (supervisor) left",
    ]
    assert items[2][0].startswith("sam (supervisor) · ")


async def agent_activity(stream, agent: str, changes: list[tuple[int, bool]]) -> None:
    """Collects `agent`'s activity changes (activity, expired) on a WatchConversation stream until cancelled."""
    while (response := await stream.read()) is not grpc.aio.EOF:
        event = response.event
        if event.type == events_pb2.CONVERSATION_EVENT_TYPE_ACTIVITY and event.activity.agent == agent:
            changes.append((event.activity.activity, event.activity.expired))


async def test_typing_and_viewing_show_in_the_tab_and_the_desk_tells_its_own(sqlite_url, web_port: int, browser):
    async for server in serve(sqlite_url, web_listen=f"127.0.0.1:{web_port}", activity_ttl_seconds=ACTIVITY_TTL):
        scenario = await create_scenario(server, agents=2)
        first_agent, second_agent = scenario.agents
        name = (await post(scenario, "Hello, my card was refused")).conversation.name
        first = await open_desk(browser, web_port, first_agent.token)
        second = await open_desk(browser, web_port, second_agent.token)
        await request_button(first, "Alice").click()
        await first.click("#join")
        await first.locator("#tabs [role=tab]", has_text="Alice").wait_for()
        activity = first.locator("#activity")

        # The second agent reads the request before joining: the first sees it looking, for as long as it does.
        await request_button(second, "Alice").click()
        await activity.filter(has_text="agent-2 is viewing").wait_for()

        # The customer types, as the connector tells, then stops.
        await customer_activity(scenario, name, events_pb2.ACTIVITY_TYPING)
        await activity.filter(has_text="Customer is typing…").wait_for()
        await first.locator("#tabs [role=tab] .typing").wait_for()
        await customer_activity(scenario, name, events_pb2.ACTIVITY_NONE)
        await activity.filter(has_not_text="Customer").wait_for()

        # The second agent joins and types, slowly, for longer than an activity lasts: TYPING is renewed, never
        # ended, until the reply goes.
        await second.click("#join")
        await second.wait_for_selector("#reply:focus")
        # Its looking ends once it stops renewing it (it has joined).
        await activity.filter(has_not_text="viewing").wait_for()
        watch = first_agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=name))
        await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
        changes: list[tuple[int, bool]] = []
        collecting = asyncio.create_task(agent_activity(watch, second_agent.name, changes))
        try:
            for letter in "Let me check that for you":
                await second.keyboard.type(letter)
                await asyncio.sleep(TYPING_PAUSE)
            await activity.filter(has_text="agent-2 is typing…").wait_for()
            await second.keyboard.press("Enter")
            await first.locator("#transcript .message.agent", has_text="check that for you").wait_for()
            await activity.filter(has_not_text="typing").wait_for()
            # Typing again, then leaving the box (Esc) ends it too.
            await second.keyboard.type("One moment")
            await activity.filter(has_text="agent-2 is typing…").wait_for()
            await second.keyboard.press("Escape")
            await activity.filter(has_not_text="typing").wait_for()
        finally:
            collecting.cancel()
        typing, none = events_pb2.ACTIVITY_TYPING, events_pb2.ACTIVITY_NONE
        assert changes == [(typing, False), (none, False), (typing, False), (none, False)]


async def customer_activity(scenario, conversation: str, activity: int) -> None:
    await scenario.ingest.PostCustomerActivity(
        ingest_service_pb2.PostCustomerActivityRequest(conversation=conversation, activity=activity)
    )
