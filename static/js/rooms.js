// One conversation log per room on the page: ordered by message id, each message once, and
// what the page knows of the room on the server (joined or not, messages still to fetch).
import { MemberList } from './members.js';
import { element, messageItem, noticeItem } from './render.js';

// A reader this close to the end of the log is following it; further up, they are reading back.
const NEAR_END_PX = 80;
// Ids are assigned at commit, and with several server processes a message can arrive a little
// after one with a higher id; a catch-up re-asks for everything that arrived this close to the
// newest arrival (the log drops what it already has), so such a straggler is never skipped.
const RESUME_OVERLAP_MS = 5000;

export class RoomLog {
  constructor(name, container) {
    this.name = name;
    this.lastSeenId = null;
    this.arrivals = [];
    this.unread = 0;
    this.members = new MemberList();
    // False until the server acks a join, and again from a disconnect until the re-join's ack.
    this.joined = false;
    // While messages after this id may be missing (a catch-up not finished), that id.
    this.gapAfter = null;
    // A refusal to show with the room: {text, action?, retry?}, or null.
    this.trouble = null;
    this.retryTimer = null;
    // The room's latest join or history request; an answer to an older one is stale.
    this.latestRequest = null;
    this.itemsById = new Map();
    this.list = element('ol', 'messages');
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-live', 'polite');
    this.list.setAttribute('aria-label', `Messages in ${name}`);
    this.list.dataset.room = name;
    this.list.hidden = true;
    container.append(this.list);
  }

  // The server acked a join: the log shows the room as it is now, so even an empty log has
  // seen everything up to now, and a re-join asks for what came after (id 0 at least).
  markJoined() {
    this.joined = true;
    this.trouble = null;
    this.lastSeenId ??= 0;
  }

  // The server forgets every room of a connection when it ends.
  disconnected() {
    this.joined = false;
    clearTimeout(this.retryTimer);
  }

  // Start a request for this room, ending any retry still waiting; returns its token.
  newRequest() {
    clearTimeout(this.retryTimer);
    this.latestRequest = Symbol(this.name);
    return this.latestRequest;
  }

  isLatest(request) {
    return this.latestRequest === request;
  }

  has(id) {
    return this.itemsById.has(id);
  }

  // Add a stored message unless it is already shown; returns true when it was new.
  addMessage(message, own) {
    if (this.has(message.id)) return false;
    this.place(messageItem(message, own), message.id);
    return true;
  }

  // Put an item in id order, above any messages of ours still waiting for their id.
  place(item, id) {
    this.itemsById.set(id, item);
    this.lastSeenId = Math.max(this.lastSeenId ?? 0, id);
    this.noteArrival(id);
    let next = null;
    for (let node = this.list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.dataset.id && Number(node.dataset.id) < id) break;
      if (node.dataset.id || node.dataset.clientId) next = node;
    }
    item.dataset.id = String(id);
    this.followingEnd(() => this.list.insertBefore(item, next));
  }

  noteArrival(id) {
    const now = Date.now();
    this.arrivals = this.arrivals.filter((arrival) => arrival.at >= now - RESUME_OVERLAP_MS);
    this.arrivals.push({ id, at: now });
  }

  // The id a catch-up starts after: the last seen, less anything that arrived just before it,
  // and never past the gap of an unfinished catch-up, however new the newest message is.
  resumeAfter() {
    if (this.lastSeenId === null) return null;
    const overlap = this.arrivals.map((arrival) => arrival.id - 1);
    return Math.min(this.gapAfter ?? this.lastSeenId, ...overlap);
  }

  // A message of ours, shown before the server has stored it.
  addPending(item) {
    this.list.append(item);
    this.scrollToEnd();
  }

  // Our pending item got its id: move it into order, or drop it if that id is shown already.
  confirm(item, id) {
    item.remove();
    if (!this.has(id)) this.place(item, id);
  }

  remove(id) {
    const item = this.itemsById.get(id);
    if (!item) return;
    this.itemsById.delete(id);
    item.remove();
  }

  addNotice(text) {
    this.followingEnd(() => this.list.append(noticeItem(text)));
  }

  // Insert something, and keep the newest item in view unless the reader has scrolled back.
  followingEnd(insert) {
    const box = this.list.parentElement;
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_END_PX;
    insert();
    if (atEnd) this.scrollToEnd();
  }

  // All logs share one scrolling box, so only the log on show may move it.
  scrollToEnd() {
    if (!this.list.hidden) this.list.parentElement.scrollTop = this.list.parentElement.scrollHeight;
  }

  show(visible) {
    this.list.hidden = !visible;
    if (visible) {
      this.unread = 0;
      this.scrollToEnd();
    }
  }

  destroy() {
    clearTimeout(this.retryTimer);
    this.latestRequest = null;
    this.list.remove();
  }
}
