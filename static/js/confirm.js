// Asking an operator to confirm an action that cannot be undone, in the page's own <dialog>.
// Resolves true for the action's button, false for Cancel, Escape or closing.
export function confirmed(dialog, question, action) {
  dialog.querySelector('.confirm-question').textContent = question;
  dialog.querySelector('.confirm-action').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}
