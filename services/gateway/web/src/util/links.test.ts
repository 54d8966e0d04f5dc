import { describe, expect, it } from 'vitest';
import { appLink, mediaPath, safeReturnPath } from './links';

describe('links', () => {
  it('only ever returns to one of our own paths after login (no open redirect)', () => {
    expect(safeReturnPath('/watch/str_1')).toBe('/watch/str_1');
    expect(safeReturnPath('https://evil.example/')).toBe('/');
    expect(safeReturnPath('//evil.example/x')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath('javascript:alert(1)')).toBe('/');
    expect(safeReturnPath(null)).toBe('/');
  });

  it('maps notification links onto app routes', () => {
    expect(appLink('/live/str_abc')).toBe('/watch/str_abc');
    expect(appLink('/live/str_abc/')).toBe('/watch/str_abc');
    // a queue offer's link keeps the ticket the watch page opens the offer with
    expect(appLink('/live/str_abc?queue_ticket=qtk_1')).toBe('/watch/str_abc?queue_ticket=qtk_1');
    expect(appLink('/products/prd_1?queue_ticket=qtk_1')).toBe('/products/prd_1?queue_ticket=qtk_1');
    expect(appLink('/\\evil.example')).toBe('/');
    expect(appLink('/orders/ord_1')).toBe('/orders/ord_1');
    expect(appLink('https://evil.example')).toBe('/');
    expect(appLink('//evil.example')).toBe('/');
    expect(appLink(undefined)).toBe('/');
  });

  it('loads a live thumbnail or a recording poster through the gateway, whatever origin the service named', () => {
    expect(mediaPath('http://127.0.0.1:8088/live/str_1/thumb.jpg')).toBe('/live/str_1/thumb.jpg');
    expect(mediaPath('https://live.cdn.example/live/str_1/thumb.jpg?token=t')).toBe('/live/str_1/thumb.jpg?token=t');
    expect(mediaPath('/vod/rec_1/poster.jpg')).toBe('/vod/rec_1/poster.jpg');
    expect(mediaPath('https://evil.example/x.jpg')).toBeUndefined();
    expect(mediaPath('javascript:alert(1)')).toBeUndefined();
    expect(mediaPath('')).toBeUndefined();
    expect(mediaPath(undefined)).toBeUndefined();
  });
});
