// What the page keeps in the browser for one nickname, so that a reload or a new tab opens as
// the person left it: their rooms in order, the open one, the form's room they came in with,
// and the draft left in each room's message box. Where storage is refused (a private window
// with storage off, a full quota), the page works the same without it.

function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? {};
  } catch {
    return {};
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage off or full: this page still holds everything; only a reload forgets it.
  }
}

export class SavedState {
  constructor(nick) {
    this.key = `chat:${nick}`;
  }

  // {rooms, active, formRoom}: all absent when nothing was saved.
  rooms() {
    const { rooms = [], active = null, formRoom = null } = read(this.key);
    return { rooms, active, formRoom };
  }

  saveRooms(rooms, active, formRoom) {
    write(this.key, { ...read(this.key), rooms, active, formRoom });
  }

  draft(room) {
    return read(this.key).drafts?.[room] ?? '';
  }

  // Keep a room's draft; an empty one is dropped.
  saveDraft(room, text) {
    const saved = read(this.key);
    const drafts = { ...saved.drafts, [room]: text };
    if (!text) delete drafts[room];
    write(this.key, { ...saved, drafts });
  }

  forget() {
    try {
      localStorage.removeItem(this.key);
    } catch {
      // Nothing was kept.
    }
  }
}
