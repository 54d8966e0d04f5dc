import { useState } from 'react';
import { Icon } from '../Icon';
import type { Reaction } from '../../api/types';
import { describeError } from '../../api/errors';
import { ws } from '../../realtime/connection';

/** Like / dislike toggles (a per-viewer reaction; anonymous viewers count by connection). */
export function Reactions({ streamId, likes, dislikes, disabled }: { streamId: string; likes: number; dislikes: number; disabled?: boolean }) {
  const [mine, setMine] = useState<Reaction>('REACTION_NONE');
  const [counts, setCounts] = useState<{ likes: number; dislikes: number } | null>(null);
  const [error, setError] = useState('');

  const set = async (r: Reaction) => {
    const next: Reaction = mine === r ? 'REACTION_NONE' : r;
    setError('');
    try {
      const res = await ws().like(streamId, next);
      setMine(res.reaction ?? next);
      if (res.counts) setCounts({ likes: Number(res.counts.likes ?? 0), dislikes: Number(res.counts.dislikes ?? 0) });
    } catch (e) {
      setError(describeError(e));
    }
  };
  // the room's coalesced counts win once they catch up
  const l = Math.max(likes, counts?.likes ?? 0);
  const d = counts && likes < counts.likes ? counts.dislikes : dislikes;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      <button type="button" className={`pill${mine === 'REACTION_LIKE' ? ' pill-on' : ''}`} aria-pressed={mine === 'REACTION_LIKE'} onClick={() => set('REACTION_LIKE')} disabled={disabled}>
        <Icon name="up" /> <span data-testid="like-count">{l}</span>
        <span className="sr-only"> likes</span>
      </button>
      <button type="button" className={`pill${mine === 'REACTION_DISLIKE' ? ' pill-on' : ''}`} aria-pressed={mine === 'REACTION_DISLIKE'} onClick={() => set('REACTION_DISLIKE')} disabled={disabled}>
        <Icon name="down" /> <span data-testid="dislike-count">{d}</span>
        <span className="sr-only"> dislikes</span>
      </button>
      {error && <span className="field-error" role="alert">{error}</span>}
    </div>
  );
}
