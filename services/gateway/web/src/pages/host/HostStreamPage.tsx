import { useCallback, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { Gateway, Orders, Realtime, Video } from '../../api/services';
import type { ChatMessage, IngestEndpoints, Stream } from '../../api/types';
import { describeError } from '../../api/errors';
import { ErrorBanner, Notice, Spinner } from '../../components/Feedback';
import { Dashboard } from '../../components/host/Dashboard';
import { EndStreamModal } from '../../components/host/EndStreamModal';
import { OrdersFeed, ViewersFeed } from '../../components/host/Feeds';
import { ProductPanel } from '../../components/host/ProductPanel';
import { StreamSetup } from '../../components/host/StreamSetup';
import { RequireAuth } from '../../components/RequireAuth';
import { ChatPanel } from '../../components/watch/ChatPanel';
import { LiveStats } from '../../components/watch/LiveStats';
import { Player } from '../../components/watch/Player';
import { useAsync } from '../../hooks/useAsync';
import { usePlayback } from '../../hooks/usePlayback';
import { useRoom } from '../../hooks/useRoom';
import { useSession } from '../../hooks/useSession';
import { useTitle } from '../../hooks/useTitle';
import { ws } from '../../realtime/connection';
import { randomId } from '../../util/ids';

function Console() {
  const { streamId = '' } = useParams();
  const loc = useLocation();
  const s = useSession();
  const [endpoints, setEndpoints] = useState<IngestEndpoints | null>(() => (loc.state as { endpoints?: IngestEndpoints } | null)?.endpoints ?? null);
  const stream = useAsync(() => Video.GetStream({ streamId }), [streamId], { pollMs: 5_000 });
  const stats = useAsync(() => Realtime.GetRoomStats({ streamId }), [streamId], { pollMs: 5_000 });
  const sales = useAsync(() => Orders.GetStreamSales({ streamId, page: { pageSize: 50 } }).catch(() => undefined), [streamId], { pollMs: 5_000 });
  const config = useAsync(() => Gateway.GetClientConfig({}), []);
  const { room, addOptimisticChat, dropChat } = useRoom(streamId, { skipPresence: true });
  const [ending, setEnding] = useState(false);
  const [modError, setModError] = useState('');
  const [endedWith, setEndedWith] = useState('');
  const st: Stream | undefined = stream.data?.stream;
  useTitle(st ? `Console: ${st.title}` : 'Host console');
  const status = room.loaded ? room.status : st?.status;
  const live = status === 'STREAM_STATUS_LIVE' || status === 'STREAM_STATUS_RECONNECTING';
  const ended = status === 'STREAM_STATUS_ENDED' || status === 'STREAM_STATUS_ERROR' || !!endedWith;
  const playback = usePlayback(st, live, 0);

  const sendChat = useCallback(
    async (text: string) => {
      const clientMessageId = randomId('c');
      addOptimisticChat({ id: '', text, clientMessageId, author: { userId: s.user?.id, displayName: s.user?.displayName || s.user?.username, isHost: true } });
      try {
        await ws().sendChat(streamId, text, clientMessageId);
      } catch (e) {
        dropChat(clientMessageId);
        throw e;
      }
    },
    [streamId, s.user, addOptimisticChat, dropChat],
  );
  const del = async (m: ChatMessage) => {
    setModError('');
    try {
      await Realtime.DeleteChatMessage({ streamId, messageId: m.id });
    } catch (e) {
      setModError(describeError(e));
    }
  };
  const mute = async (m: ChatMessage) => {
    setModError('');
    try {
      await Realtime.MuteUser({ streamId, userId: m.author?.userId, duration: '600s' });
    } catch (e) {
      setModError(describeError(e));
    }
  };

  if (stream.loading && !st) return <Spinner label="Opening your console" />;
  if (!st) return <section className="page"><ErrorBanner error={stream.error} onRetry={stream.reload} /></section>;

  return (
    <div className="console">
      <div className="console-head">
        <div>
          <p className="crumbs">
            <Link to="/host">Host console</Link> /
          </p>
          <h1>{st.title}</h1>
          <LiveStats wentLiveAt={st.wentLiveAt} viewers={room.viewers} status={status} />
        </div>
        <div className="console-head-actions">
          <Link className="btn btn-ghost" to={`/watch/${streamId}`} target="_blank" rel="noopener">
            Open viewer page ↗
          </Link>
          {!ended && (
            <button type="button" className="btn btn-danger" onClick={() => setEnding(true)}>
              End stream
            </button>
          )}
        </div>
      </div>
      {endedWith && <Notice tone="success">{endedWith}</Notice>}
      <div className="console-grid">
        <div className="console-main">
          <div className="console-top">
            <div className="preview">
              <Player src={playback.kind === 'play' ? playback.src : null} title={`Preview: ${st.title}`} />
            </div>
            <StreamSetup stream={st} endpoints={endpoints} onEndpoints={setEndpoints} />
          </div>
          <Dashboard room={room} stats={stats.data?.stats} sales={sales.data} />
          <div className="feeds">
            <div className="panel">
              <ChatPanel title="Comments" messages={room.chat} onSend={ended ? null : sendChat} closed={room.closed} onDelete={del} onMute={mute} />
              {modError && <p className="field-error" role="alert">{modError}</p>}
            </div>
            <ViewersFeed viewers={room.viewers} peak={Math.max(room.peakViewers, Number(stats.data?.stats?.peakViewerCount ?? 0))} />
            <OrdersFeed sales={sales.data?.sales ?? []} />
          </div>
        </div>
        <aside className="console-side">
          <ProductPanel streamId={streamId} room={room} currencies={config.data?.config?.supportedCurrencies ?? []} ended={ended} />
        </aside>
      </div>
      {ending && (
        <EndStreamModal
          stream={st}
          onClose={() => setEnding(false)}
          onEnded={(ns, choice) => {
            stream.setData(() => ({ stream: ns }));
            setEndedWith(choice === 'RECORDING_CHOICE_SAVE' ? 'Stream saved for on-demand viewing.' : 'Stream ended (not saved).');
          }}
        />
      )}
    </div>
  );
}

export default function HostStreamPage() {
  return (
    <RequireAuth role="host">
      <Console />
    </RequireAuth>
  );
}
