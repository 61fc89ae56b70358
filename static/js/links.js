// Web addresses in a message become links: http and https only, opened in a new tab that
// cannot reach back to this page. Everything else, javascript: and data: addresses and text
// that looks like HTML among it, stays text. Links are built with DOM APIs, never as HTML.

const ADDRESS = /https?:\/\/[^\s<>"]+/gi;
// Punctuation that usually ends the sentence around an address rather than the address.
const TRAILING = /[.,;:!?'")\]}]+$/;

function link(address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return address;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return address;
  const anchor = document.createElement('a');
  anchor.href = url.href;
  anchor.textContent = address;
  anchor.rel = 'noopener noreferrer';
  anchor.target = '_blank';
  return anchor;
}

// The text as a list of strings and links, in order.
export function linkParts(text) {
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING, '');
    parts.push(text.slice(from, match.index), link(address));
    from = match.index + address.length;
  }
  parts.push(text.slice(from));
  return parts.filter((part) => part !== '');
}
