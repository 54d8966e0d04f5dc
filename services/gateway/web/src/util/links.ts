/** Notification links are app-relative paths; "/live/<id>" is the HLS prefix on the gateway, so
 * the watch page lives at "/watch/<id>" (its query, e.g. a queue offer's "?queue_ticket=…", kept).
 * Anything that is not a plain app path goes home. */
export function appLink(link: string | undefined): string {
  if (!link || !link.startsWith('/') || link.startsWith('//') || link.startsWith('/\\')) return '/';
  const live = /^\/live\/(str_[A-Za-z0-9_-]+)\/?(\?[^#]*)?$/.exec(link);
  if (live) return `/watch/${live[1]}${live[2] ?? ''}`;
  return link;
}

/** A return path is only ever one of our own paths (no open redirects). */
export function safeReturnPath(p: string | null | undefined): string {
  if (!p || !p.startsWith('/') || p.startsWith('//') || p.startsWith('/\\')) return '/';
  return p;
}
