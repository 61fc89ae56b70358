// The chat page: connection state, rooms and direct conversations, messages, typing, read
// markers, and catch-up after reconnects.
import { io } from '../vendor/socket.io.esm.min.js';
import { ask, waitAsked } from './ask.js';
import { Composer } from './composer.js';
import { dayKey } from './dates.js';
import {
  Conversation, ConversationList, directKey, isDirect, partnerOf,
} from './direct.js';
import { Directory } from './directory.js';
import { initDrawer } from './drawer.js';
import { Edits } from './edits.js';
import { MembersPanel } from './members.js';
import { mentionsMe } from './mentions.js';
import { Nickname } from './nickname.js';
import { Notifier } from './notify.js';
import { Outbox } from './outbox.js';
import { PictureAttacher } from './pictures.js';
import {
  element, presenceItem, replaceList, roomNoteItem, showStatus, typingText,
} from './render.js';
import { Reader } from './reading.js';
import { NEAR_END_PX, RoomLog } from './rooms.js';
import { SavedState } from './saved.js';
import { Search } from './search.js';
import { ReadMarks, seeing } from './unread.js';

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
const conversationsNote = document.getElementById('conversations-note');
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
const membersDetails = document.querySelector('.room-header .members');
const membersList = document.getElementById('members');
const logsContainer = document.getElementById('logs');
const typingNode = document.getElementById('typing');
const messageForm = document.getElementById('message-form');
const messageInput = document.getElementById('message');
const messageSubmit = messageForm.querySelector('button[type=submit]');
const sendError = document.getElementById('send-error');

// State
const me = app.dataset.nick;
// Rooms by name, and direct conversations by directKey(nick): each a log on the page.
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
const readMarks = new ReadMarks(socket, () => renderMyRooms());
const conversationsList = new ConversationList({
  list: document.getElementById('conversations'),
  logOf: (nick) => rooms.get(directKey(nick)),
  open: (nick) => openConversation(nick),
});
const notifier = new Notifier({
  button: document.getElementById('ask-notifications'),
  note: document.getElementById('notifications-note'),
});
const search = new Search({
  toggle: document.getElementById('search-toggle'),
  panel: document.getElementById('search'),
  form: document.getElementById('search-form'),
  input: document.getElementById('search-text'),
  close: document.getElementById('search-close'),
  note: document.getElementById('search-note'),
  results: document.getElementById('search-results'),
  socket,
  openLog: () => rooms.get(activeRoom) ?? null,
});
new Edits({
  container: logsContainer,
  dialog: document.getElementById('confirm'),
  socket,
  logOf: (item) => rooms.get(item.closest('ol.messages').dataset.room),
});
const nickname = new Nickname({
  note: document.getElementById('identity-note'),
  form: document.getElementById('passphrase-form'),
  input: document.getElementById('new-passphrase'),
  error: document.getElementById('passphrase-error'),
  done: document.getElementById('passphrase-done'),
  socket,
  signOutDialog: document.getElementById('sign-out-dialog'),
  signOutForms: document.querySelectorAll('form.sign-out'),
  // Signing out forgets this browser's rooms and drafts for the nickname.
  onSignOut: () => saved.forget(),
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

// The person's rooms and conversations, each with its unread count (none for the open one).
function renderMyRooms() {
  const joinedRooms = [...rooms.values()].filter((log) => !isDirect(log.name));
  replaceList(myRoomsList, joinedRooms.map((log) => {
    const item = element('li', log.name === activeRoom ? 'my-room active' : 'my-room');
    item.dataset.state = roomState(log);
    const open = element('button', 'open-room', log.name);
    open.type = 'button';
    open.dataset.room = log.name;
    open.setAttribute('aria-current', log.name === activeRoom ? 'true' : 'false');
    open.addEventListener('click', () => activate(log.name));
    const unread = unreadShown(log);
    if (unread) open.append(element('span', 'badge', String(unread)));
    const close = element('button', 'leave-room', '×');
    close.type = 'button';
    close.setAttribute('aria-label', `Leave ${log.name}`);
    close.addEventListener('click', () => leave(log.name));
    item.append(open, close);
    const note = roomNote(log);
    if (note) item.append(roomNoteItem(note, `#${log.name}`));
    return item;
  }));
  conversationsList.render(activeRoom);
  const unread = joinedRooms.reduce((sum, log) => sum + unreadShown(log), 0)
    + conversationsList.total(activeRoom);
  unreadTotal.textContent = String(unread);
  unreadTotal.hidden = unread === 0;
}

function unreadShown(log) {
  return log.name === activeRoom ? 0 : log.unread;
}

function renderRoomHeader() {
  const log = rooms.get(activeRoom);
  roomTitle.textContent = log ? log.title : 'No room';
  messageInput.placeholder = log ? `Message ${log.title.replace(' ', '')}` : 'Join a room to write';
  membersDetails.hidden = isDirect(activeRoom);
  membersPanel.show(log && !isDirect(log.name) ? log : null);
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
  if (log.closed) return { text: log.closed };
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
    search.close();
    composer.text = room ? saved.draft(room) : '';
  }
  activeRoom = room;
  rooms.forEach((log) => log.show(log.name === room));
  updateReader();
  remember();
  renderMyRooms();
  renderRoomHeader();
  renderTyping();
  closeDrawer();
  messageInput.focus();
}

// The log of a room, or of a conversation when key is a directKey.
function roomLog(key) {
  let log = rooms.get(key);
  if (!log) {
    const Log = isDirect(key) ? Conversation : RoomLog;
    log = new Log(key, logsContainer, me);
    rooms.set(key, log);
  }
  return log;
}

// After anything that changes what the open log shows: the jump button, older pages, and the
// read marker.
function updateReader() {
  reader.update();
  readMarks.seen(rooms.get(activeRoom));
}

// Someone else's message was added to a log: the "New messages" line goes above it if the
// person does not see it come, and the counts follow.
function arrived(log) {
  if (!seeing(log) && !log.divider) log.placeDivider();
  if (log.name === activeRoom) {
    if (log.distanceFromEnd() >= NEAR_END_PX) log.unseen += 1;
    renderTyping();
    updateReader();
  }
  renderMyRooms();
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
  const firstJoin = log.lastSeenSeq === null;
  log.markJoined();
  log.members.reset(ack.members, ack.member_count);
  addMessages(log, ack.history);
  log.readFrom(ack.read_seq, ack.unread);
  if (firstJoin) log.placeDivider();
  log.gapAfter = ack.more ? ack.history.at(-1).seq : null;
  if (ack.more) fetchMissed(log);
  if (!wasJoined) outbox.resendRoom(log.name);
  renderRoom(log);
  updateReader();
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
  const ack = await ask(socket, log.historyEvent, { ...log.where, after_seq: log.gapAfter });
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
  const ack = await ask(socket, log.historyEvent, { ...log.where, before_seq: log.oldestSeq });
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
  updateReader();
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
// id of those seen before; then list the conversations, and catch up on those shown.
async function rejoinAll() {
  rooms.forEach((log) => {
    if (!isDirect(log.name)) rejoin(log);
  });
  await refreshConversations();
  rooms.forEach((log) => {
    if (isDirect(log.name)) catchUp(log);
  });
}

// Direct conversations

// The person's conversations in the sidebar, as the server lists them, with those open here.
async function refreshConversations() {
  const ack = await ask(socket, 'conversations', {});
  conversationsNote.hidden = ack.ok;
  if (!ack.ok) {
    conversationsNote.textContent = `Direct messages not listed: ${ack.error}`;
    return;
  }
  conversationsList.load(ack.conversations);
  rooms.forEach((log) => {
    if (!isDirect(log.name)) return;
    conversationsList.ensure(log.partner);
    const entry = conversationsList.entry(log.partner);
    log.markRead(entry.readSeq);
    log.former = entry.former;
  });
  renderMyRooms();
}

// Open the conversation with nick, fetching it the first time.
function openConversation(nick) {
  if (nick === me) return;
  const key = directKey(nick);
  const fresh = !rooms.has(key);
  const log = roomLog(key);
  conversationsList.ensure(nick);
  log.former = conversationsList.entry(nick).former;
  activate(key);
  if (fresh) catchUp(log);
}

// Fetch a conversation's recent messages, or after a reconnect those after the last seen;
// what waited in the outbox goes once it is caught up. Works as a room's join does.
async function catchUp(log) {
  const request = log.newRequest();
  const after = log.resumeAfter();
  const payload = after === null ? log.where : { ...log.where, after_seq: after };
  const ack = await ask(socket, 'direct history', payload);
  if (rooms.get(log.name) !== log || !log.isLatest(request)) return;
  if (!ack.ok) {
    const text = `Not caught up: ${ack.error}`;
    refused(log, ack, { text, action: 'Try again', retry: () => catchUp(log) });
    return;
  }
  const first = log.lastSeenSeq === null;
  log.markJoined();
  addMessages(log, ack.messages);
  const entry = conversationsList.entry(log.partner);
  if (first) {
    log.readFrom(entry?.readSeq ?? null, entry?.unread ?? 0);
    log.placeDivider();
  }
  log.gapAfter = ack.more ? ack.messages.at(-1).seq : null;
  if (ack.more) fetchMissed(log);
  outbox.resendRoom(log.name);
  renderRoom(log);
  updateReader();
}

// Typing

function noteTyping() {
  if (!activeRoom || isDirect(activeRoom)) return;
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
  if (isDirect(room) || !rooms.get(room)?.joined || Date.now() < typingHeldUntil) return;
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
  const refusal = rooms.get(activeRoom).closed ?? composer.refusal() ?? pictures.refusal();
  sendError.textContent = refusal ?? '';
  if (refusal) return;
  stopTyping();
  rooms.get(activeRoom).dropDivider();
  outbox.send(activeRoom, text, image);
  pictures.clear();
  composer.clear();
  saved.saveDraft(activeRoom, '');
});

// A member's name, or a mention of someone, opens a direct conversation with them.
membersList.addEventListener('click', (event) => {
  const name = event.target.closest('.member-name');
  if (!name) return;
  membersDetails.open = false;
  openConversation(name.dataset.nick);
});
logsContainer.addEventListener('click', (event) => {
  const mention = event.target.closest('.mention[data-nick]');
  if (mention) openConversation(mention.dataset.nick);
});
logsContainer.addEventListener('scroll', () => readMarks.seen(rooms.get(activeRoom)), {
  passive: true,
});
document.addEventListener('visibilitychange', () => readMarks.seen(rooms.get(activeRoom)));

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
  nickname.refresh();
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
  arrived(log);
  if (!mentionsMe(message, me)) return;
  const title = `${message.nick} mentioned you in #${message.room}`;
  notifier.tell(title, message.text, `m${message.id}`);
});

// A direct message to or from this person, from another of their sockets too.
socket.on('direct message', (message) => {
  const nick = partnerOf(message, me);
  const entry = conversationsList.touched(nick);
  const log = rooms.get(directKey(nick));
  const own = message.from === me;
  const added = log ? log.addMessage(message, own) : !own;
  if (!log && added) entry.unread += 1;
  if (added && !own) {
    if (log) arrived(log);
    notifier.tell(`${nick} sent you a direct message`, message.text, `m${message.id}`);
  }
  renderMyRooms();
});

// The person's read marker moved on another of their devices.
socket.on('read marker', (marker) => {
  const log = rooms.get(marker.room ?? directKey(marker.with));
  if (log) {
    log.markRead(marker.read_seq);
    renderMyRooms();
  } else if (marker.with) refreshConversations();
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

// Edits and deletions name their room, or the conversation's other party (`with`).
function logOfChange({ room, with: nick }) {
  return rooms.get(room ?? directKey(nick));
}

socket.on('message edited', (change) => logOfChange(change)?.edit(change.id, change));

socket.on('message removed', (change) => {
  logOfChange(change)?.remove(change.id);
  renderMyRooms();
});

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
