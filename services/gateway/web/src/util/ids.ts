/** A random printable-ASCII id (idempotency keys, client message ids, frame ids). */
export function randomId(prefix = ''): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** "usr_3f9a…" → "usr_3f9a…" shortened for display when a name is missing. */
export function maskId(id: string | undefined): string {
  if (!id) return 'someone';
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}
