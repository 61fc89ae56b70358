// Messages we sent, to a room or a direct conversation: each has a client id, is resent until
// the server acks it, and shows pending / sent / failed, with a button to send a failed one
// again. The server stores a (sender, client id) pair once, so a resend after a lost ack is
// answered with the original id instead of a second copy.
import {
  element, messageItem, setDeliveryState, setMessageTime,
} from './render.js';

const ACK_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 5;

function newClientId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export class Outbox {
  constructor(socket, logFor, nick) {
    this.socket = socket;
    this.logFor = logFor;
    this.nick = nick;
    this.waiting = new Map();
  }

  // image: a picture uploaded to go with the text (pictures.js), or null.
  send(room, text, image = null) {
    const entry = { room, text, image, clientId: newClientId(), attempts: 0 };
    entry.item = messageItem({ nick: this.nick, text, image, ts: Date.now() }, true);
    entry.item.dataset.clientId = entry.clientId;
    setDeliveryState(entry.item, 'pending');
    this.logFor(room).addPending(entry.item);
    this.waiting.set(entry.clientId, entry);
    this.attempt(entry);
  }

  // A message for a room the server has not (re-)joined us to waits for the join: it would be
  // refused. A direct conversation counts as joined once its history is caught up.
  attempt(entry) {
    const log = this.logFor(entry.room);
    if (!this.socket.connected || !log?.joined) return;
    entry.attempts += 1;
    const [event, payload] = log.outgoing(entry.text);
    payload.client_id = entry.clientId;
    if (entry.image) payload.image = entry.image.name;
    this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, ack) => {
      if (!this.waiting.has(entry.clientId)) return;
      if (error) this.retryLater(entry);
      else if (ack.ok) this.delivered(entry, ack);
      else this.failed(entry, ack.error);
    });
  }

  retryLater(entry) {
    if (entry.attempts >= MAX_ATTEMPTS) this.failed(entry, 'no answer from the server');
    else this.attempt(entry);
  }

  delivered(entry, ack) {
    this.waiting.delete(entry.clientId);
    setDeliveryState(entry.item, 'sent');
    setMessageTime(entry.item, ack.ts);
    this.logFor(entry.room)?.confirm(entry.item, { ...ack, text: entry.text });
  }

  failed(entry, reason) {
    this.waiting.delete(entry.clientId);
    setDeliveryState(entry.item, 'failed', reason);
    const again = element('button', 'send-again', 'Send again');
    again.type = 'button';
    again.addEventListener('click', () => {
      again.remove();
      this.sendAgain(entry);
    });
    entry.item.append(again);
  }

  // Send a message once more; on a socket that gave up, connecting again first.
  sendAgain(entry) {
    entry.attempts = 0;
    setDeliveryState(entry.item, 'pending');
    this.waiting.set(entry.clientId, entry);
    if (!this.socket.active) this.socket.connect();
    this.attempt(entry);
  }

  // The connection will not come back by itself: nothing still waiting would be sent.
  failWaiting(reason) {
    [...this.waiting.values()].forEach((entry) => this.failed(entry, reason));
  }

  // Once a room is (re-)joined, send again whatever for it was not acknowledged.
  resendRoom(room) {
    this.waiting.forEach((entry) => {
      if (entry.room === room) this.sendAgain(entry);
    });
  }

  dropRoom(room) {
    this.waiting.forEach((entry, clientId) => {
      if (entry.room === room) this.waiting.delete(clientId);
    });
  }
}
