"""The browser desk as a person uses it, for the tests that drive it in Chromium (the `browser` fixture in
conftest.py): a signed-in page, the queue's rows, a customer posting, screenshots."""

from pathlib import Path

from scenario import Scenario
from sqlalchemy import create_engine, select

from pullrouting.store.tables import messages
from pullrouting.v1 import conversation_pb2, ingest_service_pb2

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "desk-screenshots"
# What a person waits for at most; Playwright's own waits use it too.
DEADLINE_MS = 15_000


async def new_page(browser, **context_options: object):
    """A page in a new browser context (its own session storage)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, **context_options)
    page = await context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    return page


async def open_desk(browser, port: int, token: str):
    """A new browser context signed in as the agent with `token`."""
    page = await new_page(browser)
    await page.goto(f"http://127.0.0.1:{port}/")
    await page.fill("#token", token)
    await page.press("#token", "Enter")
    await page.wait_for_selector("#connection.ok")
    return page


def request_button(page, customer: str):
    return page.locator("#queue .request", has_text=customer)


def stored_texts(database_url: str, text: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return len(list(connection.execute(select(messages.c.id).where(messages.c.text == text))))
    finally:
        engine.dispose()


async def post(scenario: Scenario, text: str, customer: str = "fb-user-1", name: str = "Alice"):
    return await scenario.ingest.PostCustomerMessage(
        ingest_service_pb2.PostCustomerMessageRequest(
            service_identifier=scenario.service_identifier,
            customer=conversation_pb2.Customer(id=customer, display_name=name),
            text=text,
            source_message_id=f"{customer}-{text}",
        )
    )


async def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / name))
