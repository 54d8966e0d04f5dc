import type { GetStreamSalesResponse, RoomStats } from '../../api/types';
import type { RoomView } from '../../realtime/roomState';
import { formatMoney } from '../../util/money';
import { MiniChart } from './MiniChart';

function minuteLabel(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';
}

/** The live dashboard: viewers now and peak, reactions, chat, orders and revenue — room events
 * for what changes by the second, GetRoomStats and GetStreamSales (polled) for the rest — and
 * per-minute charts. */
export function Dashboard({ room, stats, sales }: { room: RoomView; stats?: RoomStats; sales?: GetStreamSalesResponse }) {
  const totals = sales?.summary?.totals;
  const revenue = totals?.grossRevenue?.length ? totals.grossRevenue : (stats?.revenue ?? []);
  const viewers = room.loaded ? room.viewers : Number(stats?.viewerCount ?? 0);
  const peak = Math.max(room.peakViewers, Number(stats?.peakViewerCount ?? 0), viewers);
  const likes = room.loaded ? room.likes : Number(stats?.totalLikes ?? 0);
  const dislikes = room.loaded ? room.dislikes : Number(stats?.totalDislikes ?? 0);
  const chatCount = Math.max(Number(stats?.chatMessageCount ?? 0), 0);
  const orders = Number(totals?.orderCount ?? stats?.salesCount ?? 0);
  const tiles: Array<[string, string, string]> = [
    ['Watching now', String(viewers), 'viewers'],
    ['Peak viewers', String(peak), 'peak'],
    ['Likes', `${likes}`, 'likes'],
    ['Dislikes', `${dislikes}`, 'dislikes'],
    ['Chat messages', String(chatCount), 'chat'],
    ['Orders', String(orders), 'orders'],
    ['Units sold', String(Number(totals?.unitsSold ?? stats?.unitsSold ?? room.unitsSold)), 'units'],
    ['Revenue', revenue.map((m) => formatMoney(m)).join(' + ') || formatMoney({ amountMinor: '0', currency: 'USD' }), 'revenue'],
  ];
  const minutes = stats?.minutes ?? [];
  return (
    <section className="panel dashboard" aria-label="Live stats">
      <h2 className="panel-title">Live stats</h2>
      <dl className="tiles">
        {tiles.map(([label, value, key]) => (
          <div className="tile" key={key}>
            <dt>{label}</dt>
            <dd data-testid={`stat-${key}`}>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <MiniChart title="Viewers" unit="viewers" points={minutes.map((m) => ({ label: minuteLabel(m.minute), value: Number(m.viewers ?? 0) }))} />
        <MiniChart title="Chat" unit="messages" points={minutes.map((m) => ({ label: minuteLabel(m.minute), value: Number(m.chatMessages ?? 0) }))} />
        <MiniChart
          title="Orders"
          unit="orders"
          points={(sales?.summary?.perMinute ?? []).map((m) => ({ label: minuteLabel(m.minuteStart), value: Number(m.orderCount ?? 0) }))}
        />
      </div>
    </section>
  );
}
