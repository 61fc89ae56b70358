// Front page: clicking a listed room fills the room field.
const roomField = document.getElementById('room');

document.querySelectorAll('.room-choice').forEach((button) => {
  button.addEventListener('click', () => {
    roomField.value = button.dataset.room;
    document.getElementById('nickname').focus();
  });
});
