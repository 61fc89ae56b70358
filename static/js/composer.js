// The message box: a text area that grows with its lines, where Enter sends and Shift+Enter
// starts a new line. Near the length limit a counter shows how much is left; past it, the
// message is refused here, saying by how much, instead of being cut or sent to be refused.

// The counter shows from this share of the limit on.
const COUNTER_FROM = 0.9;

// Characters as the server counts them: code points, not UTF-16 units.
function length(text) {
  return [...text].length;
}

export class Composer {
  constructor({ form, box, counter, limit, onInput }) {
    this.form = form;
    this.box = box;
    this.counter = counter;
    this.limit = limit;
    box.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      form.requestSubmit();
    });
    box.addEventListener('input', () => {
      this.refresh();
      onInput();
    });
  }

  get text() {
    return this.box.value;
  }

  set text(value) {
    this.box.value = value;
    this.refresh();
  }

  // Why the text cannot be sent as it is, or null when it can.
  refusal() {
    const count = length(this.box.value);
    if (count <= this.limit) return null;
    return `This message is ${count} characters long; the limit is ${this.limit}. `
      + 'Shorten it to send it.';
  }

  clear() {
    this.text = '';
    this.box.focus();
  }

  refresh() {
    this.grow();
    const count = length(this.box.value);
    const over = count - this.limit;
    this.counter.hidden = count < this.limit * COUNTER_FROM;
    this.counter.classList.toggle('over', over > 0);
    this.counter.textContent = over > 0
      ? `${count} / ${this.limit}: ${over} too many`
      : `${count} / ${this.limit}`;
  }

  // As tall as its lines, up to the height the style sheet allows; then it scrolls.
  grow() {
    const { box } = this;
    box.style.height = 'auto';
    box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
  }
}
