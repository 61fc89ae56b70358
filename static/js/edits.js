// Editing and deleting one's own messages, from the controls on each (render.js): an editor
// in place of the text, where Enter saves and Escape cancels, and a delete asked to be
// confirmed first. What the server agrees to shows at once; a refusal shows on the message,
// which keeps what the server holds.
import { ask } from './ask.js';
import { confirmed } from './confirm.js';
import { element } from './render.js';

function showError(item, text) {
  let note = item.querySelector('.message-error');
  if (!note) {
    note = element('p', 'message-error');
    note.setAttribute('role', 'alert');
    item.append(note);
  }
  note.textContent = text;
}

function clearError(item) {
  item.querySelector('.message-error')?.remove();
}

export class Edits {
  // logOf(item) is the log that shows a message item.
  constructor({ container, dialog, socket, logOf }) {
    Object.assign(this, { dialog, socket, logOf });
    container.addEventListener('click', (event) => {
      const button = event.target.closest('.edit-message, .delete-message');
      const item = button?.closest('.message');
      if (!item?.dataset.id) return;
      if (button.classList.contains('edit-message')) this.open(item);
      else this.remove(item);
    });
  }

  // Put an editor holding the message's text in place of it.
  open(item) {
    const shown = item.querySelector('.editor');
    if (shown) {
      shown.focus();
      return;
    }
    const text = item.querySelector('.text');
    const editor = element('textarea', 'editor');
    editor.value = text.textContent;
    editor.dir = 'auto';
    editor.rows = Math.min(8, editor.value.split('\n').length);
    editor.setAttribute('aria-label', 'Edit your message: Enter saves, Escape cancels');
    const hint = element('p', 'editor-hint', 'Enter saves · Escape cancels');
    editor.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close(item);
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      this.save(item, editor.value);
    });
    text.hidden = true;
    text.after(editor, hint);
    editor.focus();
  }

  close(item) {
    item.querySelector('.editor')?.remove();
    item.querySelector('.editor-hint')?.remove();
    item.querySelector('.text').hidden = false;
    clearError(item);
    item.querySelector('.edit-message')?.focus();
  }

  async save(item, text) {
    if (text === item.querySelector('.text').textContent) {
      this.close(item);
      return;
    }
    const id = Number(item.dataset.id);
    const ack = await ask(this.socket, 'edit message', { id, text });
    if (!ack.ok) {
      showError(item, `Not edited: ${ack.error}`);
      return;
    }
    this.logOf(item)?.edit(id, { text, edited_ts: ack.edited_ts });
    this.close(item);
  }

  async remove(item) {
    if (!await confirmed(this.dialog, 'Delete this message for everyone?', 'Delete')) return;
    const id = Number(item.dataset.id);
    const ack = await ask(this.socket, 'delete message', { id });
    if (ack.ok) this.logOf(item)?.remove(id);
    else showError(item, `Not deleted: ${ack.error}`);
  }
}
