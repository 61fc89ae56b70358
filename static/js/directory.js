// "All rooms": the busiest occupied rooms as the server last listed them, how many rooms are
// occupied in all, and a search field that asks the server for the rest (`find rooms`).
import { element, replaceList } from './render.js';

const SEARCH_DELAY_MS = 250;

function roomItem({ name, members }, onJoin) {
  const item = element('li', 'directory-room');
  const button = element('button', 'join-listed', name);
  button.type = 'button';
  button.dataset.room = name;
  button.append(element('span', 'count', `${members} online`));
  button.addEventListener('click', () => onJoin(name));
  item.append(button);
  return item;
}

export class Directory {
  // find(q) asks the server and resolves to its ack; onJoin(name) joins a listed room.
  constructor({ list, total, note, search, find, onJoin }) {
    Object.assign(this, { list, total, note, search, find, onJoin });
    this.listing = { rooms: [], total: 0 };
    this.timer = null;
    // The latest search sent: the answer to an older one is dropped.
    this.latest = null;
    search.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookUp(), SEARCH_DELAY_MS);
    });
    search.form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(this.timer);
      this.lookUp();
    });
  }

  // The server's listing {rooms, total}; shown unless a search is.
  show(listing) {
    this.listing = listing;
    this.total.textContent = String(listing.total);
    if (!this.search.value.trim()) this.render(listing.rooms, this.listedNote());
  }

  listedNote() {
    const { rooms, total } = this.listing;
    if (total <= rooms.length) return '';
    return `The ${rooms.length} busiest of ${total} rooms: search for the others.`;
  }

  async lookUp() {
    const q = this.search.value.trim();
    this.latest = q;
    if (!q) {
      this.render(this.listing.rooms, this.listedNote());
      return;
    }
    const ack = await this.find(q);
    if (this.latest !== q) return;
    if (!ack.ok) {
      this.render([], `Rooms not searched: ${ack.error}`);
      return;
    }
    let note = ack.rooms.length ? '' : `No occupied room has "${q}" in its name.`;
    if (ack.more) note = `More rooms have "${q}" in their names: search for more of the name.`;
    this.render(ack.rooms, note);
  }

  render(rooms, note) {
    replaceList(this.list, rooms.map((room) => roomItem(room, this.onJoin)));
    this.note.textContent = note;
    this.note.hidden = !note;
  }
}
