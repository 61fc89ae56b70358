// Telling the person about a mention of them (or a direct message) while they look elsewhere:
// a count in the page's title, cleared when they come back, and a browser notification if
// they allowed it. Permission is asked only when they press the page's button for it, never
// on load.

export class Notifier {
  // button: shown while the browser has not been told yes or no; note: says where they stand.
  constructor({ button, note }) {
    Object.assign(this, { button, note });
    this.baseTitle = document.title;
    this.missed = 0;
    button.addEventListener('click', () => this.ask());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.clear();
    });
    this.render();
  }

  static get supported() {
    return 'Notification' in window;
  }

  async ask() {
    await Notification.requestPermission();
    this.render();
  }

  render() {
    const permission = Notifier.supported ? Notification.permission : 'unsupported';
    this.button.hidden = permission !== 'default';
    this.note.hidden = permission !== 'denied';
    this.note.textContent = 'Notifications are blocked in this browser.';
  }

  // title and body of something meant for the person; only counts while the tab is hidden.
  tell(title, body, tag) {
    if (document.visibilityState === 'visible') return;
    this.missed += 1;
    document.title = `(${this.missed}) ${this.baseTitle}`;
    if (Notifier.supported && Notification.permission === 'granted') {
      const shown = new Notification(title, { body, tag });
      shown.addEventListener('click', () => window.focus());
    }
  }

  clear() {
    this.missed = 0;
    document.title = this.baseTitle;
  }
}
