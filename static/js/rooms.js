// One conversation log per room on the page: ordered by seq (the room's message number), each
// message once, a heading for each day, older pages added at the top as the reader scrolls
// back; and what the page knows of the room on the server (joined or not, messages still to
// fetch, whether older ones remain).
import { MemberList } from './members.js';
import {
  daySeparator, element, messageItem, noticeItem, relabelDay, roomNoteItem, showText,
} from './render.js';

// A reader this close to the end of the log is following it; further up, they are reading back.
export const NEAR_END_PX = 80;
// With several server processes a message can arrive a little after one with a higher seq; a
// catch-up re-asks for everything that arrived this close to the newest arrival (the log drops
// what it already has), so such a straggler is never skipped.
const RESUME_OVERLAP_MS = 5000;

export class RoomLog {
  // me: the reader's nickname, for what mentions them.
  constructor(name, container, me) {
    this.name = name;
    this.me = me;
    this.lastSeenSeq = null;
    this.arrivals = [];
    // Where this person stopped reading (the server's marker, or what this page told it).
    this.readSeq = null;
    // The join's word on how many are unread, {readSeq, count}: it counts messages older than
    // those shown, as long as the marker has not moved since.
    this.unreadAtJoin = { readSeq: null, count: 0 };
    this.divider = null;
    // Messages that arrived while the reader was reading back, not yet scrolled to.
    this.unseen = 0;
    this.members = new MemberList();
    // Who this log has said left the room (and has not said came back).
    this.seenLeaving = new Set();
    // False until the server acks a join, and again from a disconnect until the re-join's ack.
    this.joined = false;
    // While messages after this seq may be missing (a catch-up not finished), that seq.
    this.gapAfter = null;
    // A refusal to show with the room: {text, action?, retry?}, or null.
    this.trouble = null;
    this.retryTimer = null;
    // The room's latest join or history request; an answer to an older one is stale.
    this.latestRequest = null;
    // The lowest seq shown, and whether the server said nothing is older.
    this.oldestSeq = null;
    this.reachedStart = false;
    this.loadingOlder = false;
    // A failed fetch of older messages waits for the reader's Try again.
    this.olderFailed = false;
    // The line at the top of the log about older messages (loading, failed, the start).
    this.marker = null;
    this.itemsById = new Map();
    this.list = element('ol', 'messages');
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-live', 'polite');
    this.list.setAttribute('aria-label', `Messages in ${name}`);
    this.list.dataset.room = name;
    this.list.hidden = true;
    container.append(this.list);
  }

  // What names this room in an event's payload, and in the page's headings.
  get where() {
    return { room: this.name };
  }

  get title() {
    return `# ${this.name}`;
  }

  get startText() {
    return `This is the start of #${this.name}.`;
  }

  // The event that asks for this room's history.
  get historyEvent() {
    return 'history';
  }

  // Why nothing can be written here, or null.
  get closed() {
    return null;
  }

  // The event and payload that send text here.
  outgoing(text) {
    return ['chat message', { room: this.name, text }];
  }

  // The server acked a join: the log shows the room as it is now, so even an empty log has
  // seen everything up to now, and a re-join asks for what came after (seq 0 at least).
  markJoined() {
    this.joined = true;
    this.trouble = null;
    this.lastSeenSeq ??= 0;
  }

  // The read position a join named, once its history is shown. A room never marked reads as
  // read up to what its first join showed.
  readFrom(readSeq, unread) {
    if (readSeq === null) this.readSeq ??= this.lastSeenSeq;
    else this.markRead(readSeq);
    this.unreadAtJoin = { readSeq: this.readSeq, count: unread };
  }

  // The marker moved (here, or on another of this person's devices); it never moves back.
  markRead(readSeq) {
    this.readSeq = Math.max(this.readSeq ?? 0, readSeq ?? 0);
  }

  // Others' messages after the read marker.
  get unread() {
    const after = this.readSeq ?? Infinity;
    const shown = [...this.list.querySelectorAll('.message[data-seq]:not(.own)')]
      .filter((item) => Number(item.dataset.seq) > after).length;
    const { readSeq, count } = this.unreadAtJoin;
    return readSeq === this.readSeq ? Math.max(shown, count) : shown;
  }

  // The "New messages" line, above the first of others' messages after the read marker; none
  // when all are read.
  placeDivider() {
    this.divider?.remove();
    this.divider = null;
    const after = this.readSeq ?? Infinity;
    const first = [...this.list.querySelectorAll('.message[data-seq]:not(.own)')]
      .find((item) => Number(item.dataset.seq) > after);
    if (!first) return;
    this.divider = element('li', 'new-divider', 'New messages');
    this.list.insertBefore(this.divider, first);
  }

  dropDivider() {
    this.divider?.remove();
    this.divider = null;
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
    this.followingEnd(() => {
      this.place(messageItem(message, own, this.me), message);
      this.markDays();
      if (!this.marker) this.markStart();
    });
    return true;
  }

  // Add a batch of stored messages, skipping those shown already; own(message) says whose.
  addMessages(messages, own) {
    this.followingEnd(() => {
      messages
        .filter((message) => !this.has(message.id))
        .forEach((message) => this.place(messageItem(message, own(message), this.me), message));
      this.markDays();
      this.markStart();
    });
  }

  // Put an item in seq order, above any messages of ours still waiting for theirs.
  place(item, { id, seq }) {
    this.itemsById.set(id, item);
    item.dataset.id = String(id);
    item.dataset.seq = String(seq);
    this.lastSeenSeq = Math.max(this.lastSeenSeq ?? 0, seq);
    this.oldestSeq = Math.min(this.oldestSeq ?? seq, seq);
    this.noteArrival(seq);
    let next = null;
    for (let node = this.list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.dataset.seq && Number(node.dataset.seq) < seq) break;
      if (node.dataset.seq || node.dataset.clientId) next = node;
    }
    this.list.insertBefore(item, next);
  }

  // Whether the server may hold messages older than the oldest shown.
  hasOlder() {
    return this.oldestSeq !== null && this.oldestSeq > 1 && !this.reachedStart;
  }

  // Whether to ask for the next older page now: there may be one, and nothing stands in the way.
  wantsOlder() {
    return this.joined && this.hasOlder() && !this.loadingOlder && !this.olderFailed;
  }

  // A page of older messages (oldest first) goes above the rest, the reader's place kept;
  // more is false once the page reached the room's first message.
  addOlder(messages, more, own) {
    this.reachedStart = !more;
    this.keepingPlace(() => {
      const first = this.list.querySelector('[data-seq], [data-client-id], .notice');
      messages
        .filter((message) => !this.has(message.id))
        .forEach((message) => {
          const item = messageItem(message, own(message), this.me);
          this.list.insertBefore(item, first);
          this.itemsById.set(message.id, item);
          item.dataset.id = String(message.id);
          item.dataset.seq = String(message.seq);
          this.oldestSeq = Math.min(this.oldestSeq, message.seq);
        });
      this.markDays();
      this.markStart();
    });
  }

  // The line at the top about older messages: {text, action?, retry?}, or null for none.
  setMarker(note) {
    this.keepingPlace(() => {
      this.marker?.remove();
      this.marker = null;
      if (!note) return;
      this.marker = element('li', 'log-start');
      this.marker.append(roomNoteItem(note));
      this.list.prepend(this.marker);
    });
  }

  // Once nothing is older, the top of the log says this is where the room began.
  markStart() {
    if (this.loadingOlder) return;
    const started = this.oldestSeq === 1 || (this.reachedStart && this.oldestSeq !== null);
    this.setMarker(started ? { text: this.startText } : null);
  }

  // Head the first item of each day with that day's name, and no other; keep the names
  // current ("Today" becomes "Yesterday" at midnight).
  markDays() {
    let previousDay = null;
    for (const node of [...this.list.children]) {
      if (node.classList.contains('day')) {
        const headed = node.nextElementSibling;
        const heads = headed && !headed.classList.contains('day')
          && headed.dataset.day === node.dataset.day;
        if (heads && node.dataset.day !== previousDay) relabelDay(node);
        else node.remove();
      } else if (node.dataset.day) {
        const before = node.previousElementSibling;
        const headed = before?.classList.contains('day') && before.dataset.day === node.dataset.day;
        if (node.dataset.day !== previousDay && !headed) {
          this.list.insertBefore(daySeparator(node.dataset.day, Number(node.dataset.ts)), node);
        }
        previousDay = node.dataset.day;
      }
    }
  }

  noteArrival(seq) {
    const now = Date.now();
    this.arrivals = this.arrivals.filter((arrival) => arrival.at >= now - RESUME_OVERLAP_MS);
    this.arrivals.push({ seq, at: now });
  }

  // The seq a catch-up starts after: the last seen, less anything that arrived just before it,
  // and never past the gap of an unfinished catch-up, however new the newest message is.
  resumeAfter() {
    if (this.lastSeenSeq === null) return null;
    const overlap = this.arrivals.map((arrival) => arrival.seq - 1);
    return Math.min(this.gapAfter ?? this.lastSeenSeq, ...overlap);
  }

  // A message of ours, shown before the server has stored it.
  addPending(item) {
    this.list.append(item);
    this.markDays();
    this.scrollToEnd();
  }

  // Our pending item got its id and seq: move it into order, or drop it if shown already.
  confirm(item, message) {
    this.followingEnd(() => {
      if (message.mentions) showText(item, message, this.me);
      item.remove();
      if (!this.has(message.id)) this.place(item, message);
      this.markDays();
      if (!this.marker) this.markStart();
    });
  }

  // Someone edited a message shown here: {text, edited_ts, mentions?}.
  edit(id, change) {
    const item = this.itemsById.get(id);
    if (item) showText(item, change, this.me);
  }

  remove(id) {
    const item = this.itemsById.get(id);
    if (!item) return;
    this.itemsById.delete(id);
    item.remove();
    this.markDays();
  }

  addNotice(text) {
    this.followingEnd(() => {
      this.list.append(noticeItem(text));
      this.markDays();
    });
  }

  get box() {
    return this.list.parentElement;
  }

  // How far the reader is from the end of the log, in pixels.
  distanceFromEnd() {
    return this.box.scrollHeight - this.box.scrollTop - this.box.clientHeight;
  }

  // Insert something, and keep the newest item in view unless the reader has scrolled back.
  followingEnd(insert) {
    const atEnd = this.distanceFromEnd() < NEAR_END_PX;
    insert();
    if (atEnd) this.scrollToEnd();
  }

  // Insert something above what the reader sees, without moving what they see.
  keepingPlace(insert) {
    const fromBottom = this.box.scrollHeight - this.box.scrollTop;
    insert();
    if (!this.list.hidden) this.box.scrollTop = this.box.scrollHeight - fromBottom;
  }

  // All logs share one scrolling box, so only the log on show may move it.
  scrollToEnd() {
    if (this.list.hidden) return;
    this.box.scrollTop = this.box.scrollHeight;
    this.unseen = 0;
  }

  show(visible) {
    this.list.hidden = !visible;
    if (visible) this.scrollToEnd();
  }

  destroy() {
    clearTimeout(this.retryTimer);
    this.latestRequest = null;
    this.list.remove();
  }
}
