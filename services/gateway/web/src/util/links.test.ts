import { describe, expect, it } from 'vitest';
import { appLink, safeReturnPath } from './links';

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
});
