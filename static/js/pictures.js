// Pictures: picked with the button by the message box, pasted into it, or dropped onto the
// conversation; uploaded over HTTP (POST /pictures, with the session's CSRF token) behind a
// progress bar that can be cancelled; then sent with the next message, which names the
// upload. In the conversation a picture shows as its thumbnail, at its own size so that
// nothing jumps as it loads; a click opens it full size in a dialog that Escape or the close
// button closes, giving focus back to the thumbnail.
import { element } from './render.js';

const UPLOAD_URL = '/pictures';
const TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const NOT_AN_IMAGE = 'That file is not a JPEG, PNG, GIF or WebP image.';

function megabytes(bytes) {
  return `${(bytes / 1e6).toLocaleString()} MB`;
}

// The reason an upload's answer gives, or one that says what went wrong.
function uploadError(request) {
  if (request.status === 0) return 'The picture could not be sent: no answer (check the network).';
  try {
    const answer = JSON.parse(request.responseText);
    if (answer && typeof answer.error === 'string') return answer.error;
  } catch {
    // Not the server's JSON: a proxy's page, say.
  }
  return `The picture could not be sent (error ${request.status}).`;
}

// The one full-size view of the page, made on first use.
let viewer = null;

function pictureViewer() {
  if (viewer) return viewer;
  const dialog = element('dialog', 'picture-view');
  dialog.setAttribute('aria-label', 'Picture, full size');
  const close = element('button', 'picture-close', 'Close');
  close.type = 'button';
  close.addEventListener('click', () => dialog.close());
  const image = element('img', 'picture-full');
  // A click beside the picture, on the backdrop, closes the view too.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    image.removeAttribute('src');
    viewer.opener?.focus();
  });
  dialog.append(close, image);
  document.body.append(dialog);
  viewer = { dialog, image, opener: null };
  return viewer;
}

function openFullSize(picture, alt, opener) {
  const view = pictureViewer();
  view.opener = opener;
  view.image.width = picture.width;
  view.image.height = picture.height;
  view.image.alt = alt;
  view.image.src = picture.url;
  view.dialog.showModal();
}

// A message's picture: its thumbnail, sized as the server said, a button that opens it.
export function pictureFigure(picture, nick) {
  const alt = `Picture sent by ${nick}`;
  const open = element('button', 'picture-open');
  open.type = 'button';
  open.setAttribute('aria-label', `Open the picture sent by ${nick}, full size`);
  const thumbnail = element('img', 'picture-thumbnail');
  thumbnail.width = picture.thumbnail.width;
  thumbnail.height = picture.thumbnail.height;
  thumbnail.alt = alt;
  thumbnail.loading = 'lazy';
  if (picture.thumbnail.url) thumbnail.src = picture.thumbnail.url;
  open.append(thumbnail);
  open.addEventListener('click', () => openFullSize(picture, alt, open));
  const figure = element('figure', 'picture');
  figure.append(open);
  return figure;
}

// The picture waiting to go with the next message: its upload, then its preview.
export class PictureAttacher {
  constructor({ form, box, dropZone, csrfToken, maxBytes }) {
    this.csrfToken = csrfToken;
    this.maxBytes = maxBytes;
    this.request = null;
    this.attached = null;
    this.enabled = true;
    this.tray = element('div', 'picture-tray');
    this.tray.hidden = true;
    this.error = element('p', 'error picture-error');
    this.error.setAttribute('role', 'alert');
    form.before(this.tray, this.error);
    this.addPickButton(form, box);
    box.addEventListener('paste', (event) => this.pasted(event));
    this.acceptDrops(dropZone);
  }

  addPickButton(form, box) {
    const input = element('input', 'visually-hidden');
    input.type = 'file';
    input.accept = TYPES.join(',');
    input.tabIndex = -1;
    input.setAttribute('aria-hidden', 'true');
    input.addEventListener('change', () => {
      if (input.files.length) this.take(input.files[0]);
      input.value = '';
    });
    this.pick = element('button', 'picture-pick', 'Picture');
    this.pick.type = 'button';
    this.pick.setAttribute('aria-label', 'Add a picture');
    this.pick.addEventListener('click', () => input.click());
    box.before(this.pick, input);
  }

  pasted(event) {
    const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!file) return;
    event.preventDefault();
    this.take(file);
  }

  acceptDrops(zone) {
    const carriesFiles = (event) => event.dataTransfer?.types.includes('Files');
    zone.addEventListener('dragover', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      zone.classList.add('dropping');
    });
    zone.addEventListener('dragleave', (event) => {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove('dropping');
    });
    zone.addEventListener('drop', (event) => {
      zone.classList.remove('dropping');
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer.files.length) this.take(event.dataTransfer.files[0]);
    });
  }

  // While the page takes no input (its person removed, or the connection given up), it takes
  // no picture either.
  enable(enabled) {
    this.enabled = enabled;
    this.pick.disabled = !enabled;
  }

  // Why the message cannot be sent yet, or null.
  refusal() {
    return this.request ? 'Wait until the picture has uploaded, or cancel it.' : null;
  }

  // Upload a file in place of any picture waiting; refuse at once what the server would.
  take(file) {
    if (!this.enabled) return;
    this.clear();
    if (!TYPES.includes(file.type)) this.fail(NOT_AN_IMAGE);
    else if (file.size > this.maxBytes) {
      this.fail(`The image is larger than ${megabytes(this.maxBytes)}.`);
    } else this.upload(file);
  }

  upload(file) {
    const request = new XMLHttpRequest();
    this.request = request;
    const progress = element('progress', 'picture-progress');
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute('aria-label', 'Uploading the picture');
    const cancel = element('button', 'picture-cancel', 'Cancel');
    cancel.type = 'button';
    cancel.setAttribute('aria-label', 'Cancel the upload');
    cancel.addEventListener('click', () => this.clear());
    this.showInTray(element('span', 'picture-status', 'Uploading picture…'), progress, cancel);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
    });
    request.addEventListener('load', () => this.answered(request));
    request.addEventListener('error', () => this.answered(request));
    request.open('POST', UPLOAD_URL);
    request.setRequestHeader('X-CSRFToken', this.csrfToken);
    request.setRequestHeader('Content-Type', file.type);
    request.send(file);
  }

  answered(request) {
    if (this.request !== request) return;
    this.request = null;
    if (request.status === 201) this.attach(JSON.parse(request.responseText).image);
    else this.fail(uploadError(request));
  }

  attach(picture) {
    this.attached = picture;
    const preview = element('img', 'picture-preview');
    preview.src = picture.thumbnail.url;
    preview.alt = 'The picture to send';
    const remove = element('button', 'picture-remove', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', 'Remove the picture');
    remove.addEventListener('click', () => this.clear());
    this.showInTray(preview, element('span', 'picture-status', 'Ready to send'), remove);
  }

  // Nothing waits to be sent: the tray is emptied, and the reason shown.
  fail(reason) {
    this.tray.replaceChildren();
    this.tray.hidden = true;
    this.error.textContent = reason;
  }

  showInTray(...nodes) {
    this.tray.replaceChildren(...nodes);
    this.tray.hidden = false;
  }

  // Forget the waiting picture: its upload cancelled, its preview and any error gone.
  clear() {
    this.request?.abort();
    this.request = null;
    this.attached = null;
    this.fail('');
  }
}
