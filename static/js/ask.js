// Asking the server something and reading its ack. A lost connection or a late answer comes
// back as a refusal too, so every caller handles one shape: {ok, error, retry_after?}.
const ACK_TIMEOUT_MS = 10000;

export async function ask(socket, event, payload) {
  if (!socket.active) return { ok: false, error: 'You are disconnected.' };
  try {
    return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  } catch {
    return { ok: false, error: 'The server did not answer.' };
  }
}
