// Asking the server something and reading its ack. A lost connection or a late answer comes
// back as a refusal too, so every caller handles one shape: {ok, error, retry_after?}.
const ACK_TIMEOUT_MS = 10000;
// The server's retry_after is when its limit gives back a token; a little later is surely after.
const RETRY_MARGIN_MS = 100;

export async function ask(socket, event, payload) {
  if (!socket.active) return { ok: false, error: 'You are disconnected.' };
  try {
    return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  } catch {
    return { ok: false, error: 'The server did not answer.' };
  }
}

// The milliseconds a refusal asks us to wait before trying again, or null when it names no wait.
export function waitAsked(ack) {
  if (typeof ack.retry_after !== 'number') return null;
  return Math.ceil(ack.retry_after * 1000) + RETRY_MARGIN_MS;
}
