// The app's one WebSocket, started on first use, following the session's token.
import { session } from '../auth/session';
import { serverClock } from '../time/serverClock';
import { browserSocketFactory, defaultSocketUrl } from './socket';
import { WsClient } from './wsClient';

let client: WsClient | null = null;

export function ws(): WsClient {
  if (!client) {
    const c = new WsClient({
      url: defaultSocketUrl(),
      socketFactory: browserSocketFactory,
      getToken: () => session.accessToken(),
      onClockSample: (t, sent, recv) => serverClock.sample(t, sent, recv),
    });
    session.subscribe(() => c.tokenChanged());
    c.start();
    client = c;
  }
  return client;
}
