import { useState } from 'react';
import { Orders, Realtime, Video } from '../../api/services';
import { describeError } from '../../api/errors';
import type { RecordingChoice, Stream } from '../../api/types';
import { useAsync } from '../../hooks/useAsync';
import { useServerNow } from '../../hooks/useServerNow';
import { formatCountdown } from '../../time/serverClock';
import { formatMoney } from '../../util/money';
import { Spinner } from '../Feedback';
import { Modal } from '../Modal';

/** End stream: the final stats, then Save (kept for on-demand viewing) or Delete. */
export function EndStreamModal({ stream, onClose, onEnded }: { stream: Stream; onClose: () => void; onEnded: (s: Stream, choice: RecordingChoice) => void }) {
  const id = stream.id ?? '';
  const stats = useAsync(() => Realtime.GetRoomStats({ streamId: id }), [id]);
  const sales = useAsync(() => Orders.GetStreamSales({ streamId: id, page: { pageSize: 1 } }).catch(() => undefined), [id]);
  const now = useServerNow(1000);
  const [busy, setBusy] = useState<RecordingChoice | null>(null);
  const [error, setError] = useState('');
  const [done, setDone] = useState<RecordingChoice | null>(null);
  const started = stream.wentLiveAt ? Date.parse(stream.wentLiveAt) : NaN;
  const ended = stream.endedAt ? Date.parse(stream.endedAt) : now;
  const s = stats.data?.stats;
  const totals = sales.data?.summary?.totals;
  const revenue = totals?.grossRevenue?.length ? totals.grossRevenue : (s?.revenue ?? []);

  const end = async (choice: RecordingChoice) => {
    setBusy(choice);
    setError('');
    try {
      const r = await Video.EndStream({ streamId: id, recordingChoice: choice });
      setDone(choice);
      if (r.stream) onEnded(r.stream, choice);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  if (done) {
    return (
      <Modal title="Stream ended" onClose={onClose} footer={<button className="btn btn-primary" onClick={onClose} data-autofocus>Done</button>}>
        <p role="status" data-testid="end-result">
          {done === 'RECORDING_CHOICE_SAVE' ? 'Stream saved for on-demand viewing.' : 'Stream ended (not saved).'}
        </p>
      </Modal>
    );
  }

  return (
    <Modal
      title="End the stream?"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Keep streaming
          </button>
          <button type="button" className="btn btn-danger" onClick={() => end('RECORDING_CHOICE_DELETE')} disabled={!!busy}>
            {busy === 'RECORDING_CHOICE_DELETE' ? 'Ending…' : 'End and delete'}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => end('RECORDING_CHOICE_SAVE')} disabled={!!busy} data-autofocus>
            {busy === 'RECORDING_CHOICE_SAVE' ? 'Ending…' : 'End and save'}
          </button>
        </>
      }
    >
      <h3>Final stats</h3>
      {stats.loading && !s ? (
        <Spinner label="Counting" />
      ) : (
        <dl className="tiles final-stats" data-testid="final-stats">
          <div className="tile">
            <dt>Duration</dt>
            <dd>{Number.isNaN(started) ? '—' : formatCountdown(ended - started)}</dd>
          </div>
          <div className="tile">
            <dt>Peak viewers</dt>
            <dd>{Number(s?.peakViewerCount ?? 0)}</dd>
          </div>
          <div className="tile">
            <dt>Unique viewers</dt>
            <dd>{Number(s?.uniqueViewers ?? 0)}</dd>
          </div>
          <div className="tile">
            <dt>Likes</dt>
            <dd>{Number(s?.totalLikes ?? 0)}</dd>
          </div>
          <div className="tile">
            <dt>Chat messages</dt>
            <dd>{Number(s?.chatMessageCount ?? 0)}</dd>
          </div>
          <div className="tile">
            <dt>Orders</dt>
            <dd>{Number(totals?.orderCount ?? s?.salesCount ?? 0)}</dd>
          </div>
          <div className="tile">
            <dt>Revenue</dt>
            <dd>{revenue.map((m) => formatMoney(m)).join(' + ') || '—'}</dd>
          </div>
        </dl>
      )}
      <p className="muted">Save keeps the recording for on-demand viewing with its sale moments; Delete removes it.</p>
      {error && <p className="field-error" role="alert">{error}</p>}
    </Modal>
  );
}
