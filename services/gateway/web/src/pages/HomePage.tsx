import { Video } from '../api/services';
import { Empty, ErrorBanner, Spinner } from '../components/Feedback';
import { StreamCard } from '../components/StreamCard';
import { useAsync } from '../hooks/useAsync';
import { useTitle } from '../hooks/useTitle';

export function HomePage() {
  useTitle('Live now');
  const live = useAsync(() => Video.ListLiveStreams({ page: { pageSize: 24 } }), [], { pollMs: 20_000 });
  const upcoming = useAsync(() => Video.ListUpcomingStreams({ page: { pageSize: 12 } }), []);
  return (
    <section className="page">
      <div className="hero">
        <h1>Live now</h1>
        <p className="muted">Shows you can watch, chat in and shop from — no account needed to watch.</p>
      </div>
      <ErrorBanner error={live.error} onRetry={live.reload} />
      {live.loading && !live.data && <Spinner label="Finding live shows" />}
      {live.data && (live.data.streams?.length ? (
        <div className="stream-grid">
          {live.data.streams.map((s) => (
            <StreamCard key={s.id} stream={s} />
          ))}
        </div>
      ) : (
        <Empty>Nobody is live right now. Check the upcoming shows below.</Empty>
      ))}
      <h2 className="section-title">Upcoming</h2>
      <ErrorBanner error={upcoming.error} onRetry={upcoming.reload} />
      {upcoming.data && (upcoming.data.streams?.length ? (
        <div className="stream-grid">
          {upcoming.data.streams.map((s) => (
            <StreamCard key={s.id} stream={s} />
          ))}
        </div>
      ) : (
        <Empty>No shows scheduled yet.</Empty>
      ))}
    </section>
  );
}
