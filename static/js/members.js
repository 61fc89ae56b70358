// A room's member list: the exact count the server gave, the names loaded so far in the
// server's order, and the next page on demand. A big room's joins and departures come
// gathered (`members changed`), naming only the first few; when more came and went than
// were named, the loaded names may be out of date, and the list offers to load them again.
import { ask } from './ask.js';
import { element, memberItems, replaceList } from './render.js';

// The server's order: case-insensitive, then exact.
function listOrder(nick) {
  return `${nick.toLowerCase()}\u0000${nick}`;
}

export class MemberList {
  constructor() {
    this.names = [];
    this.count = 0;
    // Whether the loaded names may miss changes the server did not name.
    this.stale = false;
    // Why the last request for names failed, or null.
    this.trouble = null;
  }

  // Whether names past the loaded ones are on the server.
  get more() {
    return this.names.length < this.count;
  }

  // The first page and the exact count, as a join's ack or a new first page gives them.
  reset(names, count) {
    this.names = [...names];
    this.count = count;
    this.stale = false;
    this.trouble = null;
  }

  // The page after the last loaded name.
  addPage(names, count) {
    const known = new Set(this.names);
    this.names.push(...names.filter((nick) => !known.has(nick)));
    this.count = count;
    this.trouble = null;
  }

  joined(nick) {
    if (this.names.includes(nick)) return;
    const loadedAll = !this.more;
    this.count += 1;
    this.place(nick, loadedAll);
  }

  left(nick) {
    this.drop(nick);
    this.count = Math.max(0, this.count - 1);
  }

  // A big room's gathered changes, with its exact count.
  changed({ count, joined, left, more_joined: moreJoined, more_left: moreLeft }) {
    const loadedAll = !this.more;
    left.forEach((nick) => this.drop(nick));
    joined.filter((nick) => !this.names.includes(nick)).forEach((nick) => this.place(nick, loadedAll));
    this.count = count;
    if (moreJoined || moreLeft || this.names.length > count) this.stale = true;
  }

  // Put a newcomer in order among the loaded names, unless it sorts past them: the page that
  // holds it is not loaded yet.
  place(nick, loadedAll) {
    const key = listOrder(nick);
    const at = this.names.findIndex((name) => listOrder(name) > key);
    if (at >= 0) this.names.splice(at, 0, nick);
    else if (loadedAll) this.names.push(nick);
  }

  drop(nick) {
    const at = this.names.indexOf(nick);
    if (at >= 0) this.names.splice(at, 1);
  }
}

// The open room's members in the room header: the count, and the names in a drop-down that
// loads the next page when asked.
export class MembersPanel {
  constructor({ count, noun, list }, socket, me) {
    this.countNode = count;
    this.nounNode = noun;
    this.list = list;
    this.socket = socket;
    this.me = me;
    this.log = null;
  }

  // Show a room's members, or none for no room.
  show(log) {
    this.log = log;
    const members = log?.members;
    const count = members?.count ?? 0;
    this.countNode.textContent = count.toLocaleString();
    this.nounNode.textContent = count === 1 ? 'member' : 'members';
    if (!members) {
      replaceList(this.list, []);
      return;
    }
    const items = memberItems(members.names, this.me);
    if (members.stale) items.push(this.action('Refresh the list', () => this.load(log, null)));
    else if (members.more) {
      const unseen = (members.count - members.names.length).toLocaleString();
      items.push(this.action(`Show ${unseen} more`, () => this.load(log, members.names.at(-1))));
    }
    if (members.trouble) items.push(element('li', 'members-trouble', members.trouble));
    replaceList(this.list, items);
  }

  action(label, run) {
    const button = element('button', 'members-more', label);
    button.type = 'button';
    button.addEventListener('click', run);
    const item = element('li', 'members-action');
    item.append(button);
    return item;
  }

  // Ask for the page after `after` (the first page for null); a refusal is shown in the list.
  async load(log, after) {
    const payload = after === null ? { room: log.name } : { room: log.name, after };
    const ack = await ask(this.socket, 'members', payload);
    const { members } = log;
    if (!ack.ok) members.trouble = `Members not loaded: ${ack.error}`;
    else if (after === null) members.reset(ack.members, ack.member_count);
    else members.addPage(ack.members, ack.member_count);
    if (this.log === log) this.show(log);
  }
}
