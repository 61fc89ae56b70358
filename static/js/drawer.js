// On a narrow screen the room sidebar is a drawer, opened from the top bar's Rooms button.
export function initDrawer({ app, toggle, panel, backdrop }) {
  function setOpen(open) {
    app.classList.toggle('sidebar-open', open);
    toggle.setAttribute('aria-expanded', String(open));
    backdrop.hidden = !open;
  }

  function close() {
    if (app.classList.contains('sidebar-open')) setOpen(false);
  }

  toggle.addEventListener('click', () => {
    const open = !app.classList.contains('sidebar-open');
    setOpen(open);
    // The open room, else the join field: never the drawer's Sign out button.
    if (open) panel.querySelector('[aria-current="true"], .join-form input')?.focus();
  });
  backdrop.addEventListener('click', close);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !app.classList.contains('sidebar-open')) return;
    setOpen(false);
    toggle.focus();
  });
  return close;
}
