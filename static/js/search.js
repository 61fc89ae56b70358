// Searching the open room's (or conversation's) history: the server's matches, newest first,
// each with its author and date; an empty answer, or a refusal, said in words.
import { ask } from './ask.js';
import { clockTime, dayLabel, fullTime } from './dates.js';
import { element, replaceList } from './render.js';

function resultItem(message) {
  const item = element('li', 'search-result');
  const meta = element('div', 'meta');
  const when = element('time', 'time', `${dayLabel(message.ts)}, ${clockTime(message.ts)}`);
  when.dateTime = new Date(message.ts).toISOString();
  when.title = fullTime(message.ts);
  const author = element('span', 'author', message.nick ?? message.from);
  author.dir = 'auto';
  meta.append(author, when);
  const text = element('p', 'text', message.text);
  text.dir = 'auto';
  item.append(meta, text);
  return item;
}

export class Search {
  // openLog() is the log on show (or null).
  constructor({ toggle, panel, form, input, close, note, results, socket, openLog }) {
    Object.assign(this, { toggle, panel, input, note, results, socket, openLog });
    toggle.addEventListener('click', () => (panel.hidden ? this.open() : this.close()));
    close.addEventListener('click', () => this.close());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
  }

  open() {
    this.panel.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    const log = this.openLog();
    this.input.placeholder = log ? `Search ${log.title.replace(' ', '')}` : 'Search';
    this.input.focus();
  }

  // Closed, and emptied, when the person is done or opens another room.
  close() {
    this.panel.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    this.input.value = '';
    this.note.textContent = '';
    replaceList(this.results, []);
  }

  async run() {
    const log = this.openLog();
    const q = this.input.value.trim();
    if (!log || !q) return;
    this.note.textContent = 'Searching…';
    replaceList(this.results, []);
    const ack = await ask(this.socket, 'search', { ...log.where, q });
    if (this.openLog() !== log) return;
    this.note.classList.toggle('error', !ack.ok);
    if (!ack.ok) this.note.textContent = `Search failed: ${ack.error}`;
    else if (ack.messages.length === 0) this.note.textContent = `No messages match “${q}”.`;
    else {
      const count = ack.messages.length;
      this.note.textContent = `${count} message${count === 1 ? '' : 's'}, newest first:`;
    }
    replaceList(this.results, ack.ok ? ack.messages.map(resultItem) : []);
  }
}
