// The contract types, generated from protos/ at build time (scripts/gen-types.mjs, src/gen/ is
// not committed). Everything in the app imports them from here.
export type * from '../gen/shopcast/common/v1/money.js';
export type * from '../gen/shopcast/common/v1/page.js';
export type * from '../gen/shopcast/common/v1/error.js';
export type * from '../gen/shopcast/user/v1/user.js';
export type * from '../gen/shopcast/video_ingest/v1/video_ingest.js';
export type * from '../gen/shopcast/product_inventory/v1/product_inventory.js';
export type * from '../gen/shopcast/order/v1/order.js';
export type * from '../gen/shopcast/realtime_push/v1/realtime_push.js';
export type * from '../gen/shopcast/gateway/v1/gateway.js';
export type * from '../gen/shopcast/recording_lifecycle/v1/recording_lifecycle.js';
// Names defined by more than one package: the room-event versions (realtime_push) are the ones
// the app reads; the others are producers' outbox events it never sees.
export type {
  AuctionClosed,
  AuctionExtended,
  AuctionStarted,
  ProductCreated,
  ProductUpdated,
  QueueUpdated,
  StockChanged,
  SaleCancelled,
} from '../gen/shopcast/realtime_push/v1/realtime_push.js';
export { StreamStatus, StreamErrorReason } from '../gen/shopcast/common/v1/stream.js';
export { Role } from '../gen/shopcast/user/v1/user.js';
export { RecordingChoice } from '../gen/shopcast/video_ingest/v1/video_ingest.js';
export {
  ParameterKind,
  SaleMode,
  ProductStatus,
  ReservationStatus,
  QueueTicketStatus,
  LotteryStatus,
} from '../gen/shopcast/product_inventory/v1/product_inventory.js';
export { OrderStatus, OrderRole } from '../gen/shopcast/order/v1/order.js';
export { Reaction, NotificationKind } from '../gen/shopcast/realtime_push/v1/realtime_push.js';
export { RoomEndReason } from '../gen/shopcast/gateway/v1/gateway.js';
