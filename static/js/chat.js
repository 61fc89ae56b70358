// The chat page: connection state, rooms, messages, typing, and catch-up after reconnects.
import { io } from '../vendor/socket.io.esm.min.js';
import { ask, waitAsked } from './ask.js';
import { Composer } from './composer.js';
import { dayKey } from './dates.js';
import { Directory } from './directory.js';
import { initDrawer } from './drawer.js';
import { MembersPanel } from './members.js';
import { Outbox } from './outbox.js';
import { PictureAttacher } from './pictures.js';
import {
  element, presenceItem, replaceList, roomNoteItem, showStatus, typingText,
} from './render.js';
import { Reader } from './reading.js';
import { NEAR_END_PX, RoomLog } from './rooms.js';
import { SavedState } from './saved.js';

const TYPING_SEND_INTERVAL_MS = 2000;
const TYPING_IDLE_MS = 3000;
const TYPING_EXPIRE_MS = 6000;
const PRESENCE_SHOWN = 5;

// DOM references
const app = document.getElementById('app');
const statusNode = document.getElementById('status');
const announcementNode = document.getElementById('announcement');
const announcementText = document.getElementById('announcement-text');
const myRoomsList = document.getElementById('my-rooms');
const presenceList = document.getElementById('presence');
const unreadTotal = document.getElementById('unread-total');
const joinForm = document.getElementById('join-form');
const joinInput = document.getElementById('join-room');
const joinSubmit = joinForm.querySelector('button[type=submit]');
const joinError = document.getElementById('join-error');
const roomTitle = document.getElementById('room-title');
const roomNotice = document.getElementById('room-notice');
const memberCount = document.getElementById('member-count');
const memberNoun = document.getElementById('member-noun');
const membersList = document.getElementById('members');
const logsContainer = document.getElementById('logs');
const typingNode = document.getElementById('typing');
const messageForm = document.getElementById('message-form');
const messageInput = document.getElementById('message');
const messageSubmit = messageForm.querySelector('button[type=submit]');
const sendError = document.getElementById('send-error');

// State
const me = app.dataset.nick;
const rooms = new Map();
const typists = new Map();
const saved = new SavedState(me);
let activeRoom = null;
let typingSentAt = 0;
let typingIdleTimer = null;
// After the server refused a typing notice and named a wait, none is sent until then.
let typingHeldUntil = 0;
// Whether the server sent this page away (an operator's kick, or a flood cut off).
let kicked = false;
// Whether the socket gave up: it connects again only when the person asks.
let stopped = false;
// Once connected, every later connect is a reconnect: the server then tells nobody that we came
// online, or joined our rooms, again.
let connectedBefore = false;

const closeDrawer = initDrawer({
  app,
  toggle: document.getElementById('rooms-toggle'),
  panel: document.getElementById('sidebar'),
  backdrop: document.getElementById('sidebar-backdrop'),
});
const composer = new Composer({
  form: messageForm,
  box: messageInput,
  counter: document.getElementById('message-count'),
  limit: Number(app.dataset.textMax),
  onInput: () => {
    if (activeRoom) saved.saveDraft(activeRoom, composer.text);
    noteTyping();
  },
});
const pictures = new PictureAttacher({
  form: messageForm,
  box: messageInput,
  dropZone: document.querySelector('.conversation'),
  csrfToken: app.dataset.csrfToken,
  maxBytes: Number(app.dataset.pictureMaxBytes),
});
const socket = io({
  transports: ['websocket', 'polling'],
  upgrade: true,
  auth: (send) => send(connectedBefore ? { resume: true } : undefined),
});
const outbox = new Outbox(socket, (room) => rooms.get(room), me);
const membersPanel = new MembersPanel(
  { count: memberCount, noun: memberNoun, list: membersList }, socket, me,
);
const reader = new Reader({
  box: logsContainer,
  jump: document.getElementById('jump'),
  openLog: () => rooms.get(activeRoom) ?? null,
  loadOlder: (log) => loadOlder(log),
});
const directory = new Directory({
  list: document.getElementById('directory'),
  total: document.getElementById('room-total'),
  note: document.getElementById('directory-note'),
  search: document.getElementById('find-room'),
  find: (q) => ask(socket, 'find rooms', { q }),
  onJoin: (room) => join(room),
});

// Rendering

function renderMyRooms() {
  replaceList(myRoomsList, [...rooms.values()].map((log) => {
    const item = element('li', log.name === activeRoom ? 'my-room active' : 'my-room');
    item.dataset.state = roomState(log);
    const open = element('button', 'open-room', log.name);
    open.type = 'button';
    open.dataset.room = log.name;
    open.setAttribute('aria-current', log.name === activeRoom ? 'true' : 'false');
    open.addEventListener('click', () => activate(log.name));
    if (log.unread) open.append(element('span', 'badge', String(log.unread)));
    const close = element('button', 'leave-room', '×');
    close.type = 'button';
    close.setAttribute('aria-label', `Leave ${log.name}`);
    close.addEventListener('click', () => leave(log.name));
    item.append(open, close);
    const note = roomNote(log);
    if (note) item.append(roomNoteItem(note, `#${log.name}`));
    return item;
  }));
  const unread = [...rooms.values()].reduce((sum, log) => sum + log.unread, 0);
  unreadTotal.textContent = String(unread);
  unreadTotal.hidden = unread === 0;
}

function renderRoomHeader() {
  const log = rooms.get(activeRoom);
  roomTitle.textContent = log ? `# ${log.name}` : 'No room';
  messageInput.placeholder = log ? `Message #${log.name}` : 'Join a room to write';
  membersPanel.show(log ?? null);
  const note = log && roomNote(log);
  roomNotice.replaceChildren(...(note ? [roomNoteItem(note)] : []));
  roomNotice.hidden = !note;
}

// A room's own change (joined, refused, caught up) shows in the list, and in the header if open.
function renderRoom(log) {
  renderMyRooms();
  if (log.name === activeRoom) renderRoomHeader();
}

// What the person should know about a room now: a refusal, or that missed messages are on
// their way; null when all is well.
function roomNote(log) {
  if (log.trouble) return log.trouble;
  return log.gapAfter === null ? null : { text: 'Fetching missed messages…' };
}

function roomState(log) {
  if (!log.joined) return 'not-joined';
  return log.gapAfter === null ? 'joined' : 'catching-up';
}

function renderTyping() {
  const now = Date.now();
  const nicks = [...(typists.get(activeRoom) ?? new Map())]
    .filter(([, until]) => until > now)
    .map(([nick]) => nick);
  typingNode.textContent = typingText(nicks);
}

function notePresence(nicks, verb, more = 0) {
  if (nicks.length === 0) return;
  presenceList.prepend(presenceItem(nicks, verb, more));
  while (presenceList.children.length > PRESENCE_SHOWN) presenceList.lastElementChild.remove();
}

// The socket will not reconnect by itself (refused, or sent away): say so, take no more
// input, mark what was still to send as not sent, and offer the way back.
function stopForGood(detail) {
  stopped = true;
  showStatus(statusNode, 'offline', detail);
  enableInput(false);
  outbox.failWaiting('you were disconnected');
  const reload = element('button', 'reload', 'Reload the page');
  reload.type = 'button';
  reload.addEventListener('click', () => window.location.reload());
  sendError.replaceChildren('You are disconnected. ', reload, ' to come back.');
}

// Connected again after stopping for good (Send again connects once more): take input again.
function comeBack() {
  stopped = false;
  kicked = false;
  enableInput(true);
  sendError.textContent = '';
  announcementNode.hidden = true;
}

function enableInput(enabled) {
  [messageInput, messageSubmit, joinInput, joinSubmit].forEach((control) => {
    control.disabled = !enabled;
  });
  pictures.enable(enabled);
}

function whyStopped(reason) {
  if (kicked) return 'removed from the chat';
  return reason === 'io server disconnect' ? 'disconnected by the server' : reason;
}

function announce(text) {
  announcementText.textContent = text;
  announcementNode.hidden = false;
}

// Rooms

// Open a room: its log, its members, and the draft left in its message box.
function activate(room) {
  if (room !== activeRoom) {
    stopTyping();
    composer.text = room ? saved.draft(room) : '';
  }
  activeRoom = room;
  rooms.forEach((log) => log.show(log.name === room));
  reader.update();
  remember();
  renderMyRooms();
  renderRoomHeader();
  renderTyping();
  closeDrawer();
  messageInput.focus();
}

function roomLog(room) {
  let log = rooms.get(room);
  if (!log) {
    log = new RoomLog(room, logsContainer);
    rooms.set(room, log);
  }
  return log;
}

function ours(message) {
  return message.nick === me;
}

function addMessages(log, messages) {
  log.addMessages(messages, ours);
}

// The server put us in the room: show its members and history, send what waited for the join,
// and fetch the rest of what was missed when the history stops short of the newest message.
function applyJoin(ack) {
  const log = roomLog(ack.room);
  const wasJoined = log.joined;
  log.markJoined();
  log.members.reset(ack.members, ack.member_count);
  addMessages(log, ack.history);
  log.gapAfter = ack.more ? ack.history.at(-1).seq : null;
  if (ack.more) fetchMissed(log);
  if (!wasJoined) outbox.resendRoom(log.name);
  renderRoom(log);
  reader.update();
}

// Show why the server refused a room's request, and try again by itself after the wait it
// named. A refusal that comes from losing the connection shows nothing: the re-join after the
// reconnect takes over.
function refused(log, ack, trouble) {
  if (!socket.connected) return;
  const wait = waitAsked(ack);
  const later = wait === null ? '' : ` Trying again in ${Math.ceil(wait / 1000)} s.`;
  log.trouble = { ...trouble, text: trouble.text + later };
  if (wait !== null) log.retryTimer = setTimeout(trouble.retry, wait);
  renderRoom(log);
}

// Fetch the rest of what was missed, batch by batch, each batch after the last one's end
// (not after the newest id seen: live messages keep arriving while the batches come in).
// Only the room's latest request goes on: a re-join or a second try replaces this one.
async function fetchMissed(log) {
  const request = log.newRequest();
  const ack = await ask(socket, 'history', { room: log.name, after_seq: log.gapAfter });
  if (!log.isLatest(request)) return;
  if (!ack.ok) {
    const text = `Missed messages not fetched: ${ack.error}`;
    refused(log, ack, { text, action: 'Try again', retry: () => fetchMissed(log) });
    return;
  }
  addMessages(log, ack.messages);
  log.trouble = null;
  log.gapAfter = ack.more ? ack.messages.at(-1).seq : null;
  renderRoom(log);
  if (ack.more) fetchMissed(log);
}

// What a join asks for: the recent history of a room never joined, else what came after the
// last seen seq, as a resumption.
function joinPayload(room) {
  const after = rooms.get(room)?.resumeAfter() ?? null;
  return after === null ? { room } : { room, after_seq: after, resume: true };
}

// Fetch the page of messages before the oldest shown, keeping the reader's place; a refusal
// shows at the top of the log, with Try again.
async function loadOlder(log) {
  log.loadingOlder = true;
  log.setMarker({ text: 'Loading earlier messages…' });
  const ack = await ask(socket, 'history', { room: log.name, before_seq: log.oldestSeq });
  log.loadingOlder = false;
  if (rooms.get(log.name) !== log) return;
  if (!ack.ok) {
    log.olderFailed = true;
    const retry = () => {
      log.olderFailed = false;
      loadOlder(log);
    };
    log.setMarker({ text: `Earlier messages not loaded: ${ack.error}`, action: 'Try again', retry });
    return;
  }
  log.addOlder(ack.messages, ack.more, ours);
  reader.update();
}

// Join a room from the form or the directory; the form shows a refusal.
async function join(room) {
  const ack = await ask(socket, 'join', joinPayload(room));
  if (!ack.ok) {
    joinError.textContent = ack.error;
    return;
  }
  joinError.textContent = '';
  applyJoin(ack);
  activate(ack.room);
}

// Ask the server to put us (back) in a room the page shows; refused, the room says it is not
// joined and why, and offers to try again.
async function rejoin(log) {
  const request = log.newRequest();
  const ack = await ask(socket, 'join', joinPayload(log.name));
  // Left meanwhile: the leave reached the server after this join.
  if (rooms.get(log.name) !== log) return;
  if (ack.ok) applyJoin(ack);
  else if (log.isLatest(request) && !log.joined) {
    const text = `Not joined: ${ack.error}`;
    refused(log, ack, { text, action: 'Join again', retry: () => rejoin(log) });
  }
}

// Leave a room once the server agrees; a refusal keeps the room, saying why. A room the server
// does not hold us in (its join was refused) goes whatever the answer.
async function leave(room) {
  const log = rooms.get(room);
  const ack = await ask(socket, 'leave', { room });
  if (rooms.get(room) !== log) return;
  if (ack.ok || !log.joined) {
    forget(log);
    return;
  }
  log.trouble = { text: `Could not leave: ${ack.error}` };
  renderRoom(log);
}

function forget(log) {
  log.destroy();
  rooms.delete(log.name);
  outbox.dropRoom(log.name);
  saved.saveDraft(log.name, '');
  if (activeRoom === log.name) activate(rooms.keys().next().value ?? null);
  else {
    remember();
    renderMyRooms();
  }
}

// Keep the rooms shown and the open one for a reload or a new tab.
function remember() {
  saved.saveRooms([...rooms.keys()], activeRoom, app.dataset.room);
}

// Show the rooms kept from the last visit, joined once connected. A room just chosen on the
// form (not the one this browser came in with last time) is added to them and opened.
function restoreRooms() {
  const formRoom = app.dataset.room;
  const kept = saved.rooms();
  const fromTheForm = kept.formRoom !== formRoom;
  const names = fromTheForm && !kept.rooms.includes(formRoom)
    ? [...kept.rooms, formRoom]
    : kept.rooms;
  names.forEach(roomLog);
  const open = fromTheForm ? formRoom : kept.active;
  // Whatever was typed into the box before this script ran stays, as the open room's draft.
  const typedEarly = composer.text;
  activate(rooms.has(open) ? open : names[0] ?? null);
  if (typedEarly && activeRoom) {
    composer.text = typedEarly;
    saved.saveDraft(activeRoom, typedEarly);
  }
}

// On every (re)connect, join every room shown, asking only for what came after the last seen
// id of those seen before.
function rejoinAll() {
  rooms.forEach(rejoin);
}

// Typing

function noteTyping() {
  if (!activeRoom) return;
  const now = Date.now();
  if (now - typingSentAt > TYPING_SEND_INTERVAL_MS) {
    typingSentAt = now;
    sendTyping(activeRoom, true);
  }
  clearTimeout(typingIdleTimer);
  typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  clearTimeout(typingIdleTimer);
  if (typingSentAt && activeRoom) sendTyping(activeRoom, false);
  typingSentAt = 0;
}

// Only to a joined room, and not while the server asked to wait; a refusal shows under the
// message box.
async function sendTyping(room, active) {
  if (!rooms.get(room)?.joined || Date.now() < typingHeldUntil) return;
  const ack = await ask(socket, 'typing', { room, active });
  if (ack.ok || !socket.connected) return;
  typingHeldUntil = Date.now() + (waitAsked(ack) ?? 0);
  sendError.textContent = `Others may not see whether you are typing: ${ack.error}`;
}

// Keyboard and click events

messageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const { text } = composer;
  const image = pictures.attached;
  if ((!text.trim() && !image && !pictures.request) || !activeRoom) return;
  const refusal = composer.refusal() ?? pictures.refusal();
  sendError.textContent = refusal ?? '';
  if (refusal) return;
  stopTyping();
  outbox.send(activeRoom, text, image);
  pictures.clear();
  composer.clear();
  saved.saveDraft(activeRoom, '');
});

// Signing out forgets this browser's rooms and drafts for the nickname.
document.querySelectorAll('form.sign-out').forEach((form) => {
  form.addEventListener('submit', () => saved.forget());
});

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (joinInput.value.trim()) join(joinInput.value);
  joinInput.value = '';
});

window.addEventListener('offline', () => showStatus(statusNode, 'offline', 'no network'));
window.addEventListener('online', () => showStatus(statusNode, 'reconnecting'));

// Socket events

socket.on('connect', () => {
  connectedBefore = true;
  if (stopped) comeBack();
  showStatus(statusNode, 'connected');
  rejoinAll();
});

socket.on('disconnect', (reason) => {
  rooms.forEach((log) => log.disconnected());
  renderMyRooms();
  if (socket.active) showStatus(statusNode, 'reconnecting', 'connection lost');
  else stopForGood(whyStopped(reason));
});

socket.io.on('reconnect_attempt', () => showStatus(statusNode, 'reconnecting'));

socket.on('connect_error', (error) => {
  if (socket.active) showStatus(statusNode, 'reconnecting');
  else stopForGood(error.message);
});

socket.on('chat message', (message) => {
  const log = rooms.get(message.room);
  if (!log || !log.addMessage(message, ours(message))) return;
  typists.get(message.room)?.delete(message.nick);
  if (message.room === activeRoom) {
    if (log.distanceFromEnd() >= NEAR_END_PX) log.unseen += 1;
    renderTyping();
    reader.update();
  } else {
    log.unread += 1;
    renderMyRooms();
  }
});

// Someone re-joining after a reconnect is no news, unless this page said they had left.
socket.on('user joined', ({ room, nick, resumed }) => {
  const log = rooms.get(room);
  if (!log) return;
  log.members.joined(nick);
  if (!resumed || log.seenLeaving.has(nick)) log.addNotice(`${nick} joined`);
  log.seenLeaving.delete(nick);
  if (room === activeRoom) renderRoomHeader();
});

socket.on('user left', ({ room, nick }) => {
  const log = rooms.get(room);
  if (!log) return;
  log.members.left(nick);
  log.addNotice(`${nick} left`);
  log.seenLeaving.add(nick);
  typists.get(room)?.delete(nick);
  if (room === activeRoom) {
    renderRoomHeader();
    renderTyping();
  }
});

// A big room's joins and departures, gathered: the count and the list change, but the log gets
// no line per person (as in the big channels of Slack or Discord).
socket.on('members changed', (change) => {
  const log = rooms.get(change.room);
  if (!log) return;
  log.members.changed(change);
  change.left.forEach((nick) => typists.get(change.room)?.delete(nick));
  if (change.room === activeRoom) {
    renderRoomHeader();
    renderTyping();
  }
});

socket.on('typing', ({ room, nick, active }) => {
  if (!typists.has(room)) typists.set(room, new Map());
  if (active) typists.get(room).set(nick, Date.now() + TYPING_EXPIRE_MS);
  else typists.get(room).delete(nick);
  if (room === activeRoom) renderTyping();
});

socket.on('rooms', (listing) => directory.show(listing));

socket.on('presence', ({ online, offline, more_online: moreOnline, more_offline: moreOffline }) => {
  notePresence(online.filter((nick) => nick !== me), 'came online', moreOnline);
  notePresence(offline, 'went offline', moreOffline);
});

socket.on('message removed', ({ id, room }) => rooms.get(room)?.remove(id));

socket.on('announcement', ({ text, room }) => {
  if (room) rooms.get(room)?.addNotice(`Announcement: ${text}`);
  else announce(text);
});

socket.on('kicked', ({ reason }) => {
  kicked = true;
  announce(`You were removed from the chat: ${reason}`);
});

restoreRooms();
document.getElementById('dismiss-announcement').addEventListener('click', () => {
  announcementNode.hidden = true;
});
setInterval(renderTyping, 1000);
// At midnight "Today" becomes "Yesterday".
let today = dayKey(Date.now());
setInterval(() => {
  if (dayKey(Date.now()) === today) return;
  today = dayKey(Date.now());
  rooms.forEach((log) => log.markDays());
}, 60_000);
