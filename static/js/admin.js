// The operations page: connects to the `/admin` namespace with the token typed into the form
// (kept for this tab's session only, sent in `auth`, never in a URL), shows this process's
// live figures and the last hour of them, and sends moderation actions, each confirmed first.
import { io } from '../vendor/socket.io.esm.min.js';
import { ask } from './ask.js';
import { drawChart } from './chart.js';
import { confirmed } from './confirm.js';
import { element, replaceList } from './render.js';

const ACTIVITY_KEPT = 200;
const HOUR_MS = 3600 * 1000;
const TOKEN_KEY = 'chat:admin-token';
const logTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// DOM references
const statusNode = document.getElementById('status');
const signOutButton = document.getElementById('sign-out');
const loginForm = document.getElementById('login');
const tokenInput = document.getElementById('token');
const loginError = document.getElementById('login-error');
const dashboard = document.getElementById('dashboard');
const figures = {
  userCount: document.getElementById('user-count'),
  roomCount: document.getElementById('room-count'),
  rate: document.getElementById('rate'),
  messages: document.getElementById('messages'),
  uptime: document.getElementById('uptime'),
  asyncMode: document.getElementById('async-mode'),
  process: document.getElementById('process'),
};
const roomsBody = document.getElementById('rooms');
const usersList = document.getElementById('users');
const roomNames = document.getElementById('room-names');
const userNames = document.getElementById('user-names');
const announceForm = document.getElementById('announce-form');
const announceText = document.getElementById('announce-text');
const announceRoom = document.getElementById('announce-room');
const announceError = document.getElementById('announce-error');
const kickForm = document.getElementById('kick-form');
const kickNick = document.getElementById('kick-nick');
const kickReason = document.getElementById('kick-reason');
const kickError = document.getElementById('kick-error');
const messagesForm = document.getElementById('messages-form');
const messagesRoom = document.getElementById('messages-room');
const messagesError = document.getElementById('messages-error');
const messagesList = document.getElementById('messages-list');
const activityList = document.getElementById('activity');
const rateChart = document.getElementById('rate-chart');
const usersChart = document.getElementById('users-chart');
const confirmDialog = document.getElementById('confirm');

// State
let socket = null;
// The JSON each live list was last drawn from: an unchanged list is left alone, so a button
// under the pointer is not replaced every second.
const drawn = new Map();
// The samples of the last hour, oldest first: {ts, messages_per_second, users}.
let samples = [];

// Rendering

function showState(state, text) {
  statusNode.dataset.state = state;
  statusNode.textContent = text;
}

function showDashboard(visible) {
  dashboard.hidden = !visible;
  signOutButton.hidden = !visible;
  loginForm.hidden = visible;
}

function duration(totalSeconds) {
  const seconds = Math.floor(totalSeconds);
  const days = Math.floor(seconds / 86400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return days ? `${days}d ${clock}` : clock;
}

function andMore(shown, total) {
  return total > shown.length ? ` and ${total - shown.length} more` : '';
}

function drawIfChanged(key, value, draw) {
  const json = JSON.stringify(value);
  if (drawn.get(key) === json) return;
  drawn.set(key, json);
  draw(value);
}

function option(value) {
  const node = element('option');
  node.value = value;
  return node;
}

function roomRow(room) {
  const row = element('tr');
  const name = element('th', null, room.name);
  name.scope = 'row';
  const members = `${room.member_count}: ${room.members.join(', ')}`;
  const show = element('button', 'show-messages', 'Messages');
  show.type = 'button';
  show.addEventListener('click', () => {
    messagesRoom.value = room.name;
    showMessages(room.name);
  });
  const actions = element('td');
  actions.append(show);
  row.append(name, element('td', 'members', members + andMore(room.members, room.member_count)), actions);
  return row;
}

function userItem(nick) {
  const item = element('li', 'user');
  const kick = element('button', 'kick-user', 'Kick…');
  kick.type = 'button';
  kick.setAttribute('aria-label', `Kick ${nick}…`);
  kick.addEventListener('click', () => {
    kickNick.value = nick;
    kickReason.focus();
  });
  item.append(element('span', 'nick', nick), kick);
  return item;
}

function renderStats(stats) {
  figures.userCount.textContent = String(stats.user_count);
  figures.roomCount.textContent = String(stats.room_count);
  figures.rate.textContent = stats.messages_per_second.toFixed(1);
  figures.messages.textContent = String(stats.messages);
  figures.uptime.textContent = duration(stats.uptime);
  figures.asyncMode.textContent = stats.async_mode;
  figures.process.textContent = stats.process;
  drawIfChanged('rooms', stats.rooms, (rooms) => {
    replaceList(roomsBody, rooms.map(roomRow));
    replaceList(roomNames, rooms.map((room) => option(room.name)));
  });
  drawIfChanged('users', [stats.users, stats.user_count], ([users, count]) => {
    const items = users.map(userItem);
    if (count > users.length) items.push(element('li', 'more', andMore(users, count).trim()));
    replaceList(usersList, items);
    replaceList(userNames, users.map(option));
  });
}

function renderCharts() {
  const now = samples.at(-1)?.ts ?? Date.now();
  samples = samples.filter((sample) => sample.ts > now - HOUR_MS);
  drawChart(rateChart, {
    name: 'Messages per second', samples, now, valueOf: (sample) => sample.messages_per_second,
  });
  drawChart(usersChart, {
    name: 'Users online', samples, now, valueOf: (sample) => sample.users,
  });
}

function messageItem(message) {
  const item = element('li', 'recent-message');
  const when = logTime.format(new Date(message.ts));
  const remove = element('button', 'remove-message', 'Remove');
  remove.type = 'button';
  remove.setAttribute('aria-label', `Remove message ${message.id}`);
  remove.addEventListener('click', () => removeMessage(message, item));
  item.dataset.id = String(message.id);
  item.append(
    element('span', 'meta', `#${message.id} ${message.nick} · ${when}`),
    element('span', 'text', message.text),
    remove,
  );
  return item;
}

function addActivity({ ts, text }) {
  const item = element('li', null, `${logTime.format(new Date(ts))} ${text}`);
  activityList.prepend(item);
  while (activityList.children.length > ACTIVITY_KEPT) activityList.lastChild.remove();
}

// Actions: each waits for the server's ack and shows its error next to the form

async function request(event, payload, errorNode) {
  errorNode.textContent = '';
  const ack = await ask(socket, event, payload);
  if (!ack.ok) errorNode.textContent = ack.error;
  return ack;
}

async function showMessages(room) {
  const ack = await request('history', { room }, messagesError);
  if (!ack.ok) return;
  replaceList(messagesList, ack.messages.map(messageItem));
  if (!ack.messages.length) messagesError.textContent = `No messages in ${ack.room}.`;
}

async function removeMessage(message, item) {
  const question = `Remove message #${message.id} by ${message.nick}? `
    + 'It disappears from history and from every screen.';
  if (!await confirmed(confirmDialog, question, 'Remove')) return;
  const ack = await request('remove', { id: message.id }, messagesError);
  if (ack.ok) item.remove();
}

// Connection

// The token is kept for this tab's session once the server admitted it, so a reload connects
// again by itself; a refused one, or signing out, forgets it.
function keepToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage off: the token must be typed again after a reload, as before.
  }
}

function keptToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function connect(token) {
  socket?.disconnect();
  showState('connecting', 'Connecting…');
  socket = io('/admin', { auth: { token } });
  socket.on('connect', () => {
    keepToken(token);
    tokenInput.value = '';
    loginError.textContent = '';
    showState('connected', 'Connected');
    showDashboard(true);
  });
  socket.on('connect_error', (error) => {
    if (socket.active) {
      showState('reconnecting', 'Reconnecting…');
      return;
    }
    keepToken(null);
    showState('offline', 'Not connected');
    showDashboard(false);
    loginError.textContent = error.message;
  });
  socket.on('disconnect', () => {
    if (socket.active) {
      showState('reconnecting', 'Reconnecting…');
      return;
    }
    showState('offline', 'Disconnected');
    showDashboard(false);
  });
  socket.on('stats', renderStats);
  socket.on('audit', addActivity);
  socket.on('samples', ({ samples: kept }) => {
    samples = kept;
    renderCharts();
  });
  socket.on('sample', (sample) => {
    samples.push(sample);
    renderCharts();
  });
}

// Form and button events

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  connect(tokenInput.value);
});

signOutButton.addEventListener('click', () => {
  keepToken(null);
  socket.disconnect();
  tokenInput.focus();
});

announceForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const ack = await request(
    'announce',
    { text: announceText.value, room: announceRoom.value.trim() || null },
    announceError,
  );
  if (ack.ok) announceText.value = '';
});

kickForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const nick = kickNick.value.trim();
  const reason = kickReason.value.trim() || kickReason.placeholder;
  const question = `Kick ${nick}? Every tab of theirs is disconnected and shows: ${reason}`;
  if (!await confirmed(confirmDialog, question, 'Kick')) return;
  const ack = await request('kick', { nick, reason: kickReason.value }, kickError);
  if (ack.ok) kickNick.value = '';
});

messagesForm.addEventListener('submit', (event) => {
  event.preventDefault();
  showMessages(messagesRoom.value);
});

const token = keptToken();
if (token) connect(token);
