import { useCallback, useState } from 'react';
import { ApiError } from '../api/errors';
import { Products } from '../api/services';
import type { Product } from '../api/types';

export type EditableFields = Pick<Product, 'title' | 'price' | 'description'>;

export interface Conflict {
  mine: EditableFields;
  theirs: Product;
}

/** Optimistic product edits: the change shows at once; a stale version (ABORTED/VERSION_MISMATCH)
 * rolls it back and offers a merge — re-apply mine on top of the current product, or take theirs. */
export function useOptimisticProduct(initial: Product, onSaved: (p: Product) => void) {
  const [shown, setShown] = useState<Product>(initial);
  const [pending, setPending] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [error, setError] = useState<unknown>();

  const save = useCallback(
    async (base: Product, changes: EditableFields) => {
      const mask = (Object.keys(changes) as Array<keyof EditableFields>).filter((k) => changes[k] !== undefined);
      if (mask.length === 0) return;
      setShown({ ...base, ...changes });
      setPending(true);
      setError(undefined);
      try {
        const r = await Products.UpdateProduct({ updateMask: mask.join(','), product: { id: base.id, version: base.version, ...changes } });
        if (r.product) {
          setShown(r.product);
          onSaved(r.product);
        }
      } catch (e) {
        setShown(base);
        if (e instanceof ApiError && e.code === 'ABORTED') {
          const cur = await Products.GetProduct({ productId: base.id }).catch(() => null);
          if (cur?.product) setConflict({ mine: changes, theirs: cur.product });
          else setError(e);
        } else {
          setError(e);
        }
      } finally {
        setPending(false);
      }
    },
    [onSaved],
  );

  const keepMine = useCallback(async () => {
    if (!conflict) return;
    const c = conflict;
    setConflict(null);
    await save(c.theirs, c.mine);
  }, [conflict, save]);

  const takeTheirs = useCallback(() => {
    if (!conflict) return;
    setShown(conflict.theirs);
    onSaved(conflict.theirs);
    setConflict(null);
  }, [conflict, onSaved]);

  return { shown, setShown, pending, conflict, error, save, keepMine, takeTheirs };
}
