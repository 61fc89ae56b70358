// Direct messages: a conversation's log, which works as a room's does (ordered by seq, caught
// up after a reconnect, older pages on demand), and the sidebar's list of conversations, most
// recently active first, with how many of the other's messages are unread in each.
import { element, replaceList } from './render.js';
import { RoomLog } from './rooms.js';

// Room names never hold '@', so a log whose name starts with it is a conversation.
export function directKey(nick) {
  return `@${nick}`;
}

export function isDirect(key) {
  return Boolean(key?.startsWith('@'));
}

// The nickname a direct message was exchanged with, seen from me.
export function partnerOf(message, me) {
  return message.from === me ? message.to : message.from;
}

// A direct message as a log shows one: its author is `from`.
function spoken(message) {
  return { ...message, nick: message.from };
}

export class Conversation extends RoomLog {
  constructor(key, container, me) {
    super(key, container, me);
    this.list.setAttribute('aria-label', `Messages with ${this.partner}`);
    // Whether the nickname has changed hands since: what is written goes to its new holder.
    this.former = false;
  }

  // Why nothing can be written here, or null.
  get closed() {
    if (!this.former) return null;
    return `The nickname ${this.partner} now belongs to someone else: this earlier `
      + 'conversation can be read, not answered.';
  }

  get partner() {
    return this.name.slice(1);
  }

  get where() {
    return { with: this.partner };
  }

  get title() {
    return `@ ${this.partner}`;
  }

  get startText() {
    return `This is the start of your conversation with ${this.partner}.`;
  }

  get historyEvent() {
    return 'direct history';
  }

  outgoing(text) {
    return ['direct message', { to: this.partner, text }];
  }

  // In a conversation never marked, every message of the other's is unread.
  readFrom(readSeq, unread) {
    super.readFrom(readSeq ?? 0, unread);
  }

  addMessage(message, own) {
    return super.addMessage(spoken(message), own);
  }

  addMessages(messages, own) {
    super.addMessages(messages.map(spoken), own);
  }

  addOlder(messages, more, own) {
    super.addOlder(messages.map(spoken), more, own);
  }
}

function newEntry(nick) {
  return { with: nick, unread: 0, readSeq: null, former: false };
}

// The sidebar's "Direct messages": one entry per conversation, {with, unread, readSeq,
// former}, in the order of their last message. An open conversation's count comes from its
// log.
export class ConversationList {
  // logOf(nick) is the open Conversation with nick, if any; open(nick) opens it.
  constructor({ list, logOf, open }) {
    Object.assign(this, { list, logOf, open });
    this.entries = [];
  }

  // The server's list, as `conversations` acks it.
  load(conversations) {
    this.entries = conversations.map(({
      with: nick, unread, read_seq: readSeq, former,
    }) => ({ with: nick, unread, readSeq, former }));
  }

  entry(nick) {
    return this.entries.find((entry) => entry.with === nick);
  }

  // A conversation opened here is listed, at the end, even before its first message.
  ensure(nick) {
    if (!this.entry(nick)) this.entries.push(newEntry(nick));
  }

  // A conversation just began or had a message: it moves to the top.
  touched(nick) {
    const entry = this.entry(nick) ?? newEntry(nick);
    this.entries = [entry, ...this.entries.filter((other) => other !== entry)];
    return entry;
  }

  // The open one counts none: the person is looking at it.
  unread(entry, activeKey) {
    if (directKey(entry.with) === activeKey) return 0;
    return this.logOf(entry.with)?.unread ?? entry.unread;
  }

  total(activeKey) {
    return this.entries.reduce((sum, entry) => sum + this.unread(entry, activeKey), 0);
  }

  render(activeKey) {
    replaceList(this.list, this.entries.map((entry) => {
      const key = directKey(entry.with);
      const item = element('li', key === activeKey ? 'my-room conversation-entry active'
        : 'my-room conversation-entry');
      const open = element('button', 'open-room open-conversation', entry.with);
      open.type = 'button';
      open.dataset.with = entry.with;
      if (entry.former) open.append(element('span', 'former', ' (earlier)'));
      open.setAttribute('aria-current', key === activeKey ? 'true' : 'false');
      open.addEventListener('click', () => this.open(entry.with));
      const unread = this.unread(entry, activeKey);
      if (unread) open.append(element('span', 'badge', String(unread)));
      item.append(open);
      return item;
    }));
  }
}
