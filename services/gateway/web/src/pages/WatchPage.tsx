import { useCallback, useEffect, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { User, Video } from '../api/services';
import type { Reservation } from '../api/types';
import { CheckoutModal } from '../components/checkout/CheckoutModal';
import { ErrorBanner, Spinner } from '../components/Feedback';
import { AccessGate, ReplayGate } from '../components/watch/AccessGate';
import { ChatPanel } from '../components/watch/ChatPanel';
import { FollowButton } from '../components/watch/FollowButton';
import { LiveStats } from '../components/watch/LiveStats';
import { Player } from '../components/watch/Player';
import { ProductTile } from '../components/watch/ProductTile';
import { Reactions } from '../components/watch/Reactions';
import { ReplayMoments } from '../components/watch/ReplayMoments';
import { SoldTicker } from '../components/watch/SoldTicker';
import { useAsync } from '../hooks/useAsync';
import { usePlayback } from '../hooks/usePlayback';
import { useReplay } from '../hooks/useReplay';
import { useRequireLogin } from '../hooks/useRequireLogin';
import { useRoom } from '../hooks/useRoom';
import { useSession } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { ws } from '../realtime/connection';
import { pinnedCards } from '../realtime/roomState';
import { randomId } from '../util/ids';
import { mediaPath } from '../util/links';

export function WatchPage() {
  const { streamId = '' } = useParams();
  const s = useSession();
  const requireLogin = useRequireLogin();
  const stream = useAsync(() => Video.GetStream({ streamId }), [streamId]);
  const st = stream.data?.stream;
  const host = useAsync(async () => (st?.hostId ? User.GetUser({ userId: st.hostId }) : undefined), [st?.hostId]);
  const { room, connection, addOptimisticChat, dropChat } = useRoom(streamId);
  const [checkout, setCheckout] = useState<{ r: Reservation; title: string } | null>(null);
  const [passVersion, setPassVersion] = useState(0);
  // ?moment=mom_… (a "watch it sell" link): the replay starts a little before that sale
  const [params] = useSearchParams();
  const [seek, setSeek] = useState<{ seconds: number; key: number }>();
  const [position, setPosition] = useState(0);
  const onReplayTime = useCallback((t: number) => setPosition((p) => (Math.floor(p) === Math.floor(t) ? p : t)), []);

  const status = room.loaded ? room.status : st?.status;
  const live = status === 'STREAM_STATUS_LIVE' || status === 'STREAM_STATUS_RECONNECTING';
  const playback = usePlayback(st, live, passVersion);
  // an encoder failure the host never recovered from ends a show too; its recording may be saved
  const ended = status === 'STREAM_STATUS_ENDED' || status === 'STREAM_STATUS_ERROR';
  const replay = useReplay(streamId, ended, params.get('moment') ?? undefined, s.user?.id ?? '', passVersion);
  // an access pass just bought (live or for the replay): playback is asked for again
  const onPassGranted = () => setPassVersion((v) => v + 1);
  // opened before the show started: fetch the stream again once it is live (went_live_at)
  const reloadStream = stream.reload;
  const reloadedForLive = useRef(false);
  const missingLiveTime = !!st && !st.wentLiveAt;
  useEffect(() => {
    if (live && missingLiveTime && !reloadedForLive.current) {
      const id = setTimeout(() => {
        reloadedForLive.current = true;
        reloadStream();
      }, 1_000);
      return () => clearTimeout(id);
    }
  }, [live, missingLiveTime, reloadStream]);
  useTitle(st?.title);
  const hostName = host.data?.user?.displayName || host.data?.user?.username || 'the host';

  const sendChat = useCallback(
    async (text: string) => {
      const clientMessageId = randomId('c');
      addOptimisticChat({ id: '', text, clientMessageId, author: { userId: s.user?.id, displayName: s.user?.displayName || s.user?.username } });
      try {
        await ws().sendChat(streamId, text, clientMessageId);
      } catch (e) {
        dropChat(clientMessageId);
        throw e;
      }
    },
    [streamId, s.user, addOptimisticChat, dropChat],
  );

  if (stream.loading && !st) return <Spinner label="Opening the show" />;
  if (stream.error) return <section className="page"><ErrorBanner error={stream.error} onRetry={stream.reload} /></section>;
  if (!st) return null;

  const pinned = pinnedCards(room);
  const others = room.products.filter((p) => !room.pinnedIds.includes(p.productId ?? ''));
  const tile = (p: (typeof room.products)[number], isPinned: boolean) => {
    const id = p.productId ?? '';
    const lottery = room.lotteries[id];
    return (
      <ProductTile
        key={id}
        card={p}
        stock={room.stock[id]}
        auction={room.auctions[id]}
        extension={room.auctions[id] ? room.extensions[room.auctions[id].auctionId ?? ''] : undefined}
        lottery={lottery}
        lotteryWinners={lottery ? room.lotteryWinners[lottery.lotteryId ?? ''] : undefined}
        queue={room.queues[id]}
        pinned={isPinned}
        linkedTicketId={params.get('queue_ticket') ?? undefined}
        requireLogin={requireLogin}
        onCheckout={(r, title) => setCheckout({ r, title })}
      />
    );
  };

  return (
    <div className="watch">
      <div className="watch-main">
        {replay.kind === 'ready' ? (
          <Player
            src={replay.src}
            mode="vod"
            startSeconds={replay.startSeconds}
            seek={seek}
            onTime={onReplayTime}
            title={replay.recording.title || st.title || ''}
            poster={mediaPath(replay.recording.thumbnailUrl) ?? mediaPath(st.thumbnailUrl)}
          />
        ) : replay.kind === 'locked' ? (
          <div className="player player-gated">
            <ReplayGate streamId={streamId} price={st.accessPrice} signedIn={replay.signedIn} onGranted={onPassGranted} />
          </div>
        ) : playback.kind === 'needsLogin' || playback.kind === 'needsPass' ? (
          <div className="player player-gated">
            <AccessGate streamId={streamId} price={st.accessPrice} signedIn={s.status === 'signedIn'} onGranted={onPassGranted} />
          </div>
        ) : (
          <Player
            src={playback.kind === 'play' ? playback.src : null}
            title={st.title ?? ''}
            poster={mediaPath(st.thumbnailUrl)}
            idleText={
              replay.kind === 'processing'
                ? 'This show has ended. Its replay is being prepared…'
                : ended
                  ? 'This show has ended.'
                  : 'The show has not started yet.'
            }
          />
        )}
        {playback.kind === 'error' && <ErrorBanner error={playback.error} />}
        {replay.kind === 'error' && <ErrorBanner error={replay.error} />}
        <div className="watch-info">
          <div className="watch-title-row">
            <h1 className="watch-title">{st.title}</h1>
            <LiveStats wentLiveAt={st.wentLiveAt} viewers={room.viewers} status={status} />
          </div>
          <div className="watch-host-row">
            <span className="host-name">
              with <strong>{hostName}</strong>
            </span>
            {st.hostId && <FollowButton hostId={st.hostId} hostName={hostName} />}
            <Reactions streamId={streamId} likes={room.likes} dislikes={room.dislikes} disabled={room.closed} />
          </div>
          {connection === 'reconnecting' && <p className="banner banner-warn" role="status">Reconnecting to live updates…</p>}
          {ended && (
            <p className="banner banner-info" role="status">
              This show has ended. Thanks for watching!
              {replay.kind === 'ready' && replay.moments.length > 0 && ' Watch the replay: pick a sale below to see the moment it sold.'}
            </p>
          )}
          {status === 'STREAM_STATUS_PREPARING' && <p className="banner banner-info" role="status">The show starts soon; this page goes live by itself.</p>}
          {st.description && <p className="watch-desc">{st.description}</p>}
          {replay.kind === 'ready' ? (
            <ReplayMoments moments={replay.moments} position={position} onJump={(seconds) => setSeek((s) => ({ seconds, key: (s?.key ?? 0) + 1 }))} />
          ) : (
            <SoldTicker sales={room.sales} unitsSold={room.unitsSold} />
          )}
        </div>
      </div>
      <aside className="watch-side" aria-label="Shop and chat">
        <section className="shop" aria-label="Products">
          <h2 className="panel-title">Shop the show</h2>
          {!room.loaded && <Spinner label="Loading products" />}
          {room.loaded && room.products.length === 0 && <p className="empty">No products yet — the host will drop some soon.</p>}
          <div className="product-list">
            {pinned.map((p) => tile(p, true))}
            {others.map((p) => tile(p, false))}
          </div>
        </section>
        <ChatPanel messages={room.chat} onSend={s.status === 'signedIn' ? sendChat : null} closed={room.closed} />
      </aside>
      {checkout && <CheckoutModal reservation={checkout.r} title={checkout.title} onClose={() => setCheckout(null)} />}
    </div>
  );
}
