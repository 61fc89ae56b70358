// The person's nickname: how long it stays theirs, a passphrase to reclaim it on another
// device, and signing out with the choice to keep it reserved or release it.
import { ask } from './ask.js';

export class Nickname {
  constructor({ note, form, input, error, done, socket, signOutDialog, signOutForms, onSignOut }) {
    Object.assign(this, { note, form, input, error, done, socket });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.setPassphrase();
    });
    // Without this script the forms sign out and keep the nickname, as the dialog's default.
    signOutForms.forEach((signOut) => signOut.addEventListener('submit', (event) => {
      event.preventDefault();
      signOutDialog.showModal();
    }));
    signOutDialog.querySelector('form').addEventListener('submit', (event) => {
      if (event.submitter?.getAttribute('formmethod') !== 'dialog') onSignOut();
    });
  }

  // Ask the server how the nickname stands, and say so.
  async refresh() {
    const ack = await ask(this.socket, 'identity', {});
    if (!ack.ok) {
      this.note.textContent = `Not known how your nickname stands: ${ack.error}`;
      return;
    }
    this.form.hidden = !ack.reserved;
    if (!ack.reserved) {
      this.note.textContent = 'Your nickname is yours only while you are connected.';
      return;
    }
    const days = `${ack.reserved_days} day${ack.reserved_days === 1 ? '' : 's'}`;
    const passphrase = ack.passphrase
      ? 'It has a passphrase, which reclaims it on another device.'
      : 'Set a passphrase to reclaim it on another device.';
    this.note.textContent = `Reserved to this browser for ${days} after you leave. ${passphrase}`;
  }

  async setPassphrase() {
    const passphrase = this.input.value;
    this.done.textContent = '';
    const ack = await ask(this.socket, 'set passphrase', { passphrase });
    this.error.textContent = ack.ok ? '' : `Passphrase not set: ${ack.error}`;
    if (!ack.ok) return;
    this.input.value = '';
    this.done.textContent = 'Passphrase set.';
    this.refresh();
  }
}
