import { useEffect } from 'react';

/** Sets the document title ("<page> · Shopcast"). */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Shopcast` : 'Shopcast — live shopping';
  }, [title]);
}
