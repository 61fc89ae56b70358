// Mentions in a message: each `@nick` the server named in the message's `mentions` is set
// apart, and the message stands out for the person it names. Nicknames are compared without
// case here; the server already matched look-alikes and spells each as its owner does.

function same(a, b) {
  return a.toLowerCase() === b.toLowerCase();
}

// Whether the message names me.
export function mentionsMe(message, me) {
  return (message.mentions ?? []).some((nick) => same(nick, me));
}

function escaped(nick) {
  return nick.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A mention of someone else is a button that opens a direct conversation with them.
function mention(written, nick, me) {
  if (same(nick, me)) {
    const node = document.createElement('span');
    node.className = 'mention me';
    node.textContent = written;
    return node;
  }
  const node = document.createElement('button');
  node.type = 'button';
  node.className = 'mention';
  node.dataset.nick = nick;
  node.textContent = written;
  node.title = `Message ${nick} directly`;
  return node;
}

// A piece of text as strings and mention nodes, for the nicknames in mentions.
export function mentionParts(text, mentions, me) {
  if (!mentions?.length) return [text];
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}_@])@(${mentions.map(escaped).join('|')})(?![\\p{L}\\p{N}_-])`, 'giu',
  );
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(pattern)) {
    const nick = mentions.find((name) => same(name, match[1]));
    parts.push(text.slice(from, match.index), mention(match[0], nick, me));
    from = match.index + match[0].length;
  }
  parts.push(text.slice(from));
  return parts.filter((part) => part !== '');
}
