// Telling the server what the person has read: the open room's (or conversation's) newest
// message counts as read once the tab is visible and the reader is at the end of the log.
// The server keeps the marker for every device of theirs, so that unread counts and the
// "New messages" line survive a reload and carry across devices. At most one `read` a second
// per log; the last one waiting goes when the second is over.
import { ask } from './ask.js';
import { NEAR_END_PX } from './rooms.js';

const READ_EVERY_MS = 1000;

// Whether the person can see the newest message of log now.
export function seeing(log) {
  return document.visibilityState === 'visible' && !log.list.hidden
    && log.distanceFromEnd() < NEAR_END_PX;
}

export class ReadMarks {
  // onMarked(log) runs when a log's marker moved, so the page can redraw its counts.
  constructor(socket, onMarked) {
    this.socket = socket;
    this.onMarked = onMarked;
    this.timers = new Map();
    this.sentAt = new Map();
  }

  // Mark the log read up to its newest message if the person sees it.
  seen(log) {
    if (!log?.joined || !seeing(log)) return;
    const seq = log.lastSeenSeq ?? 0;
    if (seq <= (log.readSeq ?? 0) || this.timers.has(log)) return;
    const wait = (this.sentAt.get(log) ?? 0) + READ_EVERY_MS - Date.now();
    if (wait <= 0) this.send(log, seq);
    else this.timers.set(log, setTimeout(() => this.later(log), wait));
  }

  later(log) {
    this.timers.delete(log);
    this.seen(log);
  }

  // The marker moves here at once; a refusal leaves it where the server holds it, to be sent
  // again with the next message seen.
  async send(log, seq) {
    this.sentAt.set(log, Date.now());
    const before = log.readSeq;
    log.markRead(seq);
    this.onMarked(log);
    const ack = await ask(this.socket, 'read', { ...log.where, seq });
    if (ack.ok) log.markRead(ack.read_seq);
    else log.readSeq = before;
    this.onMarked(log);
  }
}
