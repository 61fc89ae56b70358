// DOM helpers: every piece of user-supplied text goes through textContent, never HTML.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeElement(ts) {
  const when = new Date(ts);
  const sameDay = when.toDateString() === new Date().toDateString();
  const node = element('time', 'time', (sameDay ? timeFormat : dayTimeFormat).format(when));
  node.dateTime = when.toISOString();
  node.title = when.toLocaleString();
  return node;
}

const stateLabels = { pending: 'sending…', sent: '', failed: 'not sent' };

export function messageItem(message, own) {
  const item = element('li', own ? 'message own' : 'message');
  const meta = element('div', 'meta');
  meta.append(element('span', 'author', message.nick), timeElement(message.ts));
  item.append(meta, element('p', 'text', message.text));
  if (message.id !== undefined) item.dataset.id = String(message.id);
  return item;
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
  const item = element('li', 'notice', text);
  item.dataset.notice = 'true';
  return item;
}

export function replaceList(list, items) {
  list.replaceChildren(...items);
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

export function showStatus(node, state, detail) {
  node.dataset.state = state;
  node.textContent = detail ? `${statusLabels[state]} — ${detail}` : statusLabels[state];
}
