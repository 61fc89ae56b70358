// DOM helpers: every piece of user-supplied text goes through textContent, never HTML.
import { clockTime, dayKey, dayLabel, fullDay, fullTime } from './dates.js';
import { linkParts } from './links.js';
import { mentionParts, mentionsMe } from './mentions.js';
import { pictureFigure } from './pictures.js';

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// The time of day alone (a day separator above says which day), the full timestamp on hover.
function timeElement(ts) {
  const node = element('time', 'time');
  setTime(node, ts);
  return node;
}

function setTime(node, ts) {
  node.textContent = clockTime(ts);
  node.dateTime = new Date(ts).toISOString();
  node.title = fullTime(ts);
}

// An item of a room's log is dated by the day it belongs under.
function dated(item, ts) {
  item.dataset.day = dayKey(ts);
  item.dataset.ts = String(ts);
  return item;
}

// The server's time for a message of ours shown with the time it was written.
export function setMessageTime(item, ts) {
  setTime(item.querySelector('time'), ts);
  dated(item, ts);
}

// The heading of a day in a room's log.
export function daySeparator(day, ts) {
  const item = element('li', 'day', dayLabel(ts));
  item.dataset.day = day;
  item.dataset.ts = String(ts);
  item.title = fullDay(ts);
  return item;
}

export function relabelDay(item) {
  const label = dayLabel(Number(item.dataset.ts));
  if (item.textContent !== label) item.textContent = label;
}

const stateLabels = { pending: 'sending…', sent: '', failed: 'not sent' };

const AUTHOR_HUES = 7;

// The same nickname always gets the same colour, so a conversation is easy to follow.
function hueOf(nick) {
  let hash = 0;
  for (const character of nick) hash = (hash * 31 + character.codePointAt(0)) >>> 0;
  return hash % AUTHOR_HUES;
}

// A message's text: web addresses as links, mentions set apart, the rest as plain text.
function fillText(node, { text, mentions }, me) {
  node.replaceChildren(...linkParts(text).flatMap(
    (part) => (typeof part === 'string' ? mentionParts(part, mentions, me) : [part]),
  ));
}

// An own message's controls, for the person's keyboard as well as their mouse; edits.js does
// what they ask. They show once the server has stored the message.
function ownActions() {
  const actions = element('span', 'message-actions');
  [['edit-message', 'Edit'], ['delete-message', 'Delete']].forEach(([name, label]) => {
    const button = element('button', name, label);
    button.type = 'button';
    actions.append(button);
  });
  return actions;
}

// me (the reader's nickname) marks the messages that mention them.
export function messageItem(message, own, me = '') {
  const item = element('li', own ? 'message own' : 'message');
  const meta = element('div', 'meta');
  const author = element('span', `author hue-${hueOf(message.nick)}`, message.nick);
  author.dir = 'auto';
  meta.append(author, timeElement(message.ts));
  if (own) meta.append(ownActions());
  const text = element('p', 'text');
  text.dir = 'auto';
  item.append(meta, text);
  showText(item, message, me);
  if (message.image) item.append(pictureFigure(message.image, message.nick));
  if (message.id !== undefined) item.dataset.id = String(message.id);
  return dated(item, message.ts);
}

// Show a message's (new) text, whether it mentions me, and when it was last edited.
export function showText(item, message, me) {
  fillText(item.querySelector('.text'), message, me);
  item.classList.toggle('mentions-me', Boolean(me) && mentionsMe(message, me));
  if (!message.edited_ts) return;
  let mark = item.querySelector('.edited');
  if (!mark) {
    mark = element('span', 'edited', '(edited)');
    item.querySelector('.time').after(mark);
  }
  mark.title = `Edited ${fullTime(message.edited_ts)}`;
}

export function setDeliveryState(item, state, reason) {
  item.classList.remove('pending', 'sent', 'failed');
  item.classList.add(state);
  let label = item.querySelector('.state');
  if (!label) {
    label = element('span', 'state');
    item.querySelector('.meta').append(label);
  }
  label.textContent = reason ? `${stateLabels[state]}: ${reason}` : stateLabels[state];
}

export function noticeItem(text) {
  const now = Date.now();
  const item = element('li', 'notice');
  item.append(element('span', 'notice-text', text), timeElement(now));
  item.dataset.notice = 'true';
  return dated(item, now);
}

// One line of the activity list: who came online or went offline (`more` besides those
// named), and when.
export function presenceItem(nicks, verb, more = 0) {
  const shown = nicks.slice(0, 3).join(', ');
  const others = nicks.length - 3 + more;
  const names = others > 0 ? `${shown} and ${others.toLocaleString()} more` : shown;
  const item = element('li', 'presence-item');
  item.append(element('span', 'presence-text', `${names} ${verb}`), timeElement(Date.now()));
  return item;
}

export function replaceList(list, items) {
  list.replaceChildren(...items);
}

// A note about a room, {text, action?, retry?}: with a button for the action when there is one.
// In the room list, where every room has one, the button also names its room.
export function roomNoteItem({ text, action, retry }, room) {
  const note = element('p', 'room-note', text);
  if (!action) return note;
  const button = element('button', 'room-retry', action);
  button.type = 'button';
  if (room) button.setAttribute('aria-label', `${action}: ${room}`);
  button.addEventListener('click', retry);
  note.append(' ', button);
  return note;
}

// Each member but me is a button that opens a direct conversation with them.
export function memberItems(members, me) {
  return members.map((nick) => {
    if (nick === me) return element('li', 'member me', nick);
    const item = element('li', 'member');
    const name = element('button', 'member-name', nick);
    name.type = 'button';
    name.dataset.nick = nick;
    name.setAttribute('aria-label', `Message ${nick} directly`);
    item.append(name);
    return item;
  });
}

export function typingText(nicks) {
  if (nicks.length === 0) return '';
  if (nicks.length === 1) return `${nicks[0]} is typing…`;
  if (nicks.length === 2) return `${nicks[0]} and ${nicks[1]} are typing…`;
  return 'Several people are typing…';
}

const statusLabels = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

// The state, then any detail in a span of its own, which a phone's narrow top bar leaves out.
export function showStatus(node, state, detail) {
  node.dataset.state = state;
  node.replaceChildren(statusLabels[state]);
  if (detail) node.append(element('span', 'status-detail', ` — ${detail}`));
}
