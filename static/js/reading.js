// Where the reader is in the open room's log: older pages load as they near its top, and while
// they are reading back a button below takes them to the newest messages, naming how many
// arrived meanwhile.
import { NEAR_END_PX } from './rooms.js';

// Older messages are asked for once the reader is this close to the top of what is shown.
const OLDER_FROM_PX = 400;
// The button shows once the reader is this far from the end, or new messages wait below.
const AWAY_PX = 2 * NEAR_END_PX;

export class Reader {
  // openLog() is the RoomLog on show (or null); loadOlder(log) fetches its next older page.
  constructor({ box, jump, openLog, loadOlder }) {
    Object.assign(this, { box, jump, openLog, loadOlder });
    box.addEventListener('scroll', () => this.update(), { passive: true });
    jump.addEventListener('click', () => {
      this.openLog()?.scrollToEnd();
      this.update();
    });
  }

  // Bring the button up to date and fetch older messages if the reader is near the top; call
  // after anything that changes what the open log shows.
  update() {
    const log = this.openLog();
    if (!log) {
      this.jump.hidden = true;
      return;
    }
    const away = log.distanceFromEnd();
    if (away < NEAR_END_PX) log.unseen = 0;
    this.jump.hidden = away < AWAY_PX && log.unseen === 0;
    this.jump.textContent = log.unseen === 0
      ? 'Jump to latest'
      : `${log.unseen} new message${log.unseen === 1 ? '' : 's'}`;
    if (this.box.scrollTop < OLDER_FROM_PX && log.wantsOlder()) this.loadOlder(log);
  }
}
