-- Cancelled lotteries (CancelLottery, or their stream ending while the window is open) and why
-- an order gave a hold back (ReleaseReservationForOrder's reason).

-- Lottery status 3: cancelled before any draw. The set-aside units went back to the stock in
-- the cancelling transaction; there is no audit (nothing was drawn, the seed stays secret).
ALTER TABLE lotteries
  DROP CONSTRAINT lotteries_status_check,
  ADD CONSTRAINT lotteries_status_check CHECK (status IN (1, 2, 3)),
  -- Set together with status 3: when, and why (HOST_CANCELLED, STREAM_ENDED).
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN cancel_reason text,
  DROP CONSTRAINT lotteries_drawn_complete,
  ADD CONSTRAINT lotteries_drawn_complete CHECK (
    (status = 1 AND drawn_at IS NULL AND entrants_digest IS NULL AND winner_count IS NULL
     AND entrant_count IS NULL AND cancelled_at IS NULL AND cancel_reason IS NULL)
    OR (status = 2 AND drawn_at IS NOT NULL AND entrants_digest IS NOT NULL
        AND winner_count BETWEEN 0 AND units AND entrant_count >= winner_count
        AND cancelled_at IS NULL AND cancel_reason IS NULL)
    OR (status = 3 AND drawn_at IS NULL AND winner_count IS NULL
        AND cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL));

-- Entries of a cancelled lottery: marked with the cancellation's time (they won nothing and
-- never will); NULL while the lottery runs or after a draw.
ALTER TABLE lottery_entries ADD COLUMN cancelled_at timestamptz;

-- Why the order released the hold ("PAYMENT_DECLINED", "ORDER_CANCELLED", ...): set once, by
-- the release that ended the hold; NULL for a buyer's own release, an expiry, or an order that
-- gave no reason.
ALTER TABLE holds
  ADD COLUMN release_reason text CHECK (release_reason ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  ADD CONSTRAINT holds_release_reason_released CHECK (release_reason IS NULL OR state = 'released');
