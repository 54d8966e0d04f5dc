import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Moment } from '../../api/types';
import { MOMENT_LEAD_IN_SECONDS, ReplayMoments } from './ReplayMoments';

afterEach(cleanup);

const moments: Moment[] = [
  { id: 'mom_1', productTitle: 'Court sneakers', quantity: 1, amount: { amountMinor: '4900', currency: 'USD' }, mediaOffset: '3.2s', kind: 'MOMENT_KIND_SALE' },
  { id: 'mom_2', productTitle: 'Vintage watch', quantity: 1, amount: { amountMinor: '12000', currency: 'USD' }, mediaOffset: '754.5s', kind: 'MOMENT_KIND_AUCTION_SALE' },
  { id: 'mom_3', productTitle: '<b>Socks</b>', quantity: 3, amount: { amountMinor: '900', currency: 'USD' }, mediaOffset: '800s', kind: 'MOMENT_KIND_SALE' },
] as Moment[];

describe('ReplayMoments', () => {
  it('lists every sale at its place in the video, with what sold and for how much', () => {
    render(<ReplayMoments moments={moments} position={0} onJump={() => {}} />);
    const rows = screen.getAllByTestId('moment');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/0:03.*Court sneakers.*\$49\.00/),
      expect.stringMatching(/12:34.*Vintage watch.*Auction.*\$120\.00/),
      expect.stringMatching(/13:20.*3 × <b>Socks<\/b>.*\$9\.00/), // a title is text, never markup
    ]);
  });

  it('jumps to a few seconds before the sale, never before the start', () => {
    const jumps: number[] = [];
    render(<ReplayMoments moments={moments} position={0} onJump={(s) => jumps.push(s)} />);
    fireEvent.click(screen.getByRole('button', { name: /Vintage watch/ }));
    fireEvent.click(screen.getByRole('button', { name: /Court sneakers/ }));
    expect(jumps).toEqual([754.5 - MOMENT_LEAD_IN_SECONDS, 0]);
  });

  it('marks the sale playing now', () => {
    render(<ReplayMoments moments={moments} position={752} onJump={() => {}} />);
    expect(screen.getByRole('button', { name: /Vintage watch/ }).getAttribute('aria-current')).toBe('true');
    expect(screen.getByRole('button', { name: /Court sneakers/ }).getAttribute('aria-current')).toBeNull();
  });

  it('says so when nothing sold', () => {
    render(<ReplayMoments moments={[]} position={0} onJump={() => {}} />);
    expect(screen.getByText('Nothing sold in this show.')).toBeTruthy();
  });
});
