// DOM helpers: every piece of user-supplied text goes through textContent, never HTML.
import { clockTime, dayKey, dayLabel, fullDay, fullTime } from './dates.js';
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

export function messageItem(message, own) {
  const item = element('li', own ? 'message own' : 'message');
  const meta = element('div', 'meta');
  const author = element('span', `author hue-${hueOf(message.nick)}`, message.nick);
  author.dir = 'auto';
  meta.append(author, timeElement(message.ts));
  const text = element('p', 'text', message.text);
  text.dir = 'auto';
  item.append(meta, text);
  if (message.image) item.append(pictureFigure(message.image, message.nick));
  if (message.id !== undefined) item.dataset.id = String(message.id);
  return dated(item, message.ts);
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

export function memberItems(members, me) {
  return members.map((nick) => element('li', nick === me ? 'member me' : 'member', nick));
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
