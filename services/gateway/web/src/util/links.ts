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

/** The same-origin path (and query) of a media URL a service hands out — a live stream's
 * thumbnail (`/live/…`), a recording's poster or thumbnails (`/vod/…`). The gateway that serves
 * this page proxies both prefixes, so the app loads them through it whatever public base the
 * services build their URLs on (an internal origin in development, a CDN name in production,
 * which the page's Content-Security-Policy would block); anything else is refused (undefined). */
export function mediaPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://same.origin');
  } catch {
    return undefined;
  }
  if (!parsed.pathname.startsWith('/live/') && !parsed.pathname.startsWith('/vod/')) return undefined;
  return parsed.pathname + parsed.search;
}
