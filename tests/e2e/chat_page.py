"""The chat page as a person sees and uses it, for browser tests."""

from playwright.sync_api import expect

# The page's scroll width, and every element drawn past the right edge of a screen so wide.
_OVERFLOW = """(width) => ({
    scrollWidth: document.documentElement.scrollWidth,
    pastTheEdge: [...document.body.querySelectorAll('*')]
        .filter((node) => node.getBoundingClientRect().right > width + 0.5)
        .map((node) => `${node.tagName.toLowerCase()}.${node.className}`),
})"""


class ChatPage:
    """One person's chat page: what it shows and what they do on it."""

    @classmethod
    def enter(cls, page, nick, room):
        """Fill the form already on page with nick and room, and wait until the room is open."""
        page.fill("#nickname", nick)
        page.fill("#room", room)
        page.click("#submit")
        chat = cls(page)
        chat.wait_until_in(room)
        return chat

    def __init__(self, page):
        self.page = page
        self.status = page.locator("#status")
        self.message_box = page.locator("#message")
        self.typing = page.locator("#typing")
        self.my_rooms = page.locator("#my-rooms")
        self.directory = page.locator("#directory")

    def log(self, room):
        """The message list of a joined room."""
        return self.page.locator(f'#logs ol.messages[data-room="{room}"]')

    def messages(self, room):
        """The messages shown in a room, in order."""
        return self.log(room).locator("li.message")

    def texts(self, room):
        """The text of every message in a room, in order."""
        return self.messages(room).locator(".text")

    def message(self, room, text):
        """The message in a room whose text is exactly text."""
        exact_text = self.page.locator(".text").get_by_text(text, exact=True)
        return self.messages(room).filter(has=exact_text)

    def notices(self, room):
        """The join and leave notices of a room."""
        return self.log(room).locator("li.notice .notice-text")

    def conversation(self, nick):
        """The message list of the direct conversation with nick."""
        return self.page.locator(f'#logs ol.messages[data-room="@{nick}"]')

    def direct_texts(self, nick):
        """The text of every message of the conversation with nick, in order."""
        return self.conversation(nick).locator("li.message .text")

    def listed_conversation(self, nick):
        """The conversation with nick in the sidebar's Direct messages."""
        return self.page.locator(f'#conversations .open-conversation[data-with="{nick}"]')

    def message_to(self, nick):
        """Open the conversation with nick from the member list of the open room."""
        self.page.click(".members summary")
        self.page.get_by_role("button", name=f"Message {nick} directly").click()
        self.expect_conversation_open(nick)

    def expect_conversation_open(self, nick):
        """Expect the conversation with nick to be the one shown."""
        expect(self.page.locator("#room-title")).to_have_text(f"@ {nick}")
        expect(self.conversation(nick)).not_to_have_attribute("hidden", "")

    def listed_room(self, room):
        """A room's entry in the directory of every occupied room."""
        return self.directory.locator(f'.join-listed[data-room="{room}"]')

    def my_room(self, room):
        """A room's entry in the list of rooms this person has joined."""
        return self.my_rooms.locator(f'.open-room[data-room="{room}"]')

    def my_room_entry(self, room):
        """A room's whole entry in the list of this person's rooms, with any note about it."""
        button = self.page.locator(f'.open-room[data-room="{room}"]')
        return self.my_rooms.locator("li.my-room").filter(has=button)

    def wait_until_in(self, room):
        """Wait until connected with the room open."""
        expect(self.status).to_have_attribute("data-state", "connected")
        self.expect_open(room)

    def expect_open(self, room):
        """Expect the room to be the one shown (its log may still be empty)."""
        expect(self.page.locator("#room-title")).to_have_text(f"# {room}")
        expect(self.log(room)).not_to_have_attribute("hidden", "")

    def send(self, text):
        """Type text in the message box and press Enter."""
        self.message_box.fill(text)
        self.message_box.press("Enter")

    def join(self, room):
        """Join a room with the join form and wait until it is open."""
        self.page.fill("#join-room", room)
        self.page.press("#join-room", "Enter")
        self.expect_open(room)

    def overflow(self, width):
        """{scrollWidth, pastTheEdge}: how wide the page is, and what sticks out past width."""
        return self.page.evaluate(_OVERFLOW, width)

    def expect_to_fit(self, width):
        """Expect nothing on the page to be wider than width, nor drawn past its right edge."""
        overflow = self.overflow(width)
        assert overflow == {"scrollWidth": width, "pastTheEdge": []}, overflow
