import { useEffect, useMemo, useState } from 'react';
import { Products } from '../api/services';
import type { Money, Product } from '../api/types';
import { violationsByField } from '../products/schemaForm';
import { useDebounced } from './useDebounced';

/** Server-side validation while the host types: ValidateProduct on the debounced draft (never
 * writes), with the suggested buy-now price for auctions (SuggestBuyNowPrice). Answers that
 * arrive out of order are dropped. */
export function useProductValidation(draft: { product: Product; initialStock: string }, enabled: boolean, ms = 350) {
  const key = JSON.stringify(draft);
  const debouncedKey = useDebounced(key, ms);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [checking, setChecking] = useState(false);
  const [checkedKey, setCheckedKey] = useState('');
  const [suggested, setSuggested] = useState<{ minimum?: Money; suggested?: Money } | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const d = JSON.parse(debouncedKey) as { product: Product; initialStock: string };
    setChecking(true);
    Products.ValidateProduct({ product: d.product, initialStock: d.initialStock }).then(
      (r) => {
        if (!live) return;
        setErrors(violationsByField(r.violations));
        setCheckedKey(debouncedKey);
        setChecking(false);
        if (r.suggestedBuyNowPrice || r.minimumBuyNowPrice) setSuggested({ minimum: r.minimumBuyNowPrice, suggested: r.suggestedBuyNowPrice });
      },
      () => {
        if (!live) return;
        setChecking(false);
      },
    );
    const start = d.product.auctionSettings?.startingBid;
    if (start && Number(start.amountMinor) > 0) {
      Products.SuggestBuyNowPrice({ startingBid: start, reservePrice: d.product.auctionSettings?.reservePrice }).then(
        (r) => live && setSuggested({ minimum: r.minimum, suggested: r.suggested }),
        () => live && setSuggested(null),
      );
    } else if (!d.product.auctionSettings) {
      setSuggested(null);
    }
    return () => {
      live = false;
    };
  }, [debouncedKey, enabled]);

  const upToDate = checkedKey === key;
  return useMemo(() => ({ errors, checking: checking || !upToDate, suggested, upToDate }), [errors, checking, upToDate, suggested]);
}
