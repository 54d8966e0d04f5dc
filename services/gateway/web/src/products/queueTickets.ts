// The queue tickets a viewer holds, remembered in this browser per user and product, so that a
// reload, a second tab or a later visit still shows their place in line and the offer to claim
// (the server keeps the ticket; only the holder can read it, by its id).

const PREFIX = 'shopcast.queueTicket.';

function key(userId: string, productId: string): string {
  return `${PREFIX}${userId}.${productId}`;
}

function store(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled: the ticket lives as long as the page
  }
}

export function rememberedTicket(userId: string, productId: string): string | null {
  if (!userId || !productId) return null;
  const id = store()?.getItem(key(userId, productId)) ?? null;
  return id && /^qtk_[A-Za-z0-9]{1,64}$/.test(id) ? id : null;
}

export function rememberTicket(userId: string, productId: string, ticketId: string): void {
  if (!userId || !productId || !ticketId) return;
  try {
    store()?.setItem(key(userId, productId), ticketId);
  } catch {
    /* quota: as if storage were off */
  }
}

export function forgetTicket(userId: string, productId: string): void {
  if (!userId || !productId) return;
  store()?.removeItem(key(userId, productId));
}
