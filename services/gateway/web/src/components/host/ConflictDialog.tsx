import type { Conflict } from '../../hooks/useOptimisticProduct';
import { formatMoney } from '../../util/money';
import { Modal } from '../Modal';

/** Shows both versions side by side after a stale-version conflict. */
export function ConflictDialog({ conflict, onKeepMine, onTakeTheirs, onClose }: { conflict: Conflict; onKeepMine: () => void; onTakeTheirs: () => void; onClose: () => void }) {
  const rows: Array<[string, string | undefined, string | undefined]> = [];
  if (conflict.mine.title !== undefined) rows.push(['Title', conflict.mine.title, conflict.theirs.title]);
  if (conflict.mine.price !== undefined) rows.push(['Price', formatMoney(conflict.mine.price), formatMoney(conflict.theirs.price)]);
  if (conflict.mine.description !== undefined) rows.push(['Description', conflict.mine.description, conflict.theirs.description]);
  return (
    <Modal
      title="This product changed meanwhile"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onTakeTheirs}>
            Use the current version
          </button>
          <button type="button" className="btn btn-primary" onClick={onKeepMine} data-autofocus>
            Apply my changes on top
          </button>
        </>
      }
    >
      <p>Someone (maybe you, in another tab) saved a newer version before your change arrived. Nothing was overwritten.</p>
      <table className="conflict-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Your change</th>
            <th scope="col">Current (version {conflict.theirs.version})</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([f, a, b]) => (
            <tr key={f}>
              <th scope="row">{f}</th>
              <td>{a}</td>
              <td>{b}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
